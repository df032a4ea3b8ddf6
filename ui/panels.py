"""What a method's panel shows: progress, a result's numbers beside the colour transfer's, and
failures in words, with no server paths."""
from __future__ import annotations

import re

from eval import metrics
from eval.stats import better  # the report's own rule, so page and report never disagree
from methods.base import MethodError, TimeUp
from methods.core import weights
from methods.core.images import ImageError

# (score, label with its direction): what the panels and the table show; raw losses go to the CSV only
SHOWN_SCORES = tuple((score, metrics.LABELS[score]) for score in
                     ("style_loss_ratio", "texture_ratio", "style_gain", "ssim", "content_loss_ratio"))
TABLE_SCORES = SHOWN_SCORES[:4]  # the panels and the table; the content-loss ratio is in the small print and CSV
METER_WIDTH = 20  # characters of the text progress meter


def beats(name: str, value: float, reference: float) -> bool:
    """Whether `value` is better than the colour transfer's `reference` on score `name`."""
    return bool(better(value, reference, name))


def verdict(scores: dict, reference: dict) -> str:
    """How an output compares with the colour transfer on this pair, in words."""
    won = [name for name in metrics.STYLE_SCORES if beats(name, scores[name], reference[name])]
    if len(won) == len(metrics.STYLE_SCORES):
        return "**Beats the colour transfer on all three style scores** on this pair."
    labels = dict(SHOWN_SCORES)
    which = f" ({', '.join(labels[name].rstrip(' ↑↓') for name in won)})" if won else ""
    return (f"**Beats the colour transfer on {len(won)} of {len(metrics.STYLE_SCORES)} style scores**{which}: "
            "on this pair it transfers no more style than a plain recolouring.")


def progress_text(title: str, fraction: float, message: str, elapsed: float) -> str:
    """A text progress meter, the seconds so far and, once a tenth is done, the seconds left at the
    pace so far."""
    filled = int(round(max(0.0, min(1.0, fraction)) * METER_WIDTH))
    meter = "█" * filled + "░" * (METER_WIDTH - filled)
    left = f", about {elapsed * (1 - fraction) / fraction:.0f} s left" if 0.1 <= fraction < 1 else ""
    return f"Running `{meter}` **{fraction:.0%}** · {elapsed:.0f} s{left}  \n{message}"


def loading_text(title: str) -> str:
    return f"First run of {title} on this server: loading its networks (once; later runs skip this)…"


def inputs_line(inputs: dict) -> str:
    """Which photo, painting and size a result was computed from (shown with it, so that no
    output is read against inputs it did not see)."""
    return f"photo `{inputs['photo']}` · painting `{inputs['painting']}` · {inputs['size']} px"


def fmt(value: float) -> str:
    return f"{value:.3f}"


def stopped_at(note: str) -> str:
    """How far an interrupted method got, from the note it returns with the image it had
    (methods.base.Interrupted.note, "stopped by the user at 40%: the image so far"):
    "stopped by the user at 40%"; "" for any other note."""
    return note.rsplit(": ", 1)[0] if note.endswith(": the image so far") else ""


def stats_text(record: dict) -> str:
    """A result's panel: its runtime, then (once scored) its numbers beside the colour transfer's."""
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
    words = f"\n\n{verdict(scores, reference)}" if reference else ""
    return (first + _score_rows(seconds, scores, reference) + words
            + f"\n\n<small>{record['width']}×{record['height']} px, judged at {metrics.JUDGE_SIDE} px like every "
            f"method; bold: the better of the two · content-loss ratio ↓ {scores['content_loss_ratio']:.3f}</small>"
            + note + source)


def _score_rows(seconds: str, scores: dict, reference: dict) -> str:
    """The panel's table: one score a row, so that it stays narrow (a phone, four columns side by side)."""
    rows = [f"| runtime | **{seconds}** |" + (" |" if reference else "")]
    for name, label in TABLE_SCORES:
        mine, theirs = scores[name], reference.get(name)
        if theirs is None:
            rows.append(f"| {label} | **{fmt(mine)}** |")
            continue
        mine_wins = mine >= theirs if label.endswith("↑") else mine <= theirs
        rows.append(f"| {label} | " + (f"**{fmt(mine)}** | {fmt(theirs)} |" if mine_wins
                                        else f"{fmt(mine)} | **{fmt(theirs)}** |"))
    header = "| score | this output |" + (" colour transfer |" if reference else "") + "\n|---|---|" + (
        "---|" if reference else "") + "\n"
    return header + "\n".join(rows)


def error_kind(error: BaseException) -> str:
    """The failure's label alone ("Weights unavailable"), for the comparison table's row."""
    return error_text(error).split(":**", 1)[0].lstrip("*")


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
