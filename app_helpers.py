"""What the Gradio app does besides layout: example files, reading uploads, running one
method with streamed progress (and stopping it), binding every result to its run, scoring.
What a panel and the table show is in app_panels; the About tab's text in app_about.

Nothing here loads a network at import; methods load lazily (cached per process, shared by
every user) the first time they run.
"""
from __future__ import annotations

import collections
import hashlib
import json
import queue
import tempfile
import threading
import time
import uuid
from pathlib import Path

import gradio as gr
import numpy as np

from app_panels import hide_paths
from methods.core import weights
from methods.base import Cancelled, Method, MethodError
from methods.core.images import ImageError, load_image, save_png

STYLE_MAX_SIDE = 512
OUTPUT_SIDES = (64, 1024)  # the app's own output size bounds (long side, px), enforced for API callers too
PREVIEW_EVERY_S = 0.75  # stream at most this often: each preview is a PNG sent to the page
# after Stop, how long a method may take to hand back the image it has (Gatys: its next loss
# evaluation, well under a second at 384 px) before its panel just says it stopped
STOP_GRACE_S = 5.0
EXAMPLES_DIR = Path(__file__).resolve().parent / "assets" / "examples"
# metrics is imported lazily: `from eval import metrics` pulls in scikit-image.metrics
_SCORE_LOCK = threading.Lock()  # the judge's per-image cache is not thread-safe


def compared(registry: dict[str, type[Method]]) -> dict[str, type[Method]]:
    """The methods that get a column: the reference rows are computed beside every method instead."""
    from methods.reference import FAMILY

    return {name: method for name, method in registry.items() if method.family != FAMILY}


# -- examples ----------------------------------------------------------------------------------
def example_files() -> tuple[list[str], list[str]]:
    """(content example paths, style example paths), with requirements.txt alone.

    The scikit-image photos come from its wheel (written once as PNG); every other example is
    the small copy shipped in assets/examples (checked against its sha256 in manifest.json), or,
    where a copy is missing, the original from a mirror, the cache or its pinned URL.
    """
    from methods.core import manifest as imageset

    copies = {row["name"]: row for row in _example_manifest()}
    contents, styles = [], []
    for entry in imageset.CONTENTS + imageset.STYLES:
        try:
            path = _skimage_example(entry) if entry.skimage else _shipped_copy(copies.get(entry.name))
            path = path or imageset.locate(entry)
        except (imageset.ImageSetError, OSError):
            continue
        (contents if entry.kind == "content" else styles).append(str(path))
    return contents, styles


def _example_manifest() -> list[dict]:
    try:
        return json.loads((EXAMPLES_DIR / "manifest.json").read_text())
    except (OSError, ValueError):
        return []


def _shipped_copy(row: dict | None) -> Path | None:
    if not row:
        return None
    path = EXAMPLES_DIR / row["file"]
    if path.is_file() and hashlib.sha256(path.read_bytes()).hexdigest() == row["sha256"]:
        return path
    return None


def _skimage_example(entry) -> Path:
    from methods.core import manifest as imageset

    for folder in (weights.cache_home() / "app-examples", Path(tempfile.gettempdir()) / "stylebench-examples"):
        path = folder / f"{entry.name}.png"
        try:
            if not path.is_file():
                save_png(imageset.load(entry, max_side=768), path)
            return path
        except OSError:  # a read-only cache: the temporary folder instead
            continue
    raise OSError(f"cannot write the example {entry.name}")


# -- inputs ------------------------------------------------------------------------------------
def upload_path(payload) -> str | None:
    """The server-side path of an image component's raw value (events run with preprocess=False,
    so that our image module, not Gradio's, decodes and judges the file)."""
    if payload is None:
        return None
    if isinstance(payload, dict):
        return payload.get("path")
    return getattr(payload, "path", None) or (payload if isinstance(payload, str) else None)


