"""Shared fixtures: real photos (scikit-image) and real paintings (the shared image set)."""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from skimage import data

from methods.core.files import SHARED_MIRROR
from methods.core.images import load_image, save_image

SHARED_STYLES = Path(os.environ.get("STYLEBENCH_IMAGES", SHARED_MIRROR)) / "styles"


def painting(name: str, max_side: int) -> np.ndarray:
    path = SHARED_STYLES / name
    if not path.is_file():
        raise FileNotFoundError(f"{path} missing: the tests need the shared image set beside the repo "
                                "(../shared/imageset) or STYLEBENCH_IMAGES pointing at it")
    return load_image(path, max_side)


@pytest.fixture(scope="session")
def photo() -> np.ndarray:
    return load_image(data.astronaut(), 96)


@pytest.fixture(scope="session")
def starry() -> np.ndarray:
    return painting("starry_night.jpg", 128)


@pytest.fixture
def photo_file(tmp_path) -> Path:
    """A small real photo as a file, as a user would pass it to a command line."""
    path = tmp_path / "photo.png"
    save_image(load_image(data.chelsea(), 64), path)
    return path


def one_error_line(capsys) -> str:
    """The only line a command wrote to stderr, which starts with "error: "."""
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), lines
    return lines[0]


@pytest.fixture
def weights_env(tmp_path, monkeypatch, empty_cache):
    """An empty weights cache, no mirror folder, downloads allowed: each weights source tried afresh."""
    monkeypatch.delenv("STYLEBENCH_WEIGHTS_DIR", raising=False)
    monkeypatch.delenv("STYLEBENCH_OFFLINE", raising=False)
    return tmp_path


@pytest.fixture
def empty_cache(tmp_path, monkeypatch):
    """An empty cache home; returns its image folder (methods.core.manifest.cache_dir)."""
    monkeypatch.setenv("STYLEBENCH_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache" / "images"
