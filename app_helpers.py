"""What the Gradio app does besides layout: example files, reading uploads, running one
method with streamed progress, scoring, the comparison table, the About text.

Nothing here loads a network at import; methods load lazily (cached per process, shared by
every user) the first time they run.
"""
from __future__ import annotations

import queue
import tempfile
import threading
import time
from pathlib import Path

import gradio as gr
import numpy as np
import pandas as pd

from methods import weights
from methods.base import Method, MethodError
from methods.images import ImageError, load_image, save_png

STYLE_MAX_SIDE = 512
PREVIEW_EVERY_S = 0.75  # stream at most this often: each preview is a PNG sent to the page
OUTPUT_MAX_AGE_S = 3600  # download folders older than this are pruned at the next run
# (score, label with its direction): what the panels and the table show; raw losses go to the CSV only
SHOWN_SCORES = (("style_loss_ratio", "style-loss ratio ↓"), ("texture_ratio", "texture ratio ↓"),
                ("style_gain", "style gain ↑"), ("ssim", "SSIM ↑"), ("content_loss_ratio", "content-loss ratio ↓"))
TABLE_COLUMNS = ["method", "runtime (s)", *(label for _, label in SHOWN_SCORES), "vs colour transfer", "size"]
CSV_SCORES = ("style_loss_ratio", "texture_ratio", "style_gain", "ssim", "content_loss_ratio", "style_similarity",
              "style_loss", "texture_loss", "content_loss")
# metrics and Judge are imported lazily: `from eval import metrics` pulls in scikit-image.metrics
_SCORE_LOCK = threading.Lock()  # the judge's per-image cache is not thread-safe


def compared(registry: dict[str, type[Method]]) -> dict[str, type[Method]]:
    """The methods that get a column: the reference rows are computed beside every method instead."""
    from methods.reference import FAMILY

    return {name: method for name, method in registry.items() if method.family != FAMILY}


def is_heavy(method: type[Method]) -> bool:
    """Methods that iterate (a `steps` parameter: Gatys, VAE training) run one at a time."""
    return any(param.name == "steps" for param in method.params)


# -- examples ----------------------------------------------------------------------------------
def example_files() -> tuple[list[str], list[str]]:
    """(content example paths, style example paths), found offline only.

    scikit-image photos ship in its wheel and are written once as PNG into the cache; the
    shared image set is used where a mirror or the cache has it (never downloaded here).
    """
    from eval import imageset

    folder = weights.cache_home() / "app-examples"
    contents, styles = [], []
    for entry in imageset.CONTENTS:
        try:
            if entry.skimage:
                path = folder / f"{entry.name}.png"
                if not path.is_file():
                    save_png(imageset.load(entry, max_side=512), path)
            else:
                path = imageset.locate(entry, download=False)
            contents.append(str(path))
        except (imageset.ImageSetError, OSError):
            continue
    for entry in imageset.STYLES:
        try:
            styles.append(str(imageset.locate(entry, download=False)))
        except imageset.ImageSetError:
            continue
    return contents, styles


# -- inputs ------------------------------------------------------------------------------------
def upload_path(payload) -> str | None:
    """The server-side path of an image component's raw value (events run with preprocess=False,
    so that our image module, not Gradio's, decodes and judges the file)."""
    if payload is None:
        return None
    if isinstance(payload, dict):
        return payload.get("path")
    return getattr(payload, "path", None) or (payload if isinstance(payload, str) else None)


def read_image(payload, label: str, max_side: int) -> np.ndarray:
    """The uploaded image as float32 RGB, or gr.Error saying in words what is wrong."""
    path = upload_path(payload)
    if not path:
        raise gr.Error(f"Please give a {label} image (upload, webcam, paste or pick an example).",
                       title=f"No {label} image", print_exception=False)
    try:
        return load_image(path, max_side=max_side)
    except ImageError as error:
        message = str(error).replace(str(path), "the uploaded file")
        raise gr.Error(f"The {label} image cannot be used: {message}.", title=f"Bad {label} image",
                       duration=None, print_exception=False) from None


# -- running one method ------------------------------------------------------------------------
def stream_stylize(method: Method, content: np.ndarray, style: np.ndarray, params: dict):
    """Run `method.stylize` in a worker thread; yield ("progress", fraction, message, preview)
    as it reports, then ("done", Result) or ("error", exception).

    on_progress is called from inside the method's loop, so a generator cannot yield from it
    directly: a queue hands the reports over. Previews are thinned to one per PREVIEW_EVERY_S.
    """
    reports: queue.Queue = queue.Queue()

    def on_progress(fraction, message, preview=None):
        reports.put(("progress", float(fraction), str(message), preview))

    def work():
        try:
            reports.put(("done", method.stylize(content, style, on_progress=on_progress, **params)))
        except Exception as error:  # reported in the method's own panel
            reports.put(("error", error))

    threading.Thread(target=work, name=f"stylize-{method.name}", daemon=True).start()
    pending, last_sent = None, 0.0
    while True:
        try:
            item = reports.get(timeout=PREVIEW_EVERY_S)
        except queue.Empty:
            item = None
        if item is not None and item[0] != "progress":
            yield item
            return
        if item is not None:  # merge: the newest message, the newest preview seen since last sent
            preview = item[3] if item[3] is not None or pending is None else pending[3]
            pending = (*item[:3], preview)
        if pending is not None and time.monotonic() - last_sent >= PREVIEW_EVERY_S:
            yield pending
            pending, last_sent = None, time.monotonic()


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
    from eval import metrics

    return value < reference if metrics.DIRECTIONS[name] == "lower" else value > reference


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


