"""methods.core.files: the resolver chain's order, the atomic writers, and pixel keys that stay the
same as the disk caches named by them."""
from __future__ import annotations

import ast
import hashlib
import os
from pathlib import Path

import numpy as np
import pytest

from methods.core import files

CORE = Path(files.__file__).parent


@pytest.fixture
def image():
    return np.random.default_rng(0).random((20, 30, 3), dtype=np.float32)[:, ::-1]  # not C-contiguous


def test_pixel_keys_are_the_ones_the_caches_were_named_by(image):
    """The eval's results cache, the VAE's model cache and CycleGAN's training folders are named by
    these exact sha256 inputs: pixels in C order, then the shape as Python writes it."""
    eval_digest = hashlib.sha256(np.ascontiguousarray(image).tobytes() + str(image.shape).encode()).hexdigest()[:24]
    assert files.pixel_key(image) == eval_digest
    vae = hashlib.sha256(np.ascontiguousarray(image, np.float32).tobytes())
    vae.update(repr(image.shape).encode())
    assert files.pixel_hash(image, dtype=np.float32).hexdigest() == vae.hexdigest()
    photos = [image, image[:10]]
    assert (files.pixel_hash(*photos, shape=False).hexdigest()
            == hashlib.sha256(b"".join(map(np.ndarray.tobytes, photos))).hexdigest())
    eight_bit = np.round(image * 255).astype(np.uint8)
    assert files.pixel_key(eight_bit, 16) == hashlib.sha256(
        eight_bit.tobytes() + repr(image.shape).encode()).hexdigest()[:16]


def test_pixel_keys_tell_shape_and_content_apart(image):
    assert files.pixel_key(image) == files.pixel_key(image.copy())
    assert files.pixel_key(image) != files.pixel_key(image.reshape(30, 20, 3))
    changed = image.copy()
    changed[0, 0, 0] += 0.5
    assert files.pixel_key(image) != files.pixel_key(changed)


def test_atomic_write_replaces_whole_or_leaves_the_old_file(tmp_path):
    target = tmp_path / "deep" / "card.json"
    assert files.atomic_write(target, "old") == target and target.read_text() == "old"
    assert (target.stat().st_mode & 0o777) == 0o644
    files.atomic_write(target, b"new bytes")
    assert target.read_bytes() == b"new bytes"

    def half_written(temp: Path):
        temp.write_text("half")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        files.atomic_write(target, half_written)

    def refuse(temp: Path):
        raise ValueError(f"{temp.read_text()} is refused")

    with pytest.raises(ValueError, match="checked is refused"):
        files.atomic_write(target, "checked", check=refuse)
    assert target.read_bytes() == b"new bytes" and os.listdir(target.parent) == ["card.json"]
    files.atomic_write(tmp_path / "model.weights.h5", lambda temp: temp.write_bytes(temp.name.encode()),
                       suffix=".weights.h5")
    assert (tmp_path / "model.weights.h5").read_text().endswith(".weights.h5")  # the writer saw the suffix


def test_replace_folder_keeps_the_previous_folder_when_a_write_fails(tmp_path):
    folder = tmp_path / "checkpoint"
    files.replace_folder(folder, lambda partial: (partial / "step").write_text("1"))

    def interrupted(partial: Path):
        (partial / "step").write_text("2")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        files.replace_folder(folder, interrupted)
    assert (folder / "step").read_text() == "1"
    files.replace_folder(folder, lambda partial: (partial / "step").write_text("3"))
    assert (folder / "step").read_text() == "3" and sorted(p.name for p in tmp_path.iterdir()) == ["checkpoint"]


def test_resolve_takes_the_first_source_that_exists_and_never_skips_a_wrong_file(tmp_path):
    mirror, cache = tmp_path / "mirror.bin", tmp_path / "cache.bin"
    cache.write_bytes(b"good")
    tried = []

    def candidates():
        for source, path in (("mirror", mirror), ("missing", None), ("cache", cache), ("package", tmp_path / "p")):
            tried.append(source)
            yield source, path

    def verify(path: Path, source: str):
        if path.read_bytes() != b"good":
            raise ValueError(f"{source} file refused")
        return path, source

    assert files.resolve(candidates(), verify) == (cache, "cache")
    assert tried == ["mirror", "missing", "cache"]  # read lazily: the package is never looked up
    mirror.write_bytes(b"bad")
    with pytest.raises(ValueError, match="mirror file refused"):
        files.resolve(candidates(), verify, fetch=lambda: "downloaded")
    assert files.resolve([("mirror", tmp_path / "none")], verify, fetch=lambda: "downloaded") == "downloaded"
    assert files.resolve([], verify) is None


def test_a_download_is_kept_only_once_checked(tmp_path):
    source = tmp_path / "upstream.bin"
    source.write_bytes(b"payload")
    target = tmp_path / "cache" / "file.bin"
    with pytest.raises(ValueError):
        files.fetch_verified(source.as_uri(), target, lambda path: (_ for _ in ()).throw(ValueError("bad hash")))
    assert list(target.parent.iterdir()) == []
    assert files.fetch_verified(source.as_uri(), target, lambda path: None) == target
    assert target.read_bytes() == b"payload" and files.file_digest(target) == hashlib.sha256(b"payload").hexdigest()


def test_the_core_package_imports_nothing_above_it():
    for module in CORE.glob("*.py"):
        for node in ast.walk(ast.parse(module.read_text())):
            names = ([alias.name for alias in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            for name in names:
                top = name.split(".")
                assert top[0] not in {"eval", "app", "ui", "benchmarks"}, (module, name)
                assert top[0] != "methods" or top[:2] == ["methods", "core"], (module, name)
