"""The demo through its API (gradio_client) on a real server: concurrent requests, streaming,
per-panel failures, bad uploads, the server-side bounds. Real networks, small images. Then the
ui package in this process: stopping a run, binding results to their run, messages, the About text."""
from __future__ import annotations

import ast
import json
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import gradio as gr
import numpy as np
import pandas as pd
import pytest
from gradio_client import Client, handle_file
from skimage import data

from eval import metrics
from methods import REGISTRY
from methods.base import Cancelled, Method, MethodError, Param, TimeUp
from methods.core import weights
from methods.core.images import load_image, resize, save_png
from methods.cyclegan.method import IGNORED_STYLE
from tests import app_server
from tests.conftest import SHARED_STYLES
from ui import about, events, examples, inputs, panels, runs, scoring, streaming, table
from ui.page import subtitle
from ui.scoring import compared

# the panel's score table (one score a row: this output, then the colour transfer); groups:
# style-loss ratio, texture ratio, style gain and SSIM of the output
NUMBERS = re.compile(r"\| runtime \| \*\*[\d.]+ s[^|]*\*\* \|.*\n"
                     r"\| style-loss ratio ↓ \| \**(-?[\d.]+)\**.*\n"
                     r"\| texture ratio ↓ \| \**(-?[\d.]+)\**.*\n"
                     r"\| style gain ↑ \| \**(-?[\d.]+)\**.*\n"
                     r"\| SSIM ↑ \| \**(-?[\d.]+)\**")
SMALL_GATYS = {"size": 64, "steps": 30, "levels": 1}
SERVER_PATHS = re.compile(r"(?<![\w:/.])/(?:root|home|tmp|work|usr|var)/")


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


@pytest.mark.e2e
def test_concurrent_magenta_requests_each_get_their_own_output(client, photos):
    styles = [SHARED_STYLES / "starry_night.jpg", SHARED_STYLES / "great_wave.jpg"]
    jobs = [(name, size, styles[index % 2]) for index, (name, size) in
            enumerate(zip(photos, (128, 160, 192, 224)))]

    def call(job):
        name, size, style = job
        return client.predict(handle_file(photos[name]), handle_file(str(style)), size, True,
                              api_name="/run_magenta")

    with ThreadPoolExecutor(len(jobs)) as pool:
        results = list(pool.map(call, jobs))

    thumbnails = {name: grey_thumbnail(load_image(path, None)) for name, path in photos.items()}
    for (name, size, style), (image_path, stats, _) in zip(jobs, results):
        assert NUMBERS.search(stats), stats
        assert f"photo `{name}.png` · painting `{style.name}` · {size} px" in stats, stats  # bound to its inputs
        output = load_image(image_path, None)
        source = load_image(photos[name], None)
        assert max(output.shape[:2]) == size
        assert abs(output.shape[1] / output.shape[0] - source.shape[1] / source.shape[0]) < 0.02
        # its own photo's layout, not another request's
        similarity = {other: float(grey_thumbnail(output) @ thumb) / thumb.size for other, thumb in thumbnails.items()}
        assert max(similarity, key=similarity.get) == name, similarity


