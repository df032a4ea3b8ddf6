"""Every method's default and the eval's image set without a network: the repository ships what they need,
including the train photos VAE gram mode learns from (assets/train_photos) and the eval images' example copies
(assets/examples), both served by methods.core.manifest.locate.

Real networks on small real images; the network is blocked by making every socket connection and URL
open raise, with an empty cache home and no image mirror."""
from __future__ import annotations

import json
import shutil
import socket
import urllib.request

import numpy as np
import pytest
from skimage import data

from methods import REGISTRY, get
from methods.core import files
from methods.core import manifest as imageset
from methods.core.images import load_image
from methods.vae import finetune as vae

ORIGINALS = imageset.SHARED_MIRROR / "train" / "photos"


class NetworkBlocked(AssertionError):
    """Raised by any attempt to reach the network (not an OSError: no fallback may swallow it)."""


@pytest.fixture
def no_network(monkeypatch, weights_env):
    """No network, an empty cache home, no weights or image mirror: a fresh Space whose host is unreachable."""
    attempts = []

    def refuse(*args, **kwargs):
        attempts.append(" ".join(map(str, args)))
        raise NetworkBlocked(f"network access attempted: {attempts[-1]}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(urllib.request, "urlopen", refuse)
    monkeypatch.setattr(imageset, "SHARED_MIRROR", weights_env / "no-mirror")
    monkeypatch.delenv("STYLEBENCH_IMAGES", raising=False)
    vae.train_photos.cache_clear()
    yield attempts
    vae.train_photos.cache_clear()  # later tests find the originals again


def test_the_copies_are_the_train_photos_at_512_px():
    rows = json.loads((imageset.TRAIN_PHOTO_COPIES / "manifest.json").read_text())
    assert [row["name"] for row in rows] == [entry.name for entry in imageset.TRAIN_PHOTOS]
    for row, entry in zip(rows, imageset.TRAIN_PHOTOS):
        copy = imageset.TRAIN_PHOTO_COPIES / row["file"]
        assert row["source_sha256"] == entry.sha256 and files.file_digest(copy) == row["sha256"]
        pixels, original = load_image(copy, None), load_image(ORIGINALS / entry.filename, imageset.COPY_SIDE)
        assert pixels.shape == original.shape and max(pixels.shape) == imageset.COPY_SIDE
        assert np.abs(pixels - original).mean() < 2.5 / 255  # JPEG quality 95: about 1.5/255
    assert sum((imageset.TRAIN_PHOTO_COPIES / row["file"]).stat().st_size for row in rows) < 2e6


def test_a_copy_serves_only_small_readers_and_only_without_the_original(no_network, monkeypatch, tmp_path):
    entry = imageset.TRAIN_PHOTOS[0]
    assert imageset.locate(entry, max_side=512).parent == imageset.TRAIN_PHOTO_COPIES
    with pytest.raises(NetworkBlocked):  # a larger reader (checkpoint=train) still downloads the original
        imageset.locate(entry, max_side=768)
    assert imageset.locate(entry, [ORIGINALS.parent.parent], max_side=512) == ORIGINALS / entry.filename
    copies = tmp_path / "copies"
    shutil.copytree(imageset.TRAIN_PHOTO_COPIES, copies)
    (copies / f"{entry.name}.jpg").write_bytes(b"not the copy")
    monkeypatch.setattr(imageset, "TRAIN_PHOTO_COPIES", copies)
    with pytest.raises(imageset.ImageSetError, match="refusing it"):
        imageset.locate(entry, max_side=512)
    assert len(no_network) == 1 and no_network[0].endswith(entry.url)  # the 768 px reader's download only


def test_the_eval_set_is_whole_offline_from_the_wheel_and_the_example_copies(no_network, monkeypatch):
    """python -m eval's default set on a clean clone without network: every eval image is in the scikit-image
    wheel or has its example copy, at the eval's 256 px; a training reader (the full image) gets none."""
    monkeypatch.setenv("STYLEBENCH_OFFLINE", "1")
    sources = {entry.name: imageset.read(entry, 256, copies=True)[1] for entry in imageset.CONTENTS + imageset.STYLES}
    assert set(sources.values()) == {"skimage", "copy"} and no_network == []
    assert sum(source == "copy" for source in sources.values()) == 21
    with pytest.raises(imageset.ImageSetError, match="downloads are off"):
        imageset.locate(imageset.MANIFEST["starry_night"])


def test_a_model_learnt_from_the_copies_is_cached_apart_from_the_originals(no_network, monkeypatch):
    params, painting = get("vae").resolve_params({"mode": "gram"}), np.zeros((64, 64, 3), np.float32)
    from_copies = vae.style_key(painting, params)
    monkeypatch.setattr(imageset, "SHARED_MIRROR", ORIGINALS.parent.parent)
    vae.train_photos.cache_clear()
    assert vae.style_key(painting, params) != from_copies


@pytest.mark.slow
def test_every_method_runs_its_default_without_a_network(no_network):
    photo = load_image(data.astronaut(), 96)
    painting = load_image(imageset.PROJECT_ROOT / "assets" / "examples" / "styles" / "starry_night.jpg", 128)
    for name in sorted(REGISTRY):
        result = get(name).stylize(photo, painting)
        image = result.image
        assert image.dtype == np.float32 and image.ndim == 3 and image.shape[2] == 3, name
        assert np.isfinite(image).all() and 0 <= image.min() and image.max() <= 1 and image.std() > 0.02, name
        if name == "vae":
            assert result.info["mode"] == "gram" and "note" not in result.info
            assert result.info["steps"] == vae.STEPS and result.info["cache"] == "miss"
    assert imageset.locate(imageset.TRAIN_PHOTOS[0], max_side=vae.STYLE_SIDES[-1]).parent == imageset.TRAIN_PHOTO_COPIES
    assert no_network == []
