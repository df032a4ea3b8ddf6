"""Issue 16, the methods/ and eval/ side: each numbered item of the issue done again as a hostile
or careless user would, asserting the fixed behaviour (a clear error or a correct result, and
nothing replaced, lost or corrupted). Hostile files are made here; the networks are the real
ones, on small images."""
from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import pickle
import shutil
import struct
import subprocess
import sys
import textwrap
import threading
import time
import tracemalloc
import types
import zipfile
from collections import OrderedDict
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image
from skimage import data

from eval import imageset, report, runner
from eval.__main__ import main as eval_main
from methods import import_tensorflow_quietly, REGISTRY, Cancelled, MethodError, TimeUp, get, weights
from methods.cyclegan import generator as cyclegan
from methods.cyclegan.generator_files import load_generator
from methods.__main__ import main as cli
from methods.images import MAX_SIDE, ImageError, check_output, load_image, resize_max, save_image
from methods.reference import ColourTransfer
from methods.cyclegan.checkpoints import LEGACY_MAGIC, LEGACY_PROTOCOL, CheckpointError, load_state_dict
from tests.conftest import SHARED_STYLES

ROOT = Path(__file__).resolve().parents[1]
STYLE = SHARED_STYLES / "great_wave.jpg"


@pytest.fixture
def photo_file(tmp_path):
    path = tmp_path / "photo.png"
    save_image(load_image(data.chelsea(), 64), path)
    return path


def one_error_line(capsys) -> str:
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), lines
    return lines[0]


# -- 1. outputs ------------------------------------------------------------------------------

def test_1_the_output_never_replaces_a_device_a_link_or_a_folder(tmp_path, photo_file, capsys):
    fifo = tmp_path / "fifo.png"
    os.mkfifo(fifo)  # a device-like file: what /dev/null was
    precious = tmp_path / "precious.png"
    precious.write_bytes(b"someone's file")
    link = tmp_path / "link.png"
    link.symlink_to(precious)
    folder = tmp_path / "folder.png"
    folder.mkdir()
    import_tensorflow_quietly()  # the CLI's start-up import (2 s) is not the work that must not start
    for out, says in ((fifo, "not a regular file"), (link, "symbolic link"), (folder, "not a regular file")):
        started = time.monotonic()
        code = cli(["--method", "gatys", "--content", str(photo_file), "--style", str(STYLE), "--out", str(out),
                    "--param", "steps=2000"])
        assert code == 2 and says in one_error_line(capsys)
        assert time.monotonic() - started < 2  # refused before any work
    assert fifo.is_fifo() and link.is_symlink() and folder.is_dir() and precious.read_bytes() == b"someone's file"
    with pytest.raises(ImageError, match="not a regular file"):
        check_output("/dev/null")  # checked without writing anything
    assert Path("/dev/null").is_char_device()


def test_1_the_extension_names_the_format_and_an_unwritable_folder_fails_first(tmp_path, photo_file, capsys):
    image = load_image(data.chelsea(), 64)
    jpeg = save_image(image, tmp_path / "out.jpg")
    with Image.open(jpeg) as file:
        assert file.format == "JPEG"
    assert np.abs(load_image(jpeg, None) - image).mean() < 0.02  # quality 95
    with Image.open(save_image(image, tmp_path / "out.PNG")) as file:
        assert file.format == "PNG"
    with pytest.raises(ImageError, match=r"\.png, \.jpg"):
        save_image(image, tmp_path / "out.webp")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.PNG", "out.jpg", "photo.png"]  # no temp files

    code = cli(["--method", "magenta", "--content", str(photo_file), "--style", str(STYLE), "--out",
                str(tmp_path / "out.tiff")])
    assert code == 2 and "extension" in one_error_line(capsys)
    blocker = tmp_path / "a_file"
    blocker.write_text("not a folder")
    started = time.monotonic()
    code = cli(["--method", "gatys", "--content", str(photo_file), "--style", str(STYLE),
                "--out", str(blocker / "out.png"), "--param", "steps=2000"])
    assert code == 2 and "cannot write into the folder" in one_error_line(capsys)
    assert time.monotonic() - started < 2  # before Gatys started, not after it
    code = cli(["--method", "magenta", "--content", str(photo_file), "--style", str(STYLE), "--out",
                str(tmp_path / "styled.jpg"), "--size", "64"])
    assert code == 0
    with Image.open(tmp_path / "styled.jpg") as file:
        assert file.format == "JPEG"