@pytest.mark.e2e
def test_the_api_returns_scores_as_data_with_named_outputs_and_real_defaults(client, photos):
    api = client.view_api(print_info=False, return_format="dict")["named_endpoints"]
    gatys = {parameter["parameter_name"]: parameter for parameter in api["/run_gatys"]["parameters"]}
    assert [output["label"] for output in api["/run_gatys"]["returns"]] == ["output", "numbers (Markdown)", "scores"]
    for name in ("output_size", "size", "steps", "levels", "seed"):  # whole-number settings are integers
        assert gatys[name]["python_type"]["type"] == "int", gatys[name]
        assert gatys[name]["example_input"] == gatys[name]["parameter_default"], gatys[name]  # the default, not a bound
    assert Path(gatys["content"]["example_input"]["path"]).name == "astronaut.png"  # the page's own examples
    assert Path(gatys["style"]["example_input"]["path"]).name == "starry_night.jpg"
    assert "bus.png" not in json.dumps(api)
    assert gatys["run_id"]["parameter_has_default"] and "API callers leave it out" in gatys["run_id"]["label"]

    style = SHARED_STYLES / "starry_night.jpg"
    _, stats, scores = client.predict(handle_file(photos["coffee"]), handle_file(str(style)), 128, True,
                                      api_name="/run_magenta")
    assert (scores["method"], scores["status"], scores["photo"], scores["painting"], scores["size"]) == (
        "magenta", "done", "coffee.png", "starry_night.jpg", 128), scores
    assert set(scores["scores"]) == set(scores["colour_transfer"]) == set(metrics.SCORE_KEYS), scores
    assert scores["seconds"] > 0 and max(scores["width"], scores["height"]) == 128, scores
    assert isinstance(scores["transfers_style"], bool) and scores["verdict"].startswith("Beats the colour transfer")
    assert set(scores["style_scores_beaten"]) <= set(metrics.STYLE_SCORES)
    for name in ("style_loss_ratio", "ssim"):  # the numbers the Markdown shows, unrounded
        assert f"{scores['scores'][name]:.3f}" in stats and f"{scores['colour_transfer'][name]:.3f}" in stats, name


@pytest.mark.e2e
def test_cyclegan_says_which_generator_ran_and_whether_it_read_the_style(client, photos):
    def stats(style, checkpoint):
        return client.predict(handle_file(photos["coffee"]), handle_file(str(SHARED_STYLES / style)), 128, True,
                              checkpoint, api_name="/run_cyclegan")[1]

    matched, ignored = stats("shipwreck.jpg", "auto"), stats("shipwreck.jpg", "vintage")
    assert NUMBERS.search(matched) and "The Shipwreck of the Minotaur" in matched and "(shipwreck)" in matched, matched
    assert NUMBERS.search(ignored) and f"{IGNORED_STYLE} (vintage)." in ignored, ignored


@pytest.mark.e2e
def test_gatys_streams_progress_and_a_bad_setting_stays_in_its_panel(client, photos):
    style = handle_file(str(SHARED_STYLES / "starry_night.jpg"))
    content = handle_file(photos["chelsea"])
    gatys = client.submit(content, style, 128, True, **SMALL_GATYS, api_name="/run_gatys")
    broken = client.submit(content, style, 128, True, **{**SMALL_GATYS, "tv_weight": -1},
                           api_name="/run_gatys")
    magenta = client.submit(content, style, 128, True, api_name="/run_magenta")
    skipped = client.submit(content, style, 128, False, api_name="/run_magenta")

    image_path, stats, _ = gatys.result(timeout=180)
    updates = [text for _, text, _ in gatys.outputs()]
    assert any("%" in text and "step" in text for text in updates), updates  # streamed progress
    assert NUMBERS.search(stats), stats
    assert max(load_image(image_path, None).shape[:2]) == 64  # Gatys' own size parameter
    broken_image, broken_stats, broken_scores = broken.result(timeout=180)
    assert broken_image is None and "Invalid setting" in broken_stats and "tv_weight" in broken_stats
    assert (broken_scores["status"], broken_scores["reason"]) == ("failed", "Invalid setting"), broken_scores
    assert re.search(r"Gatys.* failed: Invalid setting: .*tv_weight", app_server.log_text())  # the server log says so
    assert not any("loading its networks" in text for _, text, _ in broken.outputs())  # a refused setting loads nothing
    assert NUMBERS.search(magenta.result(timeout=60)[1])
    assert skipped.result(timeout=60)[:2] == (None, "Skipped (tick *include* to run it).")
    assert skipped.result()[2]["status"] == "skipped"

    again = client.submit(content, style, 128, True, **SMALL_GATYS, api_name="/run_gatys")
    again.result(timeout=180)
    texts = [text for _, text, _ in again.outputs()]
    assert "Starting…" in texts and not any("loading its networks" in text for text in texts), texts