def input_name(payload) -> str:
    """What the user calls an input: the uploaded or example file's own name."""
    name = payload.get("orig_name") if isinstance(payload, dict) else getattr(payload, "orig_name", None)
    return Path(name or upload_path(payload) or "?").name


def read_image(payload, label: str, max_side: int | None) -> np.ndarray:
    """The uploaded image as float32 RGB, or gr.Error saying in words what is wrong."""
    path = upload_path(payload)
    if not path:
        raise gr.Error(f"Please give a {label} image (upload, webcam, paste or pick an example).",
                       title=f"No {label} image", print_exception=False)
    try:
        return load_image(path, max_side=max_side)
    except ImageError as error:
        message = hide_paths(str(error).replace(str(path), "the uploaded file"))
        raise gr.Error(f"The {label} image cannot be used: {message}.", title=f"Bad {label} image",
                       duration=None, print_exception=False) from None


def output_side(value) -> int:
    """The app's output size (long side), checked here because API callers skip the slider's bounds."""
    low, high = OUTPUT_SIDES
    try:
        side = float(value)
    except (TypeError, ValueError):
        side = float("nan")
    if not (np.isfinite(side) and side == int(side) and low <= side <= high):
        raise gr.Error(f"The output size must be a whole number of pixels from {low} to {high}; got {value!r}.",
                       title="Bad output size", print_exception=False)
    return int(side)


# -- runs: every result is bound to the run that made it ------------------------------------------
# A page's run id travels with the inputs of every event it sends. Run makes a new one (the previous
# run is "superseded"); a changed photo or painting ("changed") and Stop ("stopped") end it. A method
# of an ended run stops at its next progress report, and its event leaves its panel to whatever ended
# the run (superseded), or says why it stopped. A stopped run's results (finished ones, and the image
# so far of a method that returns one when stopped) show until the page moves on: a later Run or
# changed input turns "stopped" into "superseded" or "changed", and nothing of the run shows after.
# Gradio's `cancels=` is not used for this: a cancel can reach the next run's events, and Gradio
# labels a cancelled event's outputs "Error".
_LIVE_RUNS: collections.OrderedDict[str, None] = collections.OrderedDict()  # run ids whose results may still show
_ENDED_RUNS: collections.OrderedDict[str, str] = collections.OrderedDict()  # run id -> why it ended
_RUNS_LOCK = threading.Lock()
MAX_RUNS = 10_000  # remembered of each kind; pages that went away say nothing
API_RUN = ""  # the run id of an API call: nothing supersedes it
NO_RUN = "none"  # the page's run id after its inputs changed: nothing runs until the next Run
SUPERSEDED, CHANGED, STOPPED = "superseded", "changed", "stopped"


def _remember(table: collections.OrderedDict, key: str, value) -> None:
    table[key] = value
    while len(table) > MAX_RUNS:
        table.popitem(last=False)


def new_run(previous: str) -> str:
    """A fresh run id; the previous run of the same page ends (superseded)."""
    run = uuid.uuid4().hex[:12]
    end_run(previous, SUPERSEDED)
    with _RUNS_LOCK:
        _remember(_LIVE_RUNS, run, None)
    return run


def end_run(run: str, reason: str) -> None:
    """End a run (SUPERSEDED, CHANGED or STOPPED): its remaining methods stop at their next report.
    A stopped run that the page then leaves (a new Run, a changed input) takes that reason instead."""
    with _RUNS_LOCK:
        if _LIVE_RUNS.pop(run, False) is None or (_ENDED_RUNS.get(run) == STOPPED and reason != STOPPED):
            _remember(_ENDED_RUNS, run, reason)


def is_live(run: str | None) -> bool:
    """Whether a run's results may still show. API callers have no run id (API_RUN, or None):
    nothing supersedes their request."""
    return not run or run in _LIVE_RUNS


def end_reason(run: str) -> str | None:
    """Why a run ended (SUPERSEDED, CHANGED, STOPPED), or None if it did not."""
    return _ENDED_RUNS.get(run)


# -- running one method ------------------------------------------------------------------------
_WARM: set[tuple] = set()  # (method, networks) that have run in this process: their load() is cached


