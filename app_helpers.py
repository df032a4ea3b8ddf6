"""What the Gradio app does besides layout: example files, reading uploads, running one
method with streamed progress (and stopping it), binding every result to its run, scoring,
the comparison table, the About text.

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
# the run (superseded), or says why it stopped. Gradio's `cancels=` is not used for this: a cancel
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
    """End a run (SUPERSEDED, CHANGED or STOPPED): its remaining methods stop at their next report."""
    with _RUNS_LOCK:
        if _LIVE_RUNS.pop(run, False) is None:
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
    When this generator is closed early (Gradio cancels the event: Stop, a new Run, a changed
    input, the page went away), the worker's next on_progress raises Cancelled, which ends
    Gatys' and the VAE's loops (and a wait for the method's slot); nothing more is reported.
    `alive()` is asked at least every PREVIEW_EVERY_S: once false, the stream ends the same way.
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
            pass
        except Exception as error:  # reported in the method's own panel
            reports.put(("error", error))

    threading.Thread(target=work, name=f"stylize-{method.name}", daemon=True).start()
    pending, last_sent = None, 0.0
    try:
        while True:
            try:
                item = reports.get(timeout=PREVIEW_EVERY_S)
            except queue.Empty:
                item = None
            if not alive():
                return
            if item is not None and item[0] != "progress":
                yield item
                return
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
    filled = int(round(max(0.0, min(1.0, fraction)) * 20))
    bar = "█" * filled + "░" * (20 - filled)
    return f"Running `{bar}` **{fraction:.0%}** · {elapsed:.0f} s  \n{message}"


def loading_text(title: str) -> str:
    return f"First run of {title} on this server: loading its networks (once; later runs skip this)…"


def inputs_line(inputs: dict) -> str:
    """Which photo, painting and size a result was computed from (shown with it, so that no
    output is read against inputs it did not see)."""
    return f"photo `{inputs['photo']}` · painting `{inputs['painting']}` · {inputs['size']} px"


def _fmt(value: float) -> str:
    return f"{value:.3f}"


def stats_text(record: dict) -> str:
    seconds = f"{record['seconds']:.2f} s"
    if record.get("load_seconds", 0) >= 0.5:
        seconds += f" (+{record['load_seconds']:.1f} s loading)"
    note = f"\n\n<small>{record['note']}</small>" if record.get("note") else ""  # e.g. CycleGAN's checkpoint
    source = f"\n\n<small>From {inputs_line(record['inputs'])}.</small>" if record.get("inputs") else ""
    scores = record.get("scores")
    if scores is None:
        return (f"Done in **{seconds}**; " + ("scoring…" if record.get("scoring", True)
                                              else "no style image to score against") + note + source)
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
    return (header + "\n".join(rows) + words + f"\n\n<small>{record['width']}×{record['height']} px, judged at "
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
        lines.append(f"| {r['title']} | {r['seconds']:.2f} s | {cells(r['scores'])} | {won} |")
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


# -- the About tab -----------------------------------------------------------------------------
ABOUT_INTRO = """
## Five ways to paint a photo

All five take a **content** image (the photo) and most take a **style** image (the painting).
They differ in *what is learned, when*: Gatys learns nothing and optimises every picture from
scratch; AdaIN and Magenta learned once, from many paintings, to map any style in one pass;
CycleGAN learned one fixed style domain from unpaired photos; the VAE learns a compact code of the
painting and redraws the photo through it.

**The numbers under each output** are computed by the same judge for every method, at the same
size ({judge}), and read against two references: the untouched photo and a plain **colour
transfer** (the photo's colour histograms matched to the painting's), shown under every output
and in the table. A method transfers style on a pair only where it beats the colour transfer on
all three style scores:

- *style-loss ratio* ↓: Gram-matrix distance to the painting over the photo's (photo 1,
  painting 0). A recolouring alone lowers it, so read it beside the colour transfer.
- *texture ratio* ↓: the same after matching the colour histograms of the output and of the
  photo to the painting: the photo and any pure recolouring score 1; only texture moves it.
- *style gain* ↑: how far the output moved from the photo toward the painting in Magenta's
  style-embedding space (photo 0, painting 1, negative = away from it).
- *SSIM* ↑ and *content-loss ratio* ↓: how much of the photo is kept (photo 1 and 0).

Runtime excludes loading the networks (shown apart on first use).
"""

# Teaching notes per registered method name; the method's own `description` is shown under it.
FAMILY_NOTES = {
    "gatys": r"""
**Idea.** Treat the picture itself as the parameters. A pretrained VGG network describes
*content* by its feature maps $F^l$ and *style* by their correlations, the **Gram matrix**
$$G^l_{ij} = \frac{1}{N_l M_l}\sum_k F^l_{ik} F^l_{jk},$$
which keeps which features occur together but forgets where. The output $x$ minimises
$$\mathcal{L}(x) = \alpha \lVert F^{l_c}(x) - F^{l_c}(p) \rVert^2 + \beta \sum_l w_l \lVert G^l(x) - G^l(a) \rVert^2 + \gamma\,\mathrm{TV}(x)$$
for photo $p$ and painting $a$, by L-BFGS on the pixels.

**Can:** any style image, the most faithful texture transfer, every knob visible.
**Cannot:** run fast (hundreds of forward and backward passes per picture), or keep large
structures of the painting: a Gram matrix has no notion of layout.
""",
    "adain": r"""