@pytest.mark.e2e
def test_a_cached_vae_is_not_held_behind_a_running_gatys(client, photos):
    """Iterative methods each have their own queue: with its per-style model cached, the VAE
    answers while a long Gatys run is still computing."""
    content, style = handle_file(photos["rocket"]), handle_file(str(SHARED_STYLES / "great_wave.jpg"))
    vae = {"steps": 20}
    client.predict(content, style, 128, True, **vae, api_name="/run_vae")  # trains and caches the style
    gatys = client.submit(content, style, 128, True, size=256, steps=400, levels=1, api_name="/run_gatys")
    deadline = time.monotonic() + 120
    while not any("step" in (text or "") for _, text, _ in gatys.outputs()):  # Gatys is computing
        assert not gatys.done() and time.monotonic() < deadline, gatys.outputs()[-1:]
        time.sleep(0.1)
    started = time.monotonic()
    image, stats = client.predict(content, style, 128, True, **vae, api_name="/run_vae")[:2]
    seconds = time.monotonic() - started
    assert image is not None and NUMBERS.search(stats), stats
    assert not gatys.done(), f"Gatys finished first: the test shows nothing (VAE took {seconds:.1f} s)"
    assert seconds < 30, f"the cached VAE took {seconds:.1f} s beside Gatys"
    gatys.cancel()


@pytest.mark.e2e
@pytest.mark.parametrize("size", [0, 63, 1056, 2048, 100.5])
def test_output_size_is_bounded_on_the_server(client, photos, size):
    """The API skips the slider's bounds: the handler refuses what the page would not send."""
    with pytest.raises(Exception, match="Output size not usable: it must be a whole number of pixels from 64 to 1024"):
        client.predict(handle_file(photos["coffee"]), handle_file(str(SHARED_STYLES / "starry_night.jpg")), size,
                       True, api_name="/run_magenta")


@pytest.mark.e2e
def test_missing_weights_get_one_label_in_every_column_and_no_server_path(client, photos):
    """The server is offline with an empty cache: an upstream-only network is unavailable, whichever
    method asks for it (Gatys' VGG19 file, Magenta's TF Hub module)."""
    content, style = handle_file(photos["coffee"]), handle_file(str(SHARED_STYLES / "starry_night.jpg"))
    texts = [client.predict(content, style, 128, True, **SMALL_GATYS, backbone="vgg19_imagenet",
                            api_name="/run_gatys")[1],
             client.predict(content, style, 128, True, source="tfhub", api_name="/run_magenta")[1]]
    for text in texts:
        assert text.startswith("**Weights unavailable:** this method's network weights are missing"), text
        assert not SERVER_PATHS.search(text), text


@pytest.mark.e2e
@pytest.mark.parametrize("name", sorted(compared(REGISTRY)))
def test_bad_upload_is_refused_in_words(client, tmp_path, name):
    text = tmp_path / "notes.png"
    text.write_text("this is not a picture")
    with pytest.raises(Exception, match="Photo not usable: .*is not an image") as error:
        client.predict(handle_file(str(text)), handle_file(str(SHARED_STYLES / "starry_night.jpg")), 128, True,
                       api_name=f"/run_{name}")
    assert not SERVER_PATHS.search(str(error.value)), error.value


@pytest.mark.e2e
def test_the_server_log_has_no_tensorflow_noise(client, photos):
    """After every network has run (the tests above), the app's log has no TensorFlow C++ or CUDA lines."""
    client.predict(handle_file(photos["coffee"]), handle_file(str(SHARED_STYLES / "starry_night.jpg")), 128, True,
                   api_name="/run_magenta")
    log = app_server.log_text()
    for noise in ("cuInit", "cuda_", "oneDNN", "TF_ENABLE_ONEDNN_OPTS", "absl::InitializeLog", "E0000", "W0000"):
        assert noise not in log, log[-3000:]