def load_key(method: Method, params: dict) -> tuple:
    """What a method's load() depends on: its networks (methods declare them), else its choices."""
    resolved = method.resolve_params(params)
    networks = method.networks(resolved)
    return (method.name, tuple(networks) if networks else tuple(
        (p.name, resolved[p.name]) for p in method.params if p.kind == "choice"))


def needs_loading(method: Method, params: dict) -> bool:
    """True until a run of this method with these networks has finished in this process (a bad
    setting loads nothing: it is refused first)."""
    try:
        return load_key(method, params) not in _WARM
    except MethodError:
        return False


def stream_stylize(method: Method, content: np.ndarray, style: np.ndarray, params: dict, alive=lambda: True):
    """Run `method.stylize` in a worker thread; yield ("progress", fraction, message, preview)
    as it reports, then ("done", Result) or ("error", exception).

    on_progress is called from inside the method's loop, so a generator cannot yield from it
    directly: a queue hands the reports over. Previews are thinned to one per PREVIEW_EVERY_S.
    When this generator is closed early (Gradio cancels the event: the page went away; or its
    consumer gives up), the worker's next on_progress raises Cancelled, which ends Gatys' and the
    VAE's loops (and a wait for the method's slot); nothing more is reported.
    `alive()` is asked at least every PREVIEW_EVERY_S: once false, the worker is stopped the same
    way and the stream yields ("stopping",); then ("done", Result) if the method returns the image
    it has when stopped (Gatys) within STOP_GRACE_S, else nothing more. A consumer that wants no
    result of a stopped run closes the stream at "stopping".
    """
    reports: queue.Queue = queue.Queue()
    stop = threading.Event()

    def on_progress(fraction, message, preview=None):
        if stop.is_set():
            raise Cancelled("stopped: the run was cancelled")
        reports.put(("progress", float(fraction), str(message), preview))

    def work():
        try:
            result = method.stylize(content, style, on_progress=on_progress, **params)
            _WARM.add(load_key(method, params))
            reports.put(("done", result))
        except Cancelled:
            reports.put(("cancelled",))
        except Exception as error:  # reported in the method's own panel
            reports.put(("error", error))

    threading.Thread(target=work, name=f"stylize-{method.name}", daemon=True).start()
    pending, last_sent, give_up_at = None, 0.0, None
    try:
        while True:
            wait = PREVIEW_EVERY_S if give_up_at is None else give_up_at - time.monotonic()
            try:
                item = reports.get(timeout=max(0.0, wait))
            except queue.Empty:
                item = None
            if give_up_at is not None:  # stopped: only the image the method had counts now
                if item is not None and item[0] == "done":
                    yield item
                if item is None or item[0] != "progress":  # handed back, cancelled, failed or too slow
                    return
                continue
            if item is not None and item[0] == "cancelled":
                return
            if item is not None and item[0] != "progress":
                yield item
                return
            if not alive():
                stop.set()
                give_up_at = time.monotonic() + STOP_GRACE_S
                yield ("stopping",)
                continue
            if item is not None:  # merge: the newest message, the newest preview seen since last sent
                preview = item[3] if item[3] is not None or pending is None else pending[3]
                pending = (*item[:3], preview)
            if pending is not None and time.monotonic() - last_sent >= PREVIEW_EVERY_S:
                yield pending
                pending, last_sent = None, time.monotonic()
    finally:
        stop.set()  # finished, or closed early: the worker stops at its next report


def score(output: np.ndarray, content: np.ndarray, style: np.ndarray) -> dict:
    from eval import metrics

    with _SCORE_LOCK:
        return metrics.score(output, content, style)


def reference_scores(content: np.ndarray, style: np.ndarray) -> dict:
    """The colour transfer's scores on this pair (milliseconds to make; the judge caches its
    features, so every panel of one run shares them)."""
    from methods.reference import colour_transfer

    return score(colour_transfer(content, style), content, style)