def stats_text(record: dict) -> str:
    seconds = f"{record['seconds']:.2f} s"
    if record.get("load_seconds", 0) >= 0.5:
        seconds += f" (+{record['load_seconds']:.1f} s loading)"
    note = f"\n\n<small>{record['note']}</small>" if record.get("note") else ""  # e.g. CycleGAN's checkpoint
    scores = record.get("scores")
    if scores is None:
        return f"Done in **{seconds}**; " + ("scoring…" if record.get("scoring", True)
                                             else "no style image to score against") + note
    shown = SHOWN_SCORES[:4]
    header = "| runtime | " + " | ".join(label for _, label in shown) + " |\n|---|" + "---|" * len(shown) + "\n"
    row = f"| **{seconds}** | " + " | ".join(f"**{scores[name]:.3f}**" for name, _ in shown) + " |\n"
    reference = record.get("reference")
    if reference:
        row += "| colour transfer | " + " | ".join(f"{reference[name]:.3f}" for name, _ in shown) + " |\n"
    words = f"\n{verdict(scores, reference)}\n" if reference else ""
    return (header + row + words + f"\n<small>{record['width']}×{record['height']} px, judged at "
            f"{judge_side()} px like every method · content-loss ratio {scores['content_loss_ratio']:.3f}</small>"
            + note)


def error_text(error: BaseException) -> str:
    kind = "Invalid setting" if isinstance(error, MethodError) else f"Failed ({type(error).__name__})"
    return f"**{kind}:** {error}"


# -- comparison table and downloads ------------------------------------------------------------
def table_and_files(records: list[dict | None]) -> tuple[pd.DataFrame, list[str] | None]:
    """One row per finished method; its output PNGs and the table as CSV for download."""
    from eval import metrics

    done = [r for r in records if r and r.get("scores")]
    reference = next((r["reference"] for r in done if r.get("reference")), None)

    def row(title, seconds, scores, size, versus):
        return {"method": title, "runtime (s)": seconds,
                **{label: round(scores[name], 3) for name, label in SHOWN_SCORES},
                "vs colour transfer": versus, "size": size}

    rows = [row(r["title"], round(r["seconds"], 2), r["scores"], f"{r['width']}x{r['height']}",
                f"{sum(_better(n, r['scores'][n], r['reference'][n]) for n in metrics.STYLE_SCORES)}/3 style scores"
                if r.get("reference") else "") for r in done]
    if reference:
        rows.append(row("colour transfer (reference)", 0.0, reference, "", "—"))
    table = pd.DataFrame(rows, columns=TABLE_COLUMNS)
    if not done:
        return table, None
    folder = Path(tempfile.mkdtemp(prefix="run-", dir=_outputs_root()))
    files = [str(save_png(r["image"], folder / f"stylebench_{r['name']}.png")) for r in done]
    csv = folder / "stylebench_comparison.csv"
    raw = [{"method": r["title"], "seconds": r["seconds"], **{n: r["scores"][n] for n in CSV_SCORES},
            "width": r["width"], "height": r["height"]} for r in done]
    if reference:
        raw.append({"method": "colour transfer (reference)", **{n: reference[n] for n in CSV_SCORES}})
    pd.DataFrame(raw).to_csv(csv, index=False)
    return table, files + [str(csv)]


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
## Four ways to paint a photo

All four take a **content** image (the photo) and most take a **style** image (the painting).
They differ in *what is learned, when*: Gatys learns nothing and optimises every picture from
scratch; the AdaIN family learned once, from many paintings, to map any style in one pass;
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
The column here is **Magenta's arbitrary stylisation network (Ghiasi et al. 2017)**, the one
TensorFlow Hub serves: a style-prediction network turns the painting into a 100-number vector,
which sets the scale and shift of every instance-normalisation layer of a feed-forward
transformer network. Same idea (the style sets normalisation statistics), a different network:
it is *not* Huang & Belongie's VGG encoder with a trained decoder.

**Can:** any style image, in one forward pass (well under a second), with a strength knob.
**Cannot:** reproduce brush strokes much larger than its receptive field, or styles far from
the ~80,000 paintings it was trained on; there is no optimisation to push further.
""",
    "cyclegan": r"""
**Idea.** Learn a mapping $G: X \to Y$ between two *unpaired* image collections (photos and,
say, a painter's works) with an adversarial loss that makes $G(x)$ look like domain $Y$, and
a reverse mapping $F: Y \to X$ tied to it by **cycle consistency**:
$$\mathcal{L}_{cyc} = \mathbb{E}_x \lVert F(G(x)) - x \rVert_1 + \mathbb{E}_y \lVert G(F(y)) - y \rVert_1.$$
Going there and back must return the input, so $G$ must keep the photo's content.

**Can:** a whole *domain's* look learned from examples, one fast forward pass.
**Cannot:** follow the style image you give: **CycleGAN ignores the style image**; its one
style is baked into its weights at training time. A new style means training a new network.
""",
    "vae": r"""
**Idea.** A variational autoencoder encodes an image into a distribution $q_\phi(z\mid x)$
over a small latent code and decodes it with $p_\theta(x\mid z)$. Training maximises the
evidence lower bound (**ELBO**):
$$\log p(x) \ge \mathbb{E}_{q_\phi(z\mid x)}[\log p_\theta(x\mid z)] - \beta\,\mathrm{KL}\big(q_\phi(z\mid x)\,\Vert\,p(z)\big).$$
Here a small VAE is fine-tuned on crops of the painting, so its decoder can only draw with
the painting's colours and textures; the photo is encoded, its latent statistics moved toward
the painting's, and decoded.

**Can:** learn a style from a single painting in a minute or two, and sample variations.
**Cannot:** draw sharp detail (the decoder averages, results are soft), or reuse training:
every new painting means training again (cached afterwards).
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