# -- the ui package, in this process ---------------------------------------------------------------
class Looping(Method):
    """A stand-in for Gatys: reports progress every few milliseconds until stopped."""

    name, title, family = "looping", "Looping", "test"
    params = (Param("steps", 10_000, "int", "iterations", 1, 10_000),)
    max_concurrent = None

    def __init__(self):
        self.steps_done, self.stopped = 0, threading.Event()

    def run(self, content, style, params, on_progress, model):
        try:
            for step in range(params["steps"]):
                time.sleep(0.005)
                self.steps_done = step
                on_progress(step / params["steps"], f"step {step}", None)
        finally:
            self.stopped.set()
        return content, {}


def test_closing_the_stream_stops_the_method_at_its_next_report():
    """What Gradio does on Stop, a new Run or a changed input: it closes the event's generator."""
    method = Looping()
    image = np.zeros((32, 32, 3), np.float32)
    stream = streaming.stream_stylize(method, image, image, {})
    kind, *_ = next(stream)
    assert kind == "progress"
    stream.close()
    assert method.stopped.wait(5), "the worker kept running after the stream was closed"
    steps = method.steps_done
    time.sleep(0.2)
    assert method.steps_done == steps < 9_000


def test_a_run_ends_when_a_new_one_starts_or_it_is_stopped():
    first = runs.new_run(runs.NO_RUN)
    assert runs.is_live(first) and runs.is_live(runs.API_RUN)  # an API call is never superseded
    second = runs.new_run(first)
    assert not runs.is_live(first) and runs.end_reason(first) == runs.SUPERSEDED
    assert runs.is_live(second) and runs.end_reason(second) is None
    runs.end_run(second, runs.STOPPED)
    assert not runs.is_live(second) and runs.end_reason(second) == runs.STOPPED
    runs.end_run(second, runs.STOPPED)
    assert runs.end_reason(second) == runs.STOPPED
    runs.end_run(second, runs.CHANGED)  # the page left the stopped run: nothing of it shows now
    assert runs.end_reason(second) == runs.CHANGED
    runs.end_run(second, runs.SUPERSEDED)  # otherwise a run keeps the reason it ended for
    assert runs.end_reason(second) == runs.CHANGED


def record(run: str, name: str, painting: str, style_loss_ratio: float) -> dict:
    scores = {"style_loss_ratio": style_loss_ratio, "texture_ratio": 0.9, "style_gain": 0.4, "ssim": 0.5,
              "content_loss_ratio": 0.3, "style_similarity": 0.9, "style_loss": 1.0, "texture_loss": 1.0,
              "content_loss": 1.0}
    reference = {**scores, "style_loss_ratio": 0.7, "texture_ratio": 1.0, "style_gain": 0.2, "ssim": 0.8}
    return {"run": run, "inputs": {"photo": "astronaut.png", "painting": painting, "size": 64}, "name": name,
            "title": name.title(), "image": np.zeros((48, 64, 3), np.float32), "seconds": 1.0, "load_seconds": 0.0,
            "height": 48, "width": 64, "note": "", "scores": scores, "reference": reference}


def test_the_table_shows_only_the_current_run_and_marks_the_best_values():
    old = record("run-1", "gatys", "starry_night.jpg", 0.2)
    new = [record("run-2", "magenta", "great_wave.jpg", 0.5), record("run-2", "vae", "great_wave.jpg", 0.6)]
    markdown, files = table.table_and_files("run-2", [old, *new])
    assert "starry_night" not in markdown and "Gatys" not in markdown, markdown
    assert "painting **great_wave.jpg**" in markdown
    assert "| Magenta | 1.00 s | **0.500** |" in markdown and "| Vae | 1.00 s | 0.600 |" in markdown, markdown
    assert "*colour transfer (reference)*" in markdown
    assert sorted(name.rsplit("/", 1)[-1] for name in files) == [
        "stylebench_comparison.csv", "stylebench_magenta.png", "stylebench_vae.png"]
    assert table.table_and_files("run-3", [old, *new]) == ("", None)
    assert "Output sizes differ" not in markdown
    smaller = {**new[0], "width": 32, "height": 24}
    assert "Output sizes differ: Magenta 32×24, Vae 64×48" in table.table_and_files("run-2", [smaller, new[1]])[0]


