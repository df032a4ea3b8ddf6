"""What a method's panel and the comparison table show: progress, a result's numbers beside the
colour transfer's, failures in words (no server paths), the table and its downloads.

The judge (eval.metrics) is imported lazily: `from eval import metrics` pulls in scikit-image.metrics.
"""
from __future__ import annotations

import re
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from methods.core import weights
from methods.base import MethodError, TimeUp
from methods.core.images import ImageError, save_png

OUTPUT_MAX_AGE_S = 3600  # download folders older than this are pruned at the next run
# (score, label with its direction): what the panels and the table show; raw losses go to the CSV only
SHOWN_SCORES = (("style_loss_ratio", "style-loss ratio ↓"), ("texture_ratio", "texture ratio ↓"),
                ("style_gain", "style gain ↑"), ("ssim", "SSIM ↑"),
                ("content_loss_ratio", "content-loss ratio ↓"))
TABLE_SCORES = SHOWN_SCORES[:4]  # the panels and the table; the content-loss ratio is in the small print and CSV
CSV_SCORES = ("style_loss_ratio", "texture_ratio", "style_gain", "ssim", "content_loss_ratio", "style_similarity",
              "style_loss", "texture_loss", "content_loss")


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
    return (first + header + "\n".join(rows) + words + f"\n\n<small>{record['width']}×{record['height']} px, "
            f"judged at {judge_side()} px like every method; bold: the better of the two · content-loss ratio ↓ "
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