# -- 2. bounds, and 8. the minimum side after every resize -------------------------------------

def test_2_every_parameter_bound_holds_in_the_contract(photo, starry):
    for name, cls in REGISTRY.items():
        method = get(name)
        for param in cls.params:
            if param.kind in ("int", "float"):
                for bad in (param.low - 1, param.high + 1, float("nan"), "lots"):
                    with pytest.raises(MethodError, match=param.name):
                        method.resolve_params({param.name: bad})
            if param.kind == "int":  # steps=2.7 is refused, not truncated
                with pytest.raises(MethodError, match="whole number"):
                    method.resolve_params({param.name: param.default + 0.7})
                with pytest.raises(MethodError, match="whole number"):
                    method.resolve_params({param.name: True})
                assert method.resolve_params({param.name: f"{param.default}.0"})[param.name] == param.default
            if param.kind == "bool":
                for junk in ("maybe", 2, 0.5, None, [1]):
                    with pytest.raises(MethodError, match=param.name):
                        method.resolve_params({param.name: junk})
                assert method.resolve_params({param.name: "no"})[param.name] is False
    # the output-size bound holds whoever calls: an API call that skips the page's checks too
    for name in REGISTRY:
        for content, style in ((np.zeros((MAX_SIDE + 1, 64, 3), np.float32), starry),
                               (photo, np.zeros((40, 6000, 3), np.float32)), (photo[:10], starry)):
            with pytest.raises(MethodError, match=f"{MAX_SIDE} px"):
                get(name).stylize(content, style)


@pytest.mark.parametrize("size", ["0", "1", "5000"])
def test_2_cli_size_outside_its_bounds_is_one_line(size, tmp_path, photo_file, capsys):
    code = cli(["--method", "magenta", "--content", str(photo_file), "--style", str(STYLE),
                "--out", str(tmp_path / "o.png"), "--size", size])
    assert code == 2 and f"--size {size}" in one_error_line(capsys)
    assert not (tmp_path / "o.png").exists()


def test_12_eval_size_0_is_refused_not_the_default(tmp_path, capsys):
    from eval.__main__ import _plan, parser

    assert eval_main(["--quick", "--size", "0", "--out", str(tmp_path)]) == 2
    assert "--size 0" in one_error_line(capsys)
    plan = _plan(parser().parse_args(["--quick", "--size", "768", "--methods", "gatys"]))
    assert plan["size"] == 768 and plan["methods"]["gatys"]["size"] == 512  # within Gatys' own bound


def test_8_the_minimum_side_is_checked_after_every_resize(starry, capsys, tmp_path):
    strip = np.random.default_rng(0).uniform(0, 1, (16, 4000, 3)).astype(np.float32)
    with pytest.raises(ImageError, match="512x2"):
        load_image(strip, 512)  # the photo of the issue: 4000x16 capped to 512
    save_image(strip, tmp_path / "strip.png")
    assert cli(["--method", "cyclegan", "--content", str(tmp_path / "strip.png"), "--style", str(STYLE),
                "--out", str(tmp_path / "o.png")]) == 2
    assert "both sides need at least 16 px" in one_error_line(capsys)
    thin = strip[:, :1000]  # 1000x16: a method may take it, not shrink it to nothing
    with pytest.raises(ImageError, match="256x4"):
        get("gatys").stylize(thin, starry, size=256, steps=1, levels=1)
    with pytest.raises(ImageError, match="512x8"):  # a project generator works at 512 px
        get("cyclegan").stylize(thin, starry, checkpoint="starry_night")
    result = get("cyclegan").stylize(thin, starry, checkpoint="vintage")  # full size: it fits, in tiles
    assert result.image.shape == thin.shape


# -- 3. memory: tiles, and requests queue per method -------------------------------------------

def test_3_every_method_states_its_measured_peak_memory_within_3_gb():
    import re

    for name, cls in REGISTRY.items():
        doc = sys.modules[cls.__module__].__doc__
        figures = [float(x) for x in re.findall(r"(\d+(?:\.\d+)?) GB RSS", doc)]
        assert "Peak memory at" in doc and figures and max(figures) <= 3.0, name
    assert REGISTRY["gatys"]().resolve_params({"size": 512})["size"] == 512  # Gatys' largest: 2.1 GB
    with pytest.raises(MethodError, match="size"):
        REGISTRY["gatys"]().resolve_params({"size": 1024})  # 5.3 GB: refused