def test_a_failed_or_stopped_method_keeps_a_row_with_its_status():
    done = record("run-4", "magenta", "great_wave.jpg", 0.5)
    base = {key: done[key] for key in ("run", "inputs")}
    failed = {**base, "name": "vae", "title": "Vae", "status": "failed", "reason": "Weights unavailable"}
    stopped = {**base, "name": "gatys", "title": "Gatys", "status": "stopped"}
    markdown, files = table.table_and_files("run-4", [stopped, done, failed])
    assert "| Gatys | stopped before it finished | — | — | — | — | — |" in markdown, markdown
    assert "| Vae | failed (Weights unavailable) | — |" in markdown, markdown
    assert "| Magenta | 1.00 s | **0.500** |" in markdown and "*colour transfer (reference)*" in markdown, markdown
    assert sorted(name.rsplit("/", 1)[-1] for name in files) == ["stylebench_comparison.csv", "stylebench_magenta.png"]
    rows = pd.read_csv(files[-1])
    assert list(rows["status"]) == ["stopped before it finished", "done", "failed (Weights unavailable)", "done"]
    only_failed, _ = table.table_and_files("run-4", [failed])  # nothing scored: the row still shows
    assert "| Vae | failed (Weights unavailable) |" in only_failed and "colour transfer (reference)" not in only_failed
    error = MethodError("parameter steps: 0 is outside [1, 2000]")
    assert panels.error_kind(error) == "Invalid setting"


def test_a_cleared_comparison_stays_folded_with_its_photo_and_painting():
    markdown, _ = table.table_and_files("run-5", [record("run-5", "magenta", "great_wave.jpg", 0.5)])
    folded, kept = events.archived(markdown)
    assert folded.label == "Previous comparison: photo astronaut.png · painting great_wave.jpg" and folded.visible
    assert kept == markdown
    for nothing_shown in (events.TABLE_PLACEHOLDER, "", None):  # the folded one keeps the last real comparison
        assert events.archived(nothing_shown) == (gr.skip(), gr.skip())
    cleared = events.invalidate(2)(runs.new_run(runs.NO_RUN), markdown)
    assert cleared[-1] == markdown and cleared[-4:-2] == [events.TABLE_PLACEHOLDER, None]
    run = runs.new_run(runs.NO_RUN)  # a comparison becomes the one to fold away once every method settled
    done, skipped = record(run, "magenta", "great_wave.jpg", 0.5), {"run": run, "name": "vae", "status": "skipped"}
    assert events.refresh_table(run, done, None)[2] == gr.skip()  # one method still running
    shown, _, finished = events.refresh_table(run, done, skipped)
    assert finished == shown and "Vae" not in shown and "Magenta" in shown


def test_structured_scores_follow_the_panel():
    done = record("run-6", "magenta", "great_wave.jpg", 0.5)
    data = events.structured(done)
    assert (data["status"], data["painting"], data["scores"]["style_loss_ratio"]) == ("done", "great_wave.jpg", 0.5)
    assert data["style_scores_beaten"] == list(metrics.STYLE_SCORES) and data["transfers_style"]
    assert data["verdict"].startswith("Beats the colour transfer on all three style scores")
    nan = {**done, "scores": {**done["scores"], "ssim": float("nan")}}
    assert events.structured(nan)["scores"]["ssim"] is None  # JSON has no NaN
    assert events.structured(gr.skip()) == gr.skip() and events.structured(None) is None  # a panel still running
    failed = events.structured({**done, "scores": None, "status": "failed", "reason": "Bad image"})
    assert (failed["status"], failed["reason"]) == ("failed", "Bad image") and "scores" not in failed


