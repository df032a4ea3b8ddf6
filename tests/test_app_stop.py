"""Stop on the page, driven through the page's own event functions in this process (Stop is not
an API endpoint): a method that returns the image it has when stopped (Gatys) shows it with its note
and numbers; one that does not (the VAE) says "Stopped."; a new Run or input right after Stop
discards the image on its way. Real networks, 128 px."""
from __future__ import annotations

import re
import time

import gradio as gr
import pytest
from skimage import data

from methods import REGISTRY
from methods.core.images import load_image, save_png
from tests.conftest import SHARED_STYLES
from tests.test_app_api import NUMBERS
from ui import events, runs, streaming
from ui.scoring import compared

pytestmark = pytest.mark.slow

LONG_RUNS = {"gatys": {"size": 128, "steps": 2000, "levels": 1},  # minutes, if not stopped
             "vae": {"steps": 2000}}


def run_then(name: str, photo: str, action) -> list[tuple[float, object, object, object]]:
    """A run of one column at 128 px as the page starts it; `action(run_id, text)` is called after
    every update (it may stop the run). Returns every update with the time it came."""
    method = REGISTRY[name]
    values = [LONG_RUNS[name].get(param.name, param.default) for param in method.params]
    run_id, updates = runs.new_run(runs.NO_RUN), []
    for image, text, _, record in events.method_runner(name, method)(photo, str(SHARED_STYLES / "starry_night.jpg"),
                                                                  128, True, *values, run_id):
        updates.append((time.monotonic(), image, text, record))
        action(run_id, text)
    return updates


def stop_when_running(stops: list[float]):
    """An action that presses Stop once the method has reported two steps."""
    def action(run_id, text):
        if not stops and isinstance(text, str) and re.search(r"step [1-9]\d*/", text):
            events.stop(run_id)
            stops.append(time.monotonic())

    return action


@pytest.fixture(scope="module")
def photo_128(tmp_path_factory) -> str:
    return str(save_png(load_image(data.astronaut(), 128), tmp_path_factory.mktemp("stop") / "astronaut.png"))


def test_stop_shows_the_image_gatys_had_with_its_note_and_numbers(photo_128):
    """Gatys returns the image it has when stopped: its panel answers Stop at once, then shows that
    image with how far it got and its numbers, and the comparison table lists it."""
    stops: list[float] = []
    updates = run_then("gatys", photo_128, stop_when_running(stops))
    assert stops, [text for _, _, text, _ in updates]
    after = [update for update in updates if update[0] >= stops[0]]
    answer = next(when for when, _, text, _ in after if text == events.STOPPING_TEXT)
    assert answer - stops[0] < 1.5, f"the panel answered Stop after {answer - stops[0]:.1f} s"
    when, image, text, record = updates[-1]
    assert when - stops[0] < streaming.STOP_GRACE_S + 10, f"scored {when - stops[0]:.1f} s after Stop"
    assert re.match(r"\*\*Stopped by the user at \d+%: the image so far\.\*\*", text) and NUMBERS.search(text), text
    assert record["note"].startswith("stopped by the user at") and record["scores"]["ssim"] < 1, record["note"]
    assert max(load_image(image, None).shape[:2]) == 128
    table, files, _ = events.refresh_table(record["run"], *[None] * 4, record)
    assert re.search(r"\| Gatys[^|]* \| [\d.]+ s \(stopped by the user at \d+%: the image so far\) \| ", table), table
    assert any(path.endswith("stylebench_gatys.png") for path in files)


@pytest.mark.parametrize("then", ["run", "change"])
def test_a_new_run_or_input_after_stop_discards_the_image_so_far(photo_128, then):
    """Run or a new photo right after Stop, while Gatys hands back its image: none of it shows."""
    def action(run_id, text):
        if text == events.STOPPING_TEXT:  # the old run's image is on its way
            if then == "run":
                runs.new_run(run_id)
            else:
                events.invalidate(len(compared(REGISTRY)))(run_id)

    stop = stop_when_running([])
    updates = run_then("gatys", photo_128, lambda run_id, text: (stop(run_id, text), action(run_id, text)))
    texts = [text for _, _, text, _ in updates]
    assert events.STOPPING_TEXT in texts, texts
    last = updates[-1][1:]
    assert last == ((gr.skip(),) * 3 if then == "run" else (None, events.CHANGED_TEXT, None)), last
    assert not any(isinstance(text, str) and "image so far" in text for text in texts), texts


def test_stop_says_stopped_for_a_method_that_returns_nothing_when_stopped(photo_128, empty_cache):
    """The VAE's fine-tune stops without an image: its panel says so within about a second."""
    stops: list[float] = []
    updates = run_then("vae", photo_128, stop_when_running(stops))
    assert stops, [text for _, _, text, _ in updates]
    when, image, text, record = updates[-1]
    assert (image, text) == (None, events.STOPPED_TEXT), text
    assert record["status"] == "stopped" and record["name"] == "vae", record  # its row in the comparison
    table, _, _ = events.refresh_table(record["run"], record)
    assert re.search(r"\| VAE[^|]* \| stopped before it finished \|", table), table
    assert when - stops[0] < 2.0, f"the VAE's panel said Stopped. {when - stops[0]:.1f} s after Stop"
