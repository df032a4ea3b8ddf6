"""The demo through its API (gradio_client) on a real server: concurrent requests, streaming,
per-panel failures, bad uploads. Real networks, small images."""
from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from gradio_client import Client, handle_file
from skimage import data

from app_helpers import compared
from methods import REGISTRY
from methods.images import load_image, resize, save_png
from tests import app_server
from tests.conftest import SHARED_STYLES

# runtime, then style-loss ratio, texture ratio, style gain and SSIM (tests read them as numbers)
NUMBERS = re.compile(r"\| \*\*[\d.]+ s.*?\*\* \| \*\*(-?[\d.]+)\*\* \| \*\*(-?[\d.]+)\*\* \| \*\*(-?[\d.]+)\*\* \| "
                     r"\*\*(-?[\d.]+)\*\* \|")
SMALL_GATYS = {"size": 64, "steps": 30, "levels": 1}


@pytest.fixture(scope="module")
def client() -> Client:
    return Client(app_server.url(), verbose=False)


@pytest.fixture(scope="module")
def photos(tmp_path_factory) -> dict[str, str]:
    """Four photos of different shapes, as files a user would upload."""
    folder = tmp_path_factory.mktemp("photos")
    return {name: str(save_png(load_image(getattr(data, name)(), 400), folder / f"{name}.png"))
            for name in ("astronaut", "chelsea", "coffee", "rocket")}


def grey_thumbnail(image: np.ndarray) -> np.ndarray:
    small = resize(image, (48, 48)).mean(axis=2).ravel()
    return (small - small.mean()) / (small.std() + 1e-6)


def test_concurrent_adain_requests_each_get_their_own_output(client, photos):
    styles = [SHARED_STYLES / "starry_night.jpg", SHARED_STYLES / "great_wave.jpg"]
    jobs = [(name, size, styles[index % 2]) for index, (name, size) in
            enumerate(zip(photos, (128, 160, 192, 224)))]

    def call(job):
        name, size, style = job
        return client.predict(handle_file(photos[name]), handle_file(str(style)), size, True,
                              api_name="/run_adain")

    with ThreadPoolExecutor(len(jobs)) as pool:
        results = list(pool.map(call, jobs))

    thumbnails = {name: grey_thumbnail(load_image(path, None)) for name, path in photos.items()}
    for (name, size, _), (image_path, stats) in zip(jobs, results):
        assert NUMBERS.search(stats), stats
        output = load_image(image_path, None)
        source = load_image(photos[name], None)
        assert max(output.shape[:2]) == size
        assert abs(output.shape[1] / output.shape[0] - source.shape[1] / source.shape[0]) < 0.02
        # its own photo's layout, not another request's
        similarity = {other: float(grey_thumbnail(output) @ thumb) / thumb.size for other, thumb in thumbnails.items()}
        assert max(similarity, key=similarity.get) == name, similarity


def test_cyclegan_says_which_generator_ran_and_whether_it_read_the_style(client, photos):
    from methods.cyclegan import IGNORED_STYLE

    def stats(style):
        return client.predict(handle_file(photos["coffee"]), handle_file(str(SHARED_STYLES / style)), 128, True,
                              "auto", api_name="/run_cyclegan")[1]

    matched, ignored = stats("starry_night.jpg"), stats("shipwreck.jpg")
    assert NUMBERS.search(matched) and "The Starry Night" in matched and "(starry_night)" in matched, matched
    assert NUMBERS.search(ignored) and f"{IGNORED_STYLE} (vintage)." in ignored, ignored


def test_gatys_streams_progress_and_a_bad_setting_stays_in_its_panel(client, photos):
    style = handle_file(str(SHARED_STYLES / "starry_night.jpg"))
    content = handle_file(photos["chelsea"])
    gatys = client.submit(content, style, 128, True, **SMALL_GATYS, api_name="/run_gatys")
    broken = client.submit(content, style, 128, True, **{**SMALL_GATYS, "tv_weight": -1},
                           api_name="/run_gatys")
    adain = client.submit(content, style, 128, True, api_name="/run_adain")
    skipped = client.submit(content, style, 128, False, api_name="/run_adain")

    image_path, stats = gatys.result(timeout=180)
    updates = [text for _, text in gatys.outputs()]
    assert any("%" in text and "step" in text for text in updates), updates  # streamed progress
    assert NUMBERS.search(stats), stats
    assert max(load_image(image_path, None).shape[:2]) == 64  # Gatys' own size parameter
    broken_image, broken_stats = broken.result(timeout=180)
    assert broken_image is None and "Invalid setting" in broken_stats and "tv_weight" in broken_stats
    assert NUMBERS.search(adain.result(timeout=60)[1])
    assert skipped.result(timeout=60) == (None, "Skipped (tick *include* to run it).")


@pytest.mark.parametrize("name", sorted(compared(REGISTRY)))
def test_bad_upload_is_refused_in_words(client, tmp_path, name):
    text = tmp_path / "notes.png"
    text.write_text("this is not a picture")
    with pytest.raises(Exception, match="content image cannot be used: the uploaded file is not an image"):
        client.predict(handle_file(str(text)), handle_file(str(SHARED_STYLES / "starry_night.jpg")), 128, True,
                       api_name=f"/run_{name}")