def test_3_cyclegan_tiles_match_one_exact_pass(monkeypatch):
    """Up to 1024 px CycleGAN makes one exact pass (its peak memory is measured in the class
    docstring); larger photos go through tiles. Smaller tiles here exercise the same code."""
    generator, _ = load_generator("vintage")
    photo = load_image(SHARED_STYLES.parent / "contents" / "kodim05.png", 480)  # 480x320
    whole = cyclegan._whole(generator, photo)
    monkeypatch.setattr(cyclegan, "TILE", 240)
    monkeypatch.setattr(cyclegan, "OVERLAP", 48)
    # a tile on the stride grid, normalised with the whole photo's statistics, is the whole pass
    # away from its borders: the layer-by-layer pass and the tiling add no error of their own
    _, exact = cyclegan.forward(generator, cyclegan._to_network(cyclegan._pad(photo))[None])
    inner = cyclegan._whole(generator, photo[:240, 80:320], exact)[64:-64, 64:-64]
    assert np.abs(inner - whole[64:176, 144:256]).max() < 1e-3
    seen = []
    tiled = cyclegan.translate(generator, photo, on_tile=lambda done, total: seen.append((done, total)))
    assert seen == [(i, 12) for i in range(12)]  # 3 x 2 tiles, two passes
    # each tile with its own statistics, blended the same way: what pooling them improves on
    naive, weight = np.zeros_like(photo), np.zeros((*photo.shape[:2], 1), np.float32)
    for top in cyclegan._starts(photo.shape[0]):
        for left in cyclegan._starts(photo.shape[1]):
            tile = photo[top:top + 240, left:left + 240]
            ramp = cyclegan._ramp(tile.shape[0])[:, None, None] * cyclegan._ramp(tile.shape[1])[None, :, None]
            naive[top:top + 240, left:left + 240] += cyclegan._whole(generator, tile) * ramp
            weight[top:top + 240, left:left + 240] += ramp
    pooled_error, naive_error = np.abs(tiled - whole).mean(), np.abs(naive / weight - whole).mean()
    assert pooled_error < 0.012 and pooled_error < 0.75 * naive_error, (pooled_error, naive_error)


class Queued(ColourTransfer):
    """A real method of the contract, one request at a time, slow enough to overlap."""

    name = "queued"
    max_concurrent = 1
    pause, running, peak = 0.4, 0, 0
    lock = threading.Lock()

    def run(self, content, style, params, on_progress, model):
        with Queued.lock:
            Queued.running += 1
            Queued.peak = max(Queued.peak, Queued.running)
        time.sleep(Queued.pause)
        with Queued.lock:
            Queued.running -= 1
        return super().run(content, style, params, on_progress, model)


def test_3_requests_of_one_method_queue_and_a_waiting_one_can_be_cancelled(photo, starry):
    method, outcomes = Queued(), []

    def request(on_progress=None):
        try:
            outcomes.append(method.stylize(photo, starry, on_progress=on_progress))
        except Cancelled as stop:
            outcomes.append(stop)

    def together(threads):
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)

    started = time.monotonic()
    together([threading.Thread(target=request) for _ in range(3)])
    assert Queued.peak == 1 and time.monotonic() - started >= 1.2 and len(outcomes) == 3  # one at a time

    heard = []

    def give_up(fraction, message, preview):
        heard.append(message)
        raise Cancelled("the user pressed Stop")

    Queued.pause = 2.5  # a long request holds the slot; the next one waits, hears so, and is stopped
    holder, waiter = threading.Thread(target=request), threading.Thread(target=request, args=(give_up,))
    holder.start()
    time.sleep(0.3)  # the holder has the slot
    together([waiter])
    holder.join(30)
    assert isinstance(outcomes[-2], Cancelled) and "waiting" in heard[0]  # cancelled while queued
    assert len(outcomes) == 5


# -- 4. cancellation and the per-request cap ---------------------------------------------------

@pytest.mark.parametrize("name, params", [("gatys", {"steps": 2000, "levels": 1, "size": 128}),
                                          ("vae", {"steps": 5000, "seed": 16})])
