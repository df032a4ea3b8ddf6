"""The project files a module's behaviour depends on: the transitive closure of its imports of
the project's own modules, read from the source with `ast` (nothing is imported).

Every `import` and `from ... import` counts, at module level or inside a function, relative or
absolute. A dotted name is a project module when `<root>/a/b.py` or `<root>/a/b/__init__.py`
exists; anything else (numpy, tensorflow) is a library and ends the walk. In
`from a.b import c`, `c` is the submodule `a/b/c.py` when there is one, else a name defined in
`a/b`'s module.

Packages' `__init__.py` files are read by name. Importing `a.b.c` runs the `__init__.py` of `a`
and `a.b`, so those files belong to the closure; but an `__init__` commonly imports all its members
(methods/__init__.py imports every method for the registry), and following all of that for each
member would make every method depend on every other, which no method's output does. So from a
package's `__init__` only the statements that define the names imported from it are followed
(`from methods import get` follows `get`, and what `get` uses, such as the registry).
"""
from __future__ import annotations

import ast
import functools
import hashlib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
Needs = frozenset | None  # the names of a module that are needed; None: all of it


def module_file(name: str, root: Path = ROOT) -> Path | None:
    """The file of project module `name` under `root`, or None when it is not one."""
    if not name:
        return None
    base = root.joinpath(*name.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def module_name(path: Path, root: Path = ROOT) -> str:
    parts = path.resolve().relative_to(root.resolve()).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@functools.lru_cache(maxsize=512)
def _parse(path: Path, stamp: tuple) -> ast.Module:
    """The file's syntax tree; `stamp` (mtime, size) makes an edited file parse again."""
    return ast.parse(path.read_text(), filename=str(path))


def _tree(path: Path) -> ast.Module:
    status = path.stat()
    return _parse(path, (status.st_mtime_ns, status.st_size))


def _bound(statement: ast.stmt) -> set[str]:
    """The module-level names a top-level statement binds."""
    if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return {statement.name}
    names = set()
    for node in ast.walk(statement):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
    return names


def _needed_statements(tree: ast.Module, wanted: frozenset) -> list[ast.stmt]:
    """The top-level statements that define `wanted`, and those that define what they use."""
    binders: dict[str, list[ast.stmt]] = {}
    for statement in tree.body:
        for name in _bound(statement):
            binders.setdefault(name, []).append(statement)
    needed: list[ast.stmt] = []
    pending = list(wanted)
    seen: set[str] = set()
    while pending:
        name = pending.pop()
        if name in seen:
            continue
        seen.add(name)
        for statement in binders.get(name, ()):
            if statement not in needed:
                needed.append(statement)
                pending.extend(node.id for node in ast.walk(statement) if isinstance(node, ast.Name))
    return needed


def _package_of(path: Path, root: Path) -> str:
    name = module_name(path, root)
    return name if path.name == "__init__.py" else name.rpartition(".")[0]


def imports(path: Path, root: Path = ROOT, names: Needs = None) -> set[tuple[str, Needs]]:
    """(project module, the names needed from it or None for all) for each import of `path`, or of
    the statements defining `names` when given."""
    tree = _tree(path)
    package = _package_of(path, root)
    statements = tree.body if names is None else _needed_statements(tree, names)
    found: set[tuple[str, Needs]] = set()
    for node in (node for statement in statements for node in ast.walk(statement)):
        if isinstance(node, ast.Import):
            found.update((alias.name, None) for alias in node.names if module_file(alias.name, root))
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: level 1 is the file's own package
                parents = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parents, *([node.module] if node.module else [])])
            source = module_file(base, root)
            for alias in node.names:
                if module_file(f"{base}.{alias.name}", root):
                    found.add((f"{base}.{alias.name}", None))
                elif source is not None:
                    by_name = source.name == "__init__.py" and alias.name != "*"
                    found.add((base, frozenset([alias.name]) if by_name else None))
    return found


def _ancestors(name: str) -> list[str]:
    parts = name.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts))]


def dependencies(modules: list[str], root: Path = ROOT) -> list[Path]:
    """Every project file the named modules depend on, themselves included, sorted."""
    whole: set[str] = set()
    partly: dict[str, set[str]] = {}
    files: set[Path] = set()
    pending: list[tuple[str, Needs]] = [(name, None) for name in modules if module_file(name, root)]
    while pending:
        name, names = pending.pop()
        if name in whole:
            continue
        if names is None:
            whole.add(name)
        else:
            names = frozenset(names - partly.setdefault(name, set()))
            if not names:
                continue
            partly[name] |= names
        files.add(module_file(name, root))
        files.update(path for parent in _ancestors(name) if (path := module_file(parent, root)))
        pending.extend(imports(module_file(name, root), root, names))
    return sorted(files)


def fingerprint(files: list[Path], root: Path = ROOT) -> str:
    """A hash of the files' paths (relative to root) and bytes."""
    hasher = hashlib.sha256()
    for path in sorted(files):
        relative = path.resolve().relative_to(root.resolve()).as_posix()
        hasher.update(relative.encode() + b"\0" + path.read_bytes() + b"\0")
    return hasher.hexdigest()[:12]