**Idea.** Style lives largely in the per-channel mean and spread of a network's features.
*Adaptive instance normalisation* (Huang & Belongie 2017) re-normalises the content features $x$
with the style features' statistics:
$$\mathrm{AdaIN}(x, y) = \sigma(y)\,\frac{x - \mu(x)}{\sigma(x)} + \mu(y).$$
Three steps, as in the paper: a fixed **VGG encoder** (here VGG16-HED up to block4_conv1, the
equivalent of the paper's relu4_1) turns photo and painting into feature maps; **AdaIN** gives
the photo's features the painting's channel means and deviations; a **trained decoder** (the
encoder mirrored: nearest-neighbour upsampling, reflection-padded convolutions, no
normalisation) turns them back into an image. The decoder is the only trained part: it learned
to invert the encoder while matching the painting's feature statistics, on the project's train
photos and public-domain paintings, none of them the example images. Strength $\alpha$ blends
in feature space: $\alpha = 0$ decodes the photo's own features.

**Can:** any style image, in one forward pass, with a strength knob.
**Cannot:** carry structures larger than the encoder's receptive field; a decoder trained on
a CPU for about an hour (the paper's: 160,000 steps on a GPU) draws softer, blotchier
strokes; the numbers under it say how far it gets.
""",
    "magenta": r"""
**Idea.** The same one-pass, any-style idea as AdaIN, with the statistics predicted instead of
measured. **Magenta's arbitrary stylisation network (Ghiasi et al. 2017)**, the one TensorFlow
Hub serves: a style-prediction network (Inception-v3, distilled to MobileNet) turns the painting
into a 100-number vector, which sets the scale and shift of every instance-normalisation layer
of a feed-forward transformer network (conditional instance normalisation).

**How it differs from AdaIN.** AdaIN copies the painting's feature statistics at one layer of a
fixed VGG and needs only a decoder; Magenta learns a network that *predicts* normalisation
parameters for every layer of its own transformer, trained end to end on about 80,000 paintings.
Its strength knob blends the painting's 100 numbers with the photo's own.

**Can:** any style image, in one forward pass (well under a second), with a strength knob.
**Cannot:** reproduce brush strokes much larger than its receptive field, or styles far from
the paintings it was trained on; there is no optimisation to push further.
""",
    "cyclegan": r"""
**Idea.** Learn a mapping $G: X \to Y$ between two *unpaired* image collections (photos and,
say, a painter's works) with an adversarial loss that makes $G(x)$ look like domain $Y$, and
a reverse mapping $F: Y \to X$ tied to it by **cycle consistency**:
$$\mathcal{L}_{cyc} = \mathbb{E}_x \lVert F(G(x)) - x \rVert_1 + \mathbb{E}_y \lVert G(F(y)) - y \rVert_1.$$
Going there and back must return the input, so $G$ must keep the photo's content.

Here the project trained one generator per example painting, on photos that are never scored
(the domain $Y$ is crops of that one painting), with one addition to the paper's losses: a Gram
style loss on $G(x)$, as in Gatys' method. On a few minutes of CPU training the adversarial loss
alone taught the generators the painting's colours but not its texture. *auto* uses your painting's own generator, or
else the nearest one by style and says which and how near; *train* trains one for your painting,
starting from the nearest one of its network shape (about 9 minutes on 2 CPU cores the first time, then cached).

**Can:** a whole *domain's* look learned from examples, one fast forward pass.
**Cannot:** follow the style image you give: **CycleGAN does not read the style image**; its one
style is baked into its weights at training time. A new style means training a new network.
""",
    "vae": r"""
**Idea.** A variational autoencoder encodes an image into a distribution $q_\phi(z\mid x)$
over a small latent code and decodes it with $p_\theta(x\mid z)$. Training maximises the
evidence lower bound (**ELBO**):
$$\log p(x) \ge \mathbb{E}_{q_\phi(z\mid x)}[\log p_\theta(x\mid z)] - \beta\,\mathrm{KL}\big(q_\phi(z\mid x)\,\Vert\,p(z)\big).$$
Here a small VAE is fine-tuned on crops of the painting, so its decoder can only draw with
the painting's colours and textures; the photo is encoded, its latent statistics moved toward
the painting's, and decoded. The ELBO alone teaches the decoder the painting's palette, not its
texture (mode `style`: no better than a colour transfer). Mode `gram` (the default where the
train photos can be had) adds, as Johnson et al. 2016 do for a feed-forward network, a Gram
style loss and a content loss on decoded train photos: the decoder learns to draw a photo's
layout with the painting's strokes.

**Can:** learn a style from a single painting in under a minute, and sample variations.
**Cannot:** draw sharp detail (its latent is 1/4 of the photo's size in mode `gram`, 1/8 in the others, so
strokes are coarse and fine structure goes), or reuse training: every new painting means training again (cached afterwards).
""",
}


def about_markdown(registry: dict[str, type[Method]]) -> str:
    parts = [ABOUT_INTRO.replace("{judge}", judge_name())]
    for name, method in registry.items():
        style_note = "" if method.uses_style else " · *ignores the style image*"
        parts.append(f"---\n### {method.title}\n*{method.family}*{style_note}\n\n{method.description}\n"
                     + FAMILY_NOTES.get(name, ""))
    missing = [name for name in FAMILY_NOTES if name not in registry]
    if missing:
        parts.append("---\n### Not in this build\n" + "".join(
            f"\n#### {name}\n{FAMILY_NOTES[name]}" for name in missing))
    return "\n".join(parts)