def test_iterative_methods_wait_while_an_output_is_scored():
    """The judge's numbers first: a method's progress report waits while an output is scored, not
    after Stop, and not past its timeout."""
    stopped, reported = threading.Event(), threading.Event()

    def report():
        scoring.wait_while_judging(stopped)
        reported.set()

    with scoring.judging():
        threading.Thread(target=report, daemon=True).start()
        assert not reported.wait(0.3)  # waits while the judge works
    assert reported.wait(1.0)
    with scoring.judging():
        started = time.monotonic()
        scoring.wait_while_judging(threading.Event(), timeout=0.3)
        assert 0.25 < time.monotonic() - started < 1.0
        stopped.set()
        started = time.monotonic()
        scoring.wait_while_judging(stopped)
        assert time.monotonic() - started < 0.2


def test_a_long_run_waits_while_an_output_is_scored_and_its_runtime_leaves_the_wait_out(monkeypatch):
    monkeypatch.setattr(streaming, "LONG_RUN_S", 0.0)  # every report counts as a long run's
    method, image = Looping(), np.zeros((32, 32, 3), np.float32)
    with scoring.judging():  # an output being scored while the method starts
        stream = streaming.stream_stylize(method, image, image, {"steps": 50})
        kind, *_ = next(stream)
        time.sleep(1.0)
        assert kind == "progress" and method.steps_done < 3, method.steps_done  # it waits at its report
    *_, (kind, result) = list(stream)
    assert kind == "done" and method.steps_done == 49
    assert result.seconds < 0.9, result.seconds  # about 50 x 5 ms of its own, not the second it waited


@pytest.mark.slow
def test_the_colour_transfer_is_scored_once_per_pair():
    photo, painting = load_image(data.astronaut(), 96), load_image(data.coffee(), 96)
    first = scoring.reference_scores(photo, painting)  # the real judge
    started = time.monotonic()
    assert scoring.reference_scores(photo, painting) == first and time.monotonic() - started < 0.05
    assert scoring.reference_scores(photo, painting[::-1]) != first  # another painting: its own scores


def test_thumbnails_have_title_and_artist():
    captions = examples.captions()
    assert captions["starry_night"] == "The Starry Night, 1889 · Vincent van Gogh"
    assert captions["astronaut"] == "Astronaut Eileen Collins · NASA"
    assert {Path(path).stem for paths in examples.example_files() for path in paths} <= set(captions)
    assert all(" · " in text for text in captions.values())


def test_panel_numbers_say_which_is_better_and_where_they_come_from():
    text = panels.stats_text(record("run-1", "magenta", "great_wave.jpg", 0.5))
    assert NUMBERS.search(text), text
    assert "| style-loss ratio ↓ | **0.500** | 0.700 |" in text and "| SSIM ↑ | 0.500 | **0.800** |" in text, text
    assert "photo `astronaut.png` · painting `great_wave.jpg` · 64 px" in text


def test_an_image_so_far_says_how_far_it_got_in_its_panel():
    """The notes of methods.base's Interrupted, as an anytime method returns them, lead the panel."""
    cancelled, cap = Cancelled(), TimeUp("gatys", 300, 0.96)
    cancelled.fraction = 0.4
    assert panels.stopped_at(cancelled.note()) == "stopped by the user at 40%"
    assert panels.stopped_at(cap.note()) == "stopped at the 300 s cap at 96%"
    assert panels.stopped_at("CycleGAN used a generator trained on your painting") == ""
    text = panels.stats_text({**record("run-1", "gatys", "great_wave.jpg", 0.5), "note": cap.note()})
    assert text.startswith("**Stopped at the 300 s cap at 96%: the image so far.**") and NUMBERS.search(text), text
    assert "Done" not in panels.stats_text({**record("run-1", "gatys", "x.jpg", 0.5), "note": cap.note(),
                                             "scores": None})


