"""What the Gradio app does besides layout: example files, reading uploads, running one
method with streamed progress (and stopping it), binding every result to its run, scoring,
the comparison table (the About tab's text is in app_about).

Nothing here loads a network at import; methods load lazily (cached per process, shared by
every user) the first time they run.
"""
from __future__ import annotations

import collections
import hashlib
import json
import queue
import re
import tempfile
import threading
import time
import uuid
from pathlib import Path

import gradio as gr
import numpy as np
import pandas as pd

from methods import weights
from methods.base import Cancelled, Method, MethodError, TimeUp
from methods.images import ImageError, load_image, save_png

STYLE_MAX_SIDE = 512
OUTPUT_SIDES = (64, 1024)  # the app's own output size bounds (long side, px), enforced for API callers too
PREVIEW_EVERY_S = 0.75  # stream at most this often: each preview is a PNG sent to the page
# after Stop, how long a method may take to hand back the image it has (Gatys: its next loss
# evaluation, well under a second at 384 px) before its panel just says it stopped
STOP_GRACE_S = 5.0
OUTPUT_MAX_AGE_S = 3600  # download folders older than this are pruned at the next run
EXAMPLES_DIR = Path(__file__).resolve().parent / "assets" / "examples"
# (score, label with its direction): what the panels and the table show; raw losses go to the CSV only
SHOWN_SCORES = (("style_loss_ratio", "style-loss ratio ↓"), ("texture_ratio", "texture ratio ↓"),
                ("style_gain", "style gain ↑"), ("ssim", "SSIM ↑"), ("content_loss_ratio", "content-loss ratio ↓"))
TABLE_SCORES = SHOWN_SCORES[:4]  # the panels and the table; the content-loss ratio is in the small print and CSV
CSV_SCORES = ("style_loss_ratio", "texture_ratio", "style_gain", "ssim", "content_loss_ratio", "style_similarity",
              "style_loss", "texture_loss", "content_loss")
# metrics and Judge are imported lazily: `from eval import metrics` pulls in scikit-image.metrics
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
    from eval import imageset

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
    from eval import imageset

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
# changed input turns "stopped" into "superseded" or "changed", and nothing of the run shows after. Gradio's `cancels=` is not used for this: a cancel
# can reach the next run's events, and Gradio labels a cancelled event's outputs "Error".
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


def verdict(scores: dict, reference: dict) -> str:
    """How an output compares with the colour transfer on this pair, in words."""
    from eval import metrics

    won = [name for name in metrics.STYLE_SCORES if _better(name, scores[name], reference[name])]
    if len(won) == len(metrics.STYLE_SCORES):
        return "**Beats the colour transfer on all three style scores** on this pair."
    labels = dict(SHOWN_SCORES)
    which = f" ({', '.join(labels[name].rstrip(' ↑↓') for name in won)})" if won else ""
    return (f"**Beats the colour transfer on {len(won)} of {len(metrics.STYLE_SCORES)} style scores**{which}: "
            "on this pair it transfers no more style than a plain recolouring.")


def _better(name: str, value: float, reference: float) -> bool:
    from eval.stats import better  # the report's own rule, so page and report never disagree

    return bool(better(value, reference, name))


def judge_name() -> str:
    from eval import metrics

    return metrics.default_judge().name


def judge_side() -> int:
    from eval import metrics

    return metrics.JUDGE_SIDE


# -- what a panel shows ------------------------------------------------------------------------
def progress_text(title: str, fraction: float, message: str, elapsed: float) -> str:
    """The bar, the seconds so far and, once a tenth is done, the seconds left at the pace so far."""
    filled = int(round(max(0.0, min(1.0, fraction)) * 20))
    bar = "█" * filled + "░" * (20 - filled)
    left = f", about {elapsed * (1 - fraction) / fraction:.0f} s left" if 0.1 <= fraction < 1 else ""
    return f"Running `{bar}` **{fraction:.0%}** · {elapsed:.0f} s{left}  \n{message}"


def loading_text(title: str) -> str:
    return f"First run of {title} on this server: loading its networks (once; later runs skip this)…"


def inputs_line(inputs: dict) -> str:
    """Which photo, painting and size a result was computed from (shown with it, so that no
    output is read against inputs it did not see)."""
    return f"photo `{inputs['photo']}` · painting `{inputs['painting']}` · {inputs['size']} px"


