"""A method's requests: one at a time where a method says so (queued, and cancellable while
queued), stopped within a second by a cancel from the progress callback, stopped at the per-request
time cap, and CycleGAN's memory bounded by tiles that reproduce the whole pass. Real networks on
small images."""
import threading
import time

import numpy as np
import pytest

from methods import REGISTRY, Cancelled, TimeUp, get
from methods.core.images import load_image, resize_max
from methods.cyclegan import generator as cyclegan
from methods.cyclegan.generator_files import load_generator
from methods.reference import ColourTransfer
from tests.conftest import SHARED_STYLES


@pytest.mark.slow
def test_cyclegan_tiles_reproduce_one_whole_pass(monkeypatch):
    """Up to 1024 px CycleGAN makes one exact pass; larger photos go through tiles, which bound its
    memory (benchmarks/memory.py measures it). Smaller tiles here exercise the same code."""
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


def test_requests_for_one_method_run_one_at_a_time_and_a_waiting_one_can_be_cancelled(photo, starry):
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


@pytest.mark.parametrize("name, params", [("gatys", {"steps": 2000, "levels": 1, "size": 128}),
                                          ("vae", {"steps": 5000, "seed": 16})])
def test_a_cancel_from_on_progress_stops_the_run_within_a_second(name, params, photo, starry, tmp_path, monkeypatch):
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


@pytest.mark.slow
def test_a_request_stops_at_its_time_cap_and_the_help_says_so(photo, starry):
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