def test_4_a_cancel_from_on_progress_stops_the_run_at_once(name, params, photo, starry, tmp_path, monkeypatch):
    monkeypatch.setenv("STYLEBENCH_CACHE", str(tmp_path))
    calls = []

    def on_progress(fraction, message, preview):
        calls.append(time.monotonic())
        if len(calls) == 3:
            raise Cancelled("client disconnected")

    if name == "gatys":  # anytime: Stop returns the image so far, saying so
        result = get(name).stylize(photo, starry, on_progress=on_progress, **params)
        assert result.info["note"].startswith("stopped by the user at ") and result.image.shape[2] == 3
    else:
        with pytest.raises(Cancelled):
            get(name).stylize(photo, starry, on_progress=on_progress, **params)
    stopped = time.monotonic()
    assert len(calls) == 3 and stopped - calls[-1] < 1.0
    assert calls[1] - calls[0] < 2.0  # progress comes often enough for a cancel to land in seconds
    assert not list(tmp_path.rglob("*.weights.h5"))  # a cancelled VAE leaves no half-trained model


def test_4_a_request_stops_at_the_cap_and_the_help_says_so(photo, starry):
    vae = type(get("vae"))()
    vae.max_seconds = 2
    with pytest.raises(TimeUp, match="stopped at the cap of 2 s"):  # a method that is not anytime
        vae.stylize(photo, starry, mode="style", steps=5000)
    gatys = type(get("gatys"))()
    gatys.max_seconds = 3
    started = time.monotonic()
    result = gatys.stylize(photo, starry, steps=2000, levels=2, size=128)  # anytime: the image so far
    assert time.monotonic() - started < 30  # not the minutes of 2000 steps
    assert result.info["note"].startswith("stopped at the 3 s cap at ") and "the image so far" in result.info["note"]
    assert result.image.shape == resize_max(photo, 128).shape  # upsampled to full size from a coarse level
    assert result.info["interrupted"]["fraction"] > 0  # it got somewhere before the cap
    assert np.abs(result.image - resize_max(photo, 128)).mean() > 0.005
    for name in ("gatys", "vae"):
        steps, = (p for p in REGISTRY[name].params if p.name == "steps")
        assert "5 min cap" in steps.help


# -- 5. weights ----------------------------------------------------------------------------------

def test_5_every_weights_file_is_checked_against_the_table(weights_env, monkeypatch):
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


def test_5_the_results_cache_keys_on_the_weights_used(weights_env, monkeypatch):
    pixels = load_image(data.chelsea(), 32)
    image = runner.Image("chelsea", pixels, runner.digest(pixels))
    params = get("magenta").defaults()
    normal = runner.job_key("magenta", params, image, image, "judge")
    mirror = weights_env / "mirror"
    mirror.mkdir()
    monkeypatch.setenv("STYLEBENCH_WEIGHTS_DIR", str(mirror))
    packaged = weights.resolve("magenta_predict_onnx").path
    shutil.copy(packaged, mirror / packaged.name)  # the same bytes from another place: the same results
    assert runner.job_key("magenta", params, image, image, "judge") == normal
    (mirror / packaged.name).write_bytes(b"a bad judge file")  # what poisoned the cache in the issue
    assert runner.job_key("magenta", params, image, image, "judge") != normal
    assert runner.weights_used("magenta", params)["magenta_predict_onnx"] == "missing"  # refused, never served
    assert set(runner.weights_used("gatys", get("gatys").defaults())) == {
        "vgg16_hed", "magenta_predict_onnx", "magenta_transform_onnx"}


def test_5_downloads_are_https_only_and_checked(weights_env, monkeypatch):
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


def test_12_tfhub_honours_offline(weights_env, monkeypatch, photo, starry):
    monkeypatch.setenv("STYLEBENCH_OFFLINE", "1")
    monkeypatch.delenv("STYLEBENCH_MAGENTA_HUB", raising=False)
    with pytest.raises(weights.WeightsError, match="STYLEBENCH_OFFLINE=1"):
        get("magenta").stylize(photo, starry, source="tfhub")


# -- 6, 7 and 11. the results cache; same-stem images ------------------------------------------

