"""The report's words and numbers: how a value is printed, which method is best on a score,
and the plain-words verdict on each method (eval.protocol's rule), shared by summary.md, the
page and the plots."""
from __future__ import annotations

import json
from collections.abc import Mapping
from typing import NamedTuple

import numpy as np
import pandas as pd

from eval import protocol, stats
from eval.metrics import DIRECTIONS, LABELS, STYLE_SCORES
from methods.reference import COLOUR_TRANSFER

PAINTING_SCORES = ("texture_ratio", "style_gain", "style_loss_ratio")
# a verdict's call, also the CSS class that colours it on the page
TRANSFERS, DOES_NOT, CANNOT_TELL, NOT_COMPARED = "yes", "no", "unsure", ""
CALL_WORDS = {TRANSFERS: "transfers style", DOES_NOT: "does not transfer style",
              CANNOT_TELL: "not enough pairs to tell", NOT_COMPARED: "not compared"}


def hint(score: str) -> str:
    return f"{DIRECTIONS[score]} is better"


def label(score: str) -> str:
    """The name the app shows for a score (eval.metrics.LABELS), or the score's own name."""
    return LABELS.get(score, score)


def plain(value) -> str:
    """A setting in words: a mapping as `key value` items (nested ones as `key: items; ...`), a list
    comma-separated; never a Python repr."""
    if isinstance(value, Mapping):
        if not value:
            return "defaults"
        if any(isinstance(v, Mapping) for v in value.values()):
            return "; ".join(f"{k}: {plain(v)}" for k, v in value.items())
        return ", ".join(f"{k} {plain(v)}" for k, v in value.items())
    if isinstance(value, (list, tuple, set)):
        return ", ".join(map(plain, value))
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if isinstance(value, (float, np.floating)):
        return f"{value:g}"
    return str(value)


def num(value) -> str:
    """Two decimals, or two significant digits for values below 0.1."""
    if value is None or not np.isfinite(value):
        return ""
    return f"{value:.2f}" if abs(value) >= 0.095 or value == 0 else f"{value:.2g}"


def with_ci(mean, low, high) -> str:
    return "" if not np.isfinite(mean) else f"{num(mean)} [{num(low)}, {num(high)}]"


def percent(rate, low, high) -> str:
    return f"{rate * 100:.0f} % (95 % CI {low * 100:.0f}–{high * 100:.0f} %)" if np.isfinite(rate) else "no pairs"


def best_methods(table: pd.DataFrame) -> dict[str, str]:
    """score -> the non-reference method with the best mean (none when there is only one)."""
    candidates = table[~table["reference"].astype(bool)]
    best = {}
    if len(candidates) < 2:
        return best
    for score in stats.present(table):
        values = candidates[score].dropna()
        if len(values):
            best[score] = values.idxmin() if DIRECTIONS[score] == "lower" else values.idxmax()
    return best


def wins_of(wins: pd.DataFrame, method: str, score: str) -> pd.Series | None:
    match = wins[(wins["method"] == method) & (wins["score"] == score)]
    return match.iloc[0] if len(match) else None


class Verdict(NamedTuple):
    """A method's answer: the call (TRANSFERS, DOES_NOT, CANNOT_TELL or NOT_COMPARED), its words, the
    share of pairs won on all style scores at once with its 95 % interval and pair count, and the
    whole plain sentence."""

    call: str
    words: str
    rate: float
    low: float
    high: float
    n: int
    sentence: str


def verdict(wins: pd.DataFrame, method: str) -> Verdict:
    """Whether a method transfers style: it does where it beats the colour transfer on every style
    score at once on most pairs (eval.protocol.transfers_style), anything less is what a recolouring
    does. The same rule for every method: only where the whole 95 % interval is on one side of the
    protocol's majority is there a call; an interval that spans it has not enough pairs to tell."""
    row = wins_of(wins, method, stats.ALL_STYLE)
    if row is None or not row["n"]:
        return Verdict(NOT_COMPARED, CALL_WORDS[NOT_COMPARED], np.nan, np.nan, np.nan, 0,
                       f"not compared: the run has no {COLOUR_TRANSFER} outputs on the same pairs")
    share = (f"beats it on all {len(STYLE_SCORES)} style scores at once on "
             f"{percent(row['rate'], row['low'], row['high'])} of {row['n']} pairs")
    if protocol.transfers_style(row["low"]):
        call, sentence = TRANSFERS, f"transfers style beyond a colour transfer: {share}"
    elif not protocol.transfers_style(row["high"]):
        call, sentence = DOES_NOT, f"does not transfer style beyond a colour transfer: {share}"
    else:
        call, sentence = CANNOT_TELL, (f"not enough pairs to tell whether it transfers style beyond a colour "
                                       f"transfer: {share}, and the interval spans one half")
    return Verdict(call, CALL_WORDS[call], float(row["rate"]), float(row["low"]), float(row["high"]),
                   int(row["n"]), sentence)


def seen_note(table: pd.DataFrame, method: str) -> str:
    seen, pairs = int(table.at[method, "seen in training"]), int(table.at[method, "jobs"] - table.at[method, "errors"])
    return (f"{seen} of {pairs} pairs use photos this model was trained on: those are not held-out numbers"
            if seen else "")


def method_notes(results: pd.DataFrame) -> pd.DataFrame:
    """What methods said about their runs (their info's "note", e.g. that CycleGAN ignored the
    style image) with the number of jobs that said it."""
    said = []
    for method, info in zip(results["method"], results.get("info", pd.Series(dtype=object))):
        try:
            note = json.loads(info).get("note") if isinstance(info, str) else None
        except (ValueError, AttributeError):
            note = None
        if note:
            said.append((method, note))
    return pd.DataFrame(said, columns=["method", "note"]).value_counts().rename("jobs").reset_index()


def painting_tables(results: pd.DataFrame) -> dict[str, pd.DataFrame]:
    return {s: t for s in PAINTING_SCORES if s in results and not (t := stats.per_painting(results, s)).empty}
