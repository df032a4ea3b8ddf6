"""The report's words and numbers: how a value is printed, which method is best on a score,
and the plain-words verdict on each method (eval.protocol's rule), shared by summary.md, the
page and the plots."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd

from eval import protocol, stats
from eval.metrics import DIRECTIONS, STYLE_SCORES
from methods.reference import COLOUR_TRANSFER

PAINTING_SCORES = ("texture_ratio", "style_gain", "style_loss_ratio")


def hint(score: str) -> str:
    return f"{DIRECTIONS[score]} is better"


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


def verdict(wins: pd.DataFrame, method: str) -> tuple[bool | None, str]:
    """(transfers style?, one plain sentence). It transfers style only where it beats the colour
    transfer on every style score at once on most pairs: anything less is what a recolouring does."""
    row = wins_of(wins, method, stats.ALL_STYLE)
    if row is None or not row["n"]:
        return None, f"not compared: the run has no {COLOUR_TRANSFER} outputs on the same pairs"
    share = (f"beats it on all {len(STYLE_SCORES)} style scores at once on "
             f"{percent(row['rate'], row['low'], row['high'])} of {row['n']} pairs")
    if protocol.transfers_style(row["rate"]):
        caveat = ("; the interval reaches below half, so more pairs are needed to be sure"
                  if not protocol.transfers_style(row["low"]) else "")
        return True, f"transfers style beyond a colour transfer: {share}{caveat}"
    return False, f"does not transfer style beyond a colour transfer: {share}"


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