def test_6_11_a_damaged_entry_is_recomputed_once_and_same_stem_photos_stay_apart(tmp_path, caplog, capsys):
    contents, styles, out = tmp_path / "contents", tmp_path / "styles", tmp_path / "reports"
    contents.mkdir(), styles.mkdir()
    save_image(load_image(data.chelsea(), 64), contents / "photo.png")
    save_image(load_image(data.coffee(), 64), contents / "photo.jpg")  # the same stem, another picture
    save_image(load_image(STYLE, 64), styles / "wave.png")
    argv = ["--contents", str(contents), "--styles", str(styles), "--size", "48", "--out", str(out),
            "--methods", "colour_transfer", "--no-progress"]
    assert eval_main(argv) == 0
    first = pd.read_csv(sorted(out.glob("2*"))[-1] / "results.csv")
    assert sorted(first["content"].unique()) == ["photo.jpg", "photo.png"]
    for name in ("photo.png", "photo.jpg"):  # each row shows its own picture
        key = first.loc[(first["method"] == "photo") & (first["content"] == name), "key"].item()
        np.testing.assert_allclose(load_image(out / "cache" / f"{key}.png", None),
                                   load_image(contents / name, 48), atol=1 / 255)

    keys = list(first["key"])
    cache = out / "cache"
    (cache / f"{keys[0]}.json").write_text("[]")
    (cache / f"{keys[1]}.json").write_text("{}")
    (cache / f"{keys[2]}.json").write_text(json.dumps({"key": keys[2], "status": "ok"}))  # fields missing
    (cache / f"{keys[3]}.png").write_bytes(b"\x89PNG\r\n\x1a\n junk")  # a junk PNG beside a good row
    with caplog.at_level(logging.WARNING, logger="eval.runner"):
        assert eval_main(argv) == 0
    second = pd.read_csv(sorted(out.glob("2*"))[-1] / "results.csv")
    assert not second["cached"].any() and (second["status"] == "ok").all()
    damaged = [r for r in caplog.records if "results cache" in r.getMessage()]
    assert sorted(r.getMessage().split()[3] for r in damaged) == sorted(keys[:4])  # one line each
    assert eval_main(argv) == 0  # healed: every entry is served now
    assert pd.read_csv(sorted(out.glob("2*"))[-1] / "results.csv")["cached"].all()


def test_6_a_report_survives_a_bad_output_and_a_cache_write_error_keeps_the_row(tmp_path, capsys):
    pixels = [load_image(source, 32) for source in (data.chelsea(), data.coffee())]
    images = [runner.Image(f"p{i}", p, runner.digest(p)) for i, p in enumerate(pixels)]
    jobs = runner.build_jobs({"colour_transfer": {}}, images, images[:1], "judge")
    blocked = tmp_path / "cache_is_a_file"
    blocked.write_text("")
    rows = runner.run(jobs, runner.ResultsCache(blocked), progress=False, judge_side=32)
    assert [r["status"] for r in rows] == ["ok", "ok"] and "could not cache" in capsys.readouterr().err
    cache = runner.ResultsCache(tmp_path / "cache")
    rows = runner.run(jobs, cache, progress=False, judge_side=32)
    cache.image_path(rows[0]["key"]).write_bytes(b"junk")  # damaged after it was served
    outputs = {r["key"]: cache.image_path(r["key"]) for r in rows}
    folder = report.write(rows, tmp_path / "reports", report.environment({}, "judge"),
                          {f"content:{i.name}": i.pixels for i in images}, outputs)
    assert (folder / "report.html").is_file() and (folder / "contact_sheet.jpg").is_file()