def test_progress_says_the_seconds_so_far_and_left():
    assert "· 10 s, about 30 s left" in panels.progress_text("Gatys", 0.25, "step 5/20", 10.0)
    assert "· 1 s  \n" in panels.progress_text("Gatys", 0.05, "step 1/20", 1.0)  # too early to tell


def test_errors_have_one_label_per_kind_and_no_server_paths():
    try:
        try:
            raise weights.WeightsError("weights for x not found: put x.pth in /root/.cache/stylebench/weights; or "
                                       "download https://example.org/models/x.pth")
        except weights.WeightsError as error:
            raise MethodError(str(error)) from None
    except MethodError as wrapped:
        text = panels.error_text(wrapped)
    assert text.startswith("**Weights unavailable:**") and "/root" not in text, text
    assert "…/weights" in text and "https://example.org/models/x.pth" in text, text
    assert panels.error_text(MethodError("parameter steps: 0 is outside [1, 2000]")).startswith("**Invalid setting:**")
    assert panels.hide_paths("in /tmp/gradio/abc/photo.png (x)") == "in …/photo.png (x)"


def test_output_size_bounds():
    assert inputs.output_side(384) == 384 and inputs.output_side("64") == 64
    for bad in (0, 2048, 100.5, float("nan"), None, "big"):
        with pytest.raises(Exception, match="Output size not usable"):
            inputs.output_side(bad)


def test_the_about_text_has_a_note_per_column_with_the_code_defaults():
    """Every column has its teaching note, and the figures the code sets come from the code: a
    loss whose default weight is 0 is not described as part of the recipe."""
    columns = compared(REGISTRY)
    assert set(about.NOTES) == set(columns)
    text = about.about_markdown(columns, "the judge")
    defaults = {name: {param.name: param.default for param in method.params} for name, method in columns.items()}
    gatys, vae = defaults["gatys"], defaults["vae"]
    assert f"$\\beta = {gatys['style_weight']:g}$" in text and f"{gatys['steps']} steps at full size" in text
    vae_note = about.vae_note(columns["vae"])
    assert f"Gram style loss (weight {vae['style_weight']:g}" in vae_note
    assert ("content loss" in vae_note) == bool(vae["content_weight"]), vae_note
    assert "Not in this build" not in text
    assert "#### vae" in about.about_markdown({k: v for k, v in columns.items() if k != "vae"}, "the judge")


def test_ui_imports_run_one_way():
    """ui/ imports eval and methods, never app.py, and its modules form no circle."""
    folder = Path(__file__).resolve().parents[1] / "ui"
    graph = {}
    for path in folder.glob("*.py"):
        imported = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                imported |= {f"{node.module}.{alias.name}" for alias in node.names} | {node.module}
            elif isinstance(node, ast.Import):
                imported |= {alias.name for alias in node.names}
        assert not {name for name in imported if name.split(".")[0] == "app"}, path.name
        graph[path.stem] = {name.split(".")[1] for name in imported if name.startswith("ui.")}
    visiting, done = set(), set()

    def visit(module, trail):
        assert module not in visiting, f"import circle: {' -> '.join(trail)}"
        if module in done or module not in graph:
            return
        visiting.add(module)
        for other in graph[module]:
            visit(other, [*trail, other])
        visiting.discard(module)
        done.add(module)

    for module in graph:
        visit(module, [module])


def test_a_columns_small_print_says_each_thing_once():
    assert subtitle("optimisation", "optimisation over VGG features") == "optimisation over VGG features"
    assert subtitle("style-domain variational autoencoder", "variational autoencoder") == \
        "style-domain variational autoencoder"
    assert subtitle("Huang & Belongie", "fast feed-forward") == "Huang & Belongie · fast feed-forward"
    assert subtitle("", "unpaired image-to-image translation") == "unpaired image-to-image translation"
