"""The code's layers import one way: blocks (methods.core), then methods, then eval, then the app
(ui, app.py); benchmarks sit on top. No method imports another method, there are no import
circles, and the few function-local imports of the project's own code each say why.

Imports are read from the source with ast, as eval.sources reads them for the results cache."""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("methods", "eval", "ui", "benchmarks")
METHOD_UNITS = ("methods.adain", "methods.cyclegan", "methods.vae", "methods.gatys", "methods.magenta",
                "methods.reference")
MAX_LOCAL_IMPORTS = 10
MAX_LINES = 400


def modules() -> dict[str, Path]:
    found = {"app": ROOT / "app.py"}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def layer(module: str) -> int:
    if module.startswith("methods.core"):
        return 1
    if module.startswith("methods"):
        return 2
    if module.startswith("eval"):
        return 3
    if module == "app" or module.startswith("ui"):
        return 4
    return 5  # benchmarks


def unit(module: str) -> str | None:
    """The method a module belongs to (its package or file), or None for shared modules."""
    return next((name for name in METHOD_UNITS if module == name or module.startswith(name + ".")), None)


def edges(module: str, path: Path, known: dict[str, Path]) -> list[tuple[str, bool, ast.stmt]]:
    """(imported project module, inside a function?, statement) for every import in `path`."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = []

    def visit(node: ast.AST, local: bool) -> None:
        for child in ast.iter_child_nodes(node):
            inner = local or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
            if isinstance(child, ast.Import):
                found.extend((alias.name, local, child) for alias in child.names if alias.name in known)
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    base = ".".join(package.split(".")[: len(package.split(".")) - child.level + 1] + [base]).strip(".")
                for alias in child.names:  # a submodule when there is one, else a name of the module
                    target = f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base
                    if target in known:
                        found.append((target, local, child))
            visit(child, inner)

    visit(ast.parse(path.read_text()), False)
    return found


MODULES = modules()
GRAPH = {name: edges(name, path, MODULES) for name, path in MODULES.items()}


def test_each_layer_imports_only_layers_below_it():
    upward = [(module, target) for module, found in GRAPH.items() for target, _, _ in found
              if layer(target) > layer(module)]
    assert not upward, upward


def test_no_method_imports_another_method():
    crossing = [(module, target) for module, found in GRAPH.items() for target, _, _ in found
                if unit(module) and unit(target) and unit(module) != unit(target)]
    assert not crossing, crossing


def test_there_are_no_import_circles():
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    circles = []

    def walk(module: str, path: list[str]) -> None:
        state[module] = 1
        for target, _, _ in GRAPH[module]:
            if target == module:
                continue
            if state.get(target) == 1:
                circles.append(path[path.index(target):] + [target])
            elif target not in state:
                walk(target, path + [target])
        state[module] = 2

    for module in sorted(GRAPH):
        if module not in state:
            walk(module, [module])
    assert not circles, circles


def test_function_local_imports_of_project_code_are_few_and_say_why():
    local = [(module, target, statement) for module, found in GRAPH.items() for target, inside, statement in found
             if inside]
    assert len({(module, statement.lineno) for module, _, statement in local}) <= MAX_LOCAL_IMPORTS, local
    for module, target, statement in local:
        line = GRAPH_SOURCES[module][statement.lineno - 1]
        before = GRAPH_SOURCES[module][statement.lineno - 2]
        why = "#" in line or before.strip().startswith("#")
        assert why, f"{module}:{statement.lineno} imports {target} without a comment saying why"


GRAPH_SOURCES = {name: path.read_text().splitlines() for name, path in MODULES.items()}


def test_no_source_file_is_over_400_lines():
    long = {name: len(lines) for name, lines in GRAPH_SOURCES.items() if len(lines) > MAX_LINES}
    assert not long, long