def test_7_concurrent_writers_of_one_entry_never_collide(tmp_path):
    cache = runner.ResultsCache(tmp_path)
    image = load_image(data.chelsea(), 32)
    row = {"key": "k", "method": "m", "content": "c", "style": "s", "status": "ok", "params": "{}"}
    errors, reads = [], []

    def write():
        for n in range(25):
            try:
                cache.put({**row, "n": n}, image)
            except Exception as error:  # noqa: BLE001 - what the shared temp name caused
                errors.append(error)

    def read():
        for _ in range(60):
            reads.append(cache.get("k"))

    threads = [threading.Thread(target=write) for _ in range(4)] + [threading.Thread(target=read)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [] and all(r is None or r["key"] == "k" for r in reads)
    assert cache.get("k")["n"] in range(25) and sorted(p.name for p in tmp_path.iterdir()) == ["k.json", "k.png"]


def test_11_file_names_not_stems_name_colliding_images(tmp_path):
    for name in ("photo.png", "photo.jpg", "other.png"):
        save_image(load_image(data.chelsea(), 32), tmp_path / name)
    entries = imageset.folder_entries(tmp_path, "content")
    assert [e.name for e in entries] == ["other", "photo.jpg", "photo.png"]


# -- 9. the checkpoint reader ------------------------------------------------------------------

class _Storage:
    def __init__(self, key, count):
        self.key, self.count = key, count


class _Tensor:
    def __init__(self, storage, offset, size, stride):
        self.args = (storage, offset, size, stride, False, OrderedDict())

    def __reduce__(self):
        return sys.modules["torch._utils"]._rebuild_tensor_v2, self.args


def state_pickle(tensors: dict, legacy: bool = False) -> bytes:
    """A state dict pickled as torch.save pickles one, written without torch: stand-in torch
    modules exist only while pickling, so the references are the real names."""
    torch, utils = types.ModuleType("torch"), types.ModuleType("torch._utils")

    def _rebuild_tensor_v2(*args):
        raise AssertionError("never called here")

    _rebuild_tensor_v2.__module__, _rebuild_tensor_v2.__qualname__ = "torch._utils", "_rebuild_tensor_v2"
    FloatStorage = type("FloatStorage", (), {"__module__": "torch"})  # noqa: N806 (a class)
    utils._rebuild_tensor_v2, torch.FloatStorage, torch._utils = _rebuild_tensor_v2, FloatStorage, utils

    class Pickler(pickle.Pickler):
        def persistent_id(self, obj):
            if isinstance(obj, _Storage):
                return ("storage", FloatStorage, obj.key, "cpu", obj.count) + ((None,) if legacy else ())
            return None

    saved = {name: sys.modules.get(name) for name in ("torch", "torch._utils")}
    sys.modules.update({"torch": torch, "torch._utils": utils})
    try:
        buffer = io.BytesIO()
        Pickler(buffer, protocol=2).dump(OrderedDict(tensors))
        return buffer.getvalue()
    finally:
        for name, module in saved.items():
            if module is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = module


def torch_zip(path: Path, tensors: dict, storages: dict, compression=zipfile.ZIP_STORED) -> Path:
    with zipfile.ZipFile(path, "w", compression) as archive:
        archive.writestr("archive/data.pkl", state_pickle(tensors))
        archive.writestr("archive/byteorder", "little")
        for key, raw in storages.items():
            archive.writestr(f"archive/data/{key}", raw)
    return path


def torch_legacy(path: Path, tensors: dict, storages: dict[str, tuple[int, bytes]]) -> Path:
    parts = [pickle.dumps(value, protocol=2) for value in (LEGACY_MAGIC, LEGACY_PROTOCOL, {"little_endian": True})]
    parts += [state_pickle(tensors, legacy=True), pickle.dumps(list(storages), protocol=2)]
    parts += [struct.pack("<q", count) + raw for count, raw in storages.values()]
    path.write_bytes(b"".join(parts))
    return path


def load_peak(path: Path) -> tuple[Exception | None, int]:
    """(the error loading raised, peak bytes Python and numpy allocated meanwhile)."""
    tracemalloc.start()
    try:
        load_state_dict(path)
        error = None
    except Exception as raised:  # noqa: BLE001 - returned for the test to judge
        error = raised
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return error, peak


def test_9_the_hand_made_checkpoints_are_real_ones(tmp_path):
    values = np.arange(6, dtype=np.float32)
    tensors = {"conv.weight": _Tensor(_Storage("0", 6), 0, (2, 3), (3, 1))}
    for path in (torch_zip(tmp_path / "z.pth", tensors, {"0": values.tobytes()}),
                 torch_legacy(tmp_path / "l.pth", tensors, {"0": (6, values.tobytes())})):
        np.testing.assert_array_equal(load_state_dict(path)["conv.weight"], values.reshape(2, 3))


def test_9_a_small_file_cannot_make_the_reader_allocate(tmp_path):
    one = np.ones(1, np.float32).tobytes()
    stride0 = torch_zip(tmp_path / "stride0.pth", {"w": _Tensor(_Storage("0", 1), 0, (2**28,), (0,))}, {"0": one})
    assert stride0.stat().st_size < 1000  # it would become a 1 GB array
    bomb = torch_zip(tmp_path / "bomb.pth", {"w": _Tensor(_Storage("0", 1), 0, (1,), (1,))},
                     {"0": bytes(32 << 20)}, compression=zipfile.ZIP_DEFLATED)
    assert bomb.stat().st_size < 100_000  # 32 MB inside
    claims = torch_zip(tmp_path / "claims.pth", {"w": _Tensor(_Storage("0", 2**30), 0, (1,), (1,))}, {"0": one})
    legacy = torch_legacy(tmp_path / "legacy.pth", {"w": _Tensor(_Storage("0", 1), 0, (1,), (1,))},
                          {"0": (2**40, one)})
    for path, says in ((stride0, "stride-0"), (bomb, "zip bomb"), (claims, "claims"), (legacy, "claims")):
        error, peak = load_peak(path)
        assert type(error) is CheckpointError and says in str(error) and path.name in str(error), (path, error)
        assert peak < 8 << 20, (path.name, peak)  # refused before allocating


def test_9_every_malformed_input_is_a_checkpoint_error(tmp_path):
    four = np.ones(4, np.float32).tobytes()
    cases = {
        "odd_bytes": ({"w": _Tensor(_Storage("0", 1), 0, (1,), (1,))}, {"0": b"\x00" * 5}),
        "ranks": ({"w": _Tensor(_Storage("0", 4), 0, (2, 2), (2,))}, {"0": four}),
        "text_size": ({"w": _Tensor(_Storage("0", 4), 0, ("two",), (1,))}, {"0": four}),
        "no_data": ({"w": _Tensor(_Storage("0", 4), 0, (4,), (1,))}, {}),
        "negative": ({"w": _Tensor(_Storage("0", 4), 0, (-4,), (1,))}, {"0": four}),
    }
    for name, (tensors, storages) in cases.items():
        with pytest.raises(CheckpointError) as error:
            load_state_dict(torch_zip(tmp_path / f"{name}.pth", tensors, storages))
        assert type(error.value) is CheckpointError and f"{name}.pth" in str(error.value)
        assert str(tmp_path) not in str(error.value)  # the file's name, not the server's folders


# -- 10. eval workers die with their parent ----------------------------------------------------

def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"  # a zombie has exited; only its parent's wait is missing


def test_10_eval_workers_die_with_their_parent():
    script = textwrap.dedent("""
        import time
        from eval import runner
        executor = runner.Processes(2)
        futures = [executor.pool.submit(time.sleep, 120) for _ in range(2)]
        while len(executor.pool._processes) < 2:
            time.sleep(0.05)
        time.sleep(0.5)
        print(*executor.pool._processes, flush=True)
        time.sleep(120)
    """)
    parent = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        workers = [int(pid) for pid in parent.stdout.readline().split()]
        assert len(workers) == 2 and all(_alive(pid) for pid in workers)
    finally:
        parent.kill()  # what `kill -9` on the eval does
        parent.wait()
    deadline = time.monotonic() + 10
    while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(_alive(pid) for pid in workers)


# -- 12. smaller points --------------------------------------------------------------------------

@pytest.mark.parametrize("mode, values", [
    ("F", np.linspace(0.0, 1000.0, 64 * 64, dtype=np.float32)),  # HDR/scientific floats
    ("I", np.linspace(-70000, 900000, 64 * 64).astype(np.int32)),  # beyond 16 bits, negative too
])
def test_12_32_bit_tiffs_keep_their_real_range(mode, values):
    buffer = io.BytesIO()
    Image.fromarray(values.reshape(64, 64)).save(buffer, "TIFF")
    assert Image.open(buffer).mode == mode
    gray = load_image(buffer.getvalue(), None)[..., 0].ravel()
    assert gray.min() == 0 and gray.max() == pytest.approx(1.0)
    assert (np.diff(gray) >= 0).all() and len(np.unique(gray)) > 2000  # a ramp, not clipped to white


def test_12_weights_sources_name_files_not_server_folders():
    described = weights.resolve("vgg16_hed").describe()
    assert described == "vgg16_hed from package (hed_bsds500.weights.h5)" and "/" not in described
