"""Every weights file is checked against the pinned table wherever it comes from (mirror, cache,
package, download); downloads are https only; offline mode is honoured; and what a source says of
itself names a file, never the server's folders."""
import hashlib

import pytest

from methods import get
from methods.core import weights


def test_every_weights_file_is_checked_against_the_pinned_table(weights_env, monkeypatch):
    for name, network in weights.NETWORKS.items():
        if network.package or network.asset:  # what this checkout serves offline
            resolved = weights.resolve(name, download=False)
            assert resolved.verified and resolved.sha256 == network.file_hash, name
    wrong = b"not the judge's weights"
    for folder in (weights_env / "mirror", weights_env / "cache" / "weights"):  # a mirror, then the cache
        folder.mkdir(parents=True)
        (folder / "hed_bsds500.weights.h5").write_bytes(wrong)
        monkeypatch.setenv("STYLEBENCH_WEIGHTS_DIR", str(weights_env / "mirror") if "mirror" in folder.name else "")
        with pytest.raises(weights.WeightsError) as error:
            weights.resolve("vgg16_hed")
        message = str(error.value)
        assert "hed_bsds500.weights.h5" in message and hashlib.sha256(wrong).hexdigest() in message
        assert weights.NETWORKS["vgg16_hed"].file_hash in message and str(weights_env) not in message
        (folder / "hed_bsds500.weights.h5").unlink()


def test_downloads_are_https_only_and_hash_checked(weights_env, monkeypatch):
    assert all(n.url.startswith("https://") for n in weights.NETWORKS.values() if n.url)
    monkeypatch.setitem(weights.NETWORKS, "plain_http", weights.Network(
        "plain.pth", "a network served over plain http", "none", url="http://example.invalid/plain.pth"))
    with pytest.raises(weights.WeightsError, match="only https"):
        weights.resolve("plain_http")
    upstream = weights_env / "upstream.pth"
    upstream.write_bytes(b"tampered on the way")
    monkeypatch.setitem(weights.NETWORKS, "pinned", weights.Network(
        "pinned.pth", "a pinned network", "none", url=upstream.as_uri(), file_hash="0" * 64))
    with pytest.raises(weights.WeightsError, match="sha256"):
        weights.resolve("pinned")
    assert not list((weights_env / "cache" / "weights").iterdir())  # nothing left where a later run looks


def test_the_tfhub_source_honours_offline_mode(weights_env, monkeypatch, photo, starry):
    monkeypatch.setenv("STYLEBENCH_OFFLINE", "1")
    monkeypatch.delenv("STYLEBENCH_MAGENTA_HUB", raising=False)
    with pytest.raises(weights.WeightsError, match="STYLEBENCH_OFFLINE=1"):
        get("magenta").stylize(photo, starry, source="tfhub")


def test_a_weights_source_names_its_file_not_the_servers_folders():
    described = weights.resolve("vgg16_hed").describe()
    assert described == "vgg16_hed from package (hed_bsds500.weights.h5)" and "/" not in described