def _fmt(value: float) -> str:
    return f"{value:.3f}"


def stopped_at(note: str) -> str:
    """How far an interrupted method got, from the note it returns with the image it had
    (methods.base.Interrupted.note, "stopped by the user at 40%: the image so far"):
    "stopped by the user at 40%"; "" for any other note."""
    return note.rsplit(": ", 1)[0] if note.endswith(": the image so far") else ""


def stats_text(record: dict) -> str:
    seconds = f"{record['seconds']:.2f} s"
    if record.get("load_seconds", 0) >= 0.5:
        seconds += f" (+{record['load_seconds']:.1f} s loading)"
    interrupted = stopped_at(record.get("note", ""))
    # an image so far says so first; other notes (e.g. CycleGAN's checkpoint) go in the small print
    first = f"**{record['note'][0].upper() + record['note'][1:]}.**\n\n" if interrupted else ""
    note = f"\n\n<small>{record['note']}</small>" if record.get("note") and not interrupted else ""
    source = f"\n\n<small>From {inputs_line(record['inputs'])}.</small>" if record.get("inputs") else ""
    scores = record.get("scores")
    if scores is None:
        return (first + ("Ran" if interrupted else "Done in") + f" **{seconds}**; " + (
            "scoring…" if record.get("scoring", True) else "no style image to score against") + note + source)
    reference = record.get("reference") or {}
    # one score a row, so that the table stays narrow (a phone, four columns side by side)
    rows = [f"| runtime | **{seconds}** |" + (" |" if reference else "")]
    for name, label in TABLE_SCORES:
        mine, theirs = scores[name], reference.get(name)
        if theirs is None:
            rows.append(f"| {label} | **{_fmt(mine)}** |")
            continue
        mine_wins = mine >= theirs if label.endswith("↑") else mine <= theirs
        rows.append(f"| {label} | " + (f"**{_fmt(mine)}** | {_fmt(theirs)} |" if mine_wins
                                        else f"{_fmt(mine)} | **{_fmt(theirs)}** |"))
    header = "| score | this output |" + (" colour transfer |" if reference else "") + "\n|---|---|" + (
        "---|" if reference else "") + "\n"
    words = f"\n\n{verdict(scores, reference)}" if reference else ""
    return (first + header + "\n".join(rows) + words + f"\n\n<small>{record['width']}×{record['height']} px, judged at "
            f"{judge_side()} px like every method; bold: the better of the two · content-loss ratio ↓ "
            f"{scores['content_loss_ratio']:.3f}</small>" + note + source)


def error_text(error: BaseException) -> str:
    """One label per kind of failure, the same in every column; no server paths."""
    if _caused_by(error, weights.WeightsError):
        kind = "Weights unavailable"
        message = f"this method's network weights are missing on this server: {_root(error, weights.WeightsError)}"
    elif isinstance(error, TimeUp):
        kind, message = "Stopped at the time cap", str(error)
    elif isinstance(error, MethodError):
        kind, message = "Invalid setting", str(error)
    elif isinstance(error, ImageError):
        kind, message = "Bad image", str(error)
    else:
        kind, message = f"Failed ({type(error).__name__})", str(error)
    return f"**{kind}:** {hide_paths(message)}"


def _chain(error: BaseException):
    seen = set()
    while error is not None and id(error) not in seen:  # `raise X from None` keeps the cause as __context__
        seen.add(id(error))
        yield error
        error = error.__cause__ or error.__context__


def _caused_by(error: BaseException, kind: type) -> bool:
    return any(isinstance(link, kind) for link in _chain(error))


def _root(error: BaseException, kind: type) -> BaseException:
    return next(link for link in _chain(error) if isinstance(link, kind))


_PATH = re.compile(r"(?<![\w:/.~-])(?:/[^\s/'\"()\[\],;:]+)+/?")


def hide_paths(text: str) -> str:
    """Server paths out of a message: `/root/.cache/x/file.pth` -> `…/file.pth` (URLs are kept)."""
    return _PATH.sub(lambda match: "…/" + match.group(0).rstrip("/").rsplit("/", 1)[-1], text)


# -- comparison table and downloads ------------------------------------------------------------
def current_records(run: str | None, records: list[dict | None]) -> list[dict]:
    """The finished, scored records of this run only: a table never mixes two runs' inputs."""
    return [r for r in records if r and r.get("scores") and r.get("run") == run]


def table_and_files(run: str | None, records: list[dict | None]) -> tuple[str, list[str] | None]:
    """The comparison (Markdown: one row per finished method of this run, the colour transfer
    below, the best value of every score in bold), its output PNGs and the table as CSV."""
    from eval import metrics

    done = current_records(run, records)
    if not done:
        return "", None
    reference = next((r["reference"] for r in done if r.get("reference")), None)
    best = {}
    for name, _ in TABLE_SCORES:
        values = [r["scores"][name] for r in done]
        best[name] = max(values) if metrics.DIRECTIONS[name] == "higher" else min(values)

    def cells(scores, bold=True):
        return " | ".join(f"**{_fmt(scores[n])}**" if bold and _fmt(scores[n]) == _fmt(best[n]) else _fmt(scores[n])
                          for n, _ in TABLE_SCORES)

    lines = [f"Photo **{done[0]['inputs']['photo']}** · painting **{done[0]['inputs']['painting']}**, "
             f"every output judged at {judge_side()} px. **Bold**: the best method on that score "
             "(↓ lower is better, ↑ higher). A method transfers style on this pair where it beats the colour "
             "transfer on all three style scores.", "",
             "| method | runtime | " + " | ".join(label for _, label in TABLE_SCORES) + " | beats colour transfer |",
             "|---|---|" + "---|" * len(TABLE_SCORES) + "---|"]
    for r in done:
        won = (f"{sum(_better(n, r['scores'][n], r['reference'][n]) for n in metrics.STYLE_SCORES)}/3 style scores"
               if r.get("reference") else "")
        interrupted = stopped_at(r.get("note", ""))
        runtime = f"{r['seconds']:.2f} s" + (f" ({interrupted}: the image so far)" if interrupted else "")
        lines.append(f"| {r['title']} | {runtime} | {cells(r['scores'])} | {won} |")
    if reference:
        lines.append(f"| *colour transfer (reference)* | — | {cells(reference, bold=False)} | — |")
    sizes = {f"{r['width']}×{r['height']}" for r in done}
    if len(sizes) > 1:
        lines += ["", "Output sizes differ: " + ", ".join(f"{r['title']} {r['width']}×{r['height']}" for r in done)
                  + " (a method's own size parameter is lower than the output size)."]
    folder = Path(tempfile.mkdtemp(prefix="run-", dir=_outputs_root()))
    files = [str(save_png(r["image"], folder / f"stylebench_{r['name']}.png")) for r in done]
    csv = folder / "stylebench_comparison.csv"
    raw = [{"method": r["title"], "photo": r["inputs"]["photo"], "painting": r["inputs"]["painting"],
            "seconds": r["seconds"], **{n: r["scores"][n] for n in CSV_SCORES},
            "width": r["width"], "height": r["height"]} for r in done]
    if reference:
        raw.append({"method": "colour transfer (reference)", "photo": done[0]["inputs"]["photo"],
                    "painting": done[0]["inputs"]["painting"], **{n: reference[n] for n in CSV_SCORES}})
    pd.DataFrame(raw).to_csv(csv, index=False)
    return "\n".join(lines), files + [str(csv)]


def output_file(image: np.ndarray, name: str) -> str:
    """A finished output as a PNG file written once, for every update that shows it.

    Gradio writes an array output to its cache at a path named by the content's hash, and rewrites
    that file in place each time the same array is sent again: a browser fetching it meanwhile can
    read a truncated PNG and keep a broken image (seen in the browser test). A file path output is
    copied into the cache only when it is not there yet.
    """
    folder = Path(tempfile.mkdtemp(prefix="out-", dir=_outputs_root()))
    return str(save_png(image, folder / f"stylebench_{name}.png"))


def _outputs_root() -> Path:
    root = Path(tempfile.gettempdir()) / "stylebench-outputs"
    root.mkdir(parents=True, exist_ok=True)
    cutoff = time.time() - OUTPUT_MAX_AGE_S
    for old in root.iterdir():
        try:
            if old.stat().st_mtime < cutoff:
                for file in old.iterdir():
                    file.unlink(missing_ok=True)
                old.rmdir()
        except OSError:
            continue  # another request is pruning or using it
    return root
