"""Statistics of a run's results table, as a reviewer expects them: bootstrap confidence
intervals of means, paired win rates against the colour-transfer baseline with Wilson
intervals, paired Wilcoxon signed-rank tests, and per-painting tables.

Every comparison is paired: two methods are compared only on the (content, style) pairs where
both produced an output, so an easy painting that one method failed on cannot flatter the other.
Pure functions of a pandas DataFrame with one row per job (see eval.runner).
"""
from __future__ import annotations

import itertools
import warnings

import numpy as np
import pandas as pd
from scipy import stats

from eval.metrics import DIRECTIONS, STYLE_SCORES
from eval.protocol import BASELINE, beats, better, method_variant
from methods.reference import COLOUR_TRANSFER, PHOTO
from methods.reference import FAMILY as REFERENCE_FAMILY

REFERENCES = (PHOTO, COLOUR_TRANSFER)
ALL_STYLE = "all style scores"  # the win-rate row that needs a win on every style score at once
PAIR = ["content", "style"]


def by_variant(results: pd.DataFrame) -> pd.DataFrame:
    """The table with each row's method replaced by what it is reported as (eval.protocol.method_variant:
    CycleGAN apart on paintings with their own generator and on stand-ins), for the summary tables."""
    if "method" not in results or results.empty:
        return results
    info = results["info"] if "info" in results else [None] * len(results)
    styles = results["style"] if "style" in results else [None] * len(results)
    return results.assign(method=[method_variant(method, i, style)
                                  for method, i, style in zip(results["method"], info, styles)])


def present(results: pd.DataFrame, scores=None) -> list[str]:
    """The scores of DIRECTIONS (or `scores`) that the table has, in their order."""
    return [s for s in (DIRECTIONS if scores is None else scores) if s in results.columns]


def ok_rows(results: pd.DataFrame) -> pd.DataFrame:
    return results[results["status"] == "ok"] if "status" in results else results


def paired(results: pd.DataFrame, score: str) -> pd.DataFrame:
    """(content, style) x method table of one score over the successful jobs (NaN: no output)."""
    ok = ok_rows(results)
    if ok.empty or score not in ok:
        return pd.DataFrame()
    values = ok.assign(**{score: pd.to_numeric(ok[score], errors="coerce")})
    return values.pivot_table(index=PAIR, columns="method", values=score, aggfunc="mean", dropna=False)


def flags(column) -> np.ndarray:
    """A boolean column that may have come back from CSV or JSON as text or NaN."""
    column = pd.Series(column)
    if column.dtype == object:
        column = column.map(lambda v: str(v).strip().lower() in ("true", "1", "yes") if isinstance(v, str) else v)
    return column.fillna(False).astype(bool).to_numpy()


def mean_ci(values, confidence: float = 0.95, n_resamples: int = 2000, seed: int = 0) -> tuple[float, float, float]:
    """Mean and bootstrap (BCa) confidence interval of the per-pair values; NaNs are dropped.

    One value: the interval is the point. Constant values: low = high = mean (BCa is undefined
    there). No values: all NaN."""
    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values)]
    if values.size == 0:
        return (np.nan, np.nan, np.nan)
    mean = float(values.mean())
    if values.size < 2 or np.ptp(values) == 0:
        return (mean, mean, mean)
    low = high = np.nan
    for method in ("BCa", "percentile"):  # BCa fails on degenerate resamples of tiny samples
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            interval = stats.bootstrap((values,), np.mean, confidence_level=confidence, n_resamples=n_resamples,
                                       method=method, rng=np.random.default_rng(seed)).confidence_interval
        low, high = float(interval.low), float(interval.high)
        if np.isfinite(low) and np.isfinite(high):
            break
    return (mean, low, high)


def wilson(wins: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    if n == 0:
        return (np.nan, np.nan)
    interval = stats.binomtest(int(wins), int(n)).proportion_ci(confidence_level=confidence, method="wilson")
    return (float(interval.low), float(interval.high))


def win_rates(results: pd.DataFrame, baseline: str = BASELINE, scores=None) -> pd.DataFrame:
    """Per method (the baseline excluded) and score: on how many of the pairs both produced an
    output the method is strictly better than the baseline, with a 95 % Wilson interval.
    The ALL_STYLE row counts the protocol's wins (eval.protocol.beats: every one of the
    STYLE_SCORES present better at once).
    Columns: method, score, n, wins, rate, low, high."""
    scores = present(results, scores)
    style = present(results, STYLE_SCORES)
    tables = {score: paired(results, score) for score in set(scores) | set(style)}
    rows = []
    methods = [m for m in dict.fromkeys(ok_rows(results)["method"]) if m != baseline]
    for method in methods:
        for score in [*scores, *([ALL_STYLE] if style else [])]:
            parts = style if score == ALL_STYLE else [score]
            frames = [tables[s] for s in parts]
            if any(baseline not in f or method not in f for f in frames):
                continue
            both = np.logical_and.reduce([f[method].notna() & f[baseline].notna() for f in frames])
            won = beats({s: f[method][both] for f, s in zip(frames, parts)},
                        {s: f[baseline][both] for f, s in zip(frames, parts)}, parts)
            n, wins = int(both.sum()), int(np.sum(won))
            low, high = wilson(wins, n)
            rows.append({"method": method, "score": score, "n": n, "wins": wins,
                         "rate": wins / n if n else np.nan, "low": low, "high": high})
    return pd.DataFrame(rows, columns=["method", "score", "n", "wins", "rate", "low", "high"])


def wilcoxon_table(results: pd.DataFrame, score: str | None = None) -> pd.DataFrame:
    """Paired Wilcoxon signed-rank test between every two methods on the pairs both have, for
    one score or (score=None) every score present. median_diff is the median of a - b. p_holm:
    Holm's correction over the method pairs of the same score, since many pairs are tested at
    once; `better` names the method the score's direction favours where p_holm < 0.05.
    Columns: score, a, b, n, median_diff, statistic, p, p_holm, better."""
    frames = []
    for name in ([score] if score else present(results)):
        table = paired(results, name)
        table = table[[m for m in dict.fromkeys(results["method"]) if m in table.columns]]  # the run's order
        rows = []
        for a, b in itertools.combinations(list(table.columns), 2):
            both = table[[a, b]].dropna()
            diff = (both[a] - both[b]).to_numpy()
            statistic, p = np.nan, np.nan
            if len(diff) and not np.any(diff):
                p = 1.0  # identical outputs: no evidence of a difference, and scipy refuses all-zero input
            elif len(diff):
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    try:
                        test = stats.wilcoxon(both[a], both[b])
                        statistic, p = float(test.statistic), float(test.pvalue)
                    except ValueError:
                        pass  # too few non-zero differences for scipy: p stays NaN
            median = float(np.median(diff)) if len(diff) else np.nan
            rows.append({"score": name, "a": a, "b": b, "n": len(diff), "median_diff": median,
                         "statistic": statistic, "p": p})
        frame = pd.DataFrame(rows, columns=["score", "a", "b", "n", "median_diff", "statistic", "p"])
        frame["p_holm"] = holm(frame["p"].to_numpy(float))
        frame["better"] = [
            (a if bool(better(median, 0.0, name)) else b) if adjusted < 0.05 and median != 0 else ""
            for a, b, median, adjusted in zip(frame["a"], frame["b"], frame["median_diff"], frame["p_holm"])]
        frames.append(frame)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(
        columns=["score", "a", "b", "n", "median_diff", "statistic", "p", "p_holm", "better"])


def holm(p: np.ndarray) -> np.ndarray:
    """Holm-Bonferroni adjusted p-values (NaNs kept, not counted)."""
    adjusted = np.full(len(p), np.nan)
    finite = np.flatnonzero(np.isfinite(p))
    order = finite[np.argsort(p[finite], kind="stable")]
    m = len(order)
    running = 0.0
    for rank, index in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p[index]))
        adjusted[index] = running
    return adjusted


def per_painting(results: pd.DataFrame, score: str, agg: str = "mean") -> pd.DataFrame:
    """method x style table of `score`, the `agg` (mean by default) over the photos."""
    ok = ok_rows(results)
    if ok.empty or score not in ok:
        return pd.DataFrame()
    values = ok.assign(**{score: pd.to_numeric(ok[score], errors="coerce")})
    table = values.pivot_table(index="method", columns="style", values=score, aggfunc=agg)
    return table.reindex([m for m in dict.fromkeys(ok["method"]) if m in table.index])


def method_table(results: pd.DataFrame) -> pd.DataFrame:
    """Per method: family, jobs, errors, for each score its mean over the pairs with a 95 %
    bootstrap interval (`<score>`, `<score> low`, `<score> high`), seconds per image of warm
    calls (the first call of a method in a worker pays one-off tracing costs; it is shown apart
    as `first call seconds`), and `seen in training`: pairs whose photo the model trained on.
    Reference methods come first. No composite rank: it would mix speed with quality."""
    methods = list(dict.fromkeys(results["method"]))
    methods = [m for m in REFERENCES if m in methods] + [m for m in methods if m not in REFERENCES]
    ok = ok_rows(results)
    rows = []
    for method in methods:
        mine, good = results[results["method"] == method], ok[ok["method"] == method]
        family = next((f for f in mine.get("family", pd.Series(dtype=object)) if isinstance(f, str) and f), "")
        row = {"method": method, "family": family, "jobs": len(mine),
               "reference": method in REFERENCES or family == REFERENCE_FAMILY,
               "errors": int((mine["status"] != "ok").sum()) if "status" in mine else 0}
        for score in present(results):
            row[score], row[f"{score} low"], row[f"{score} high"] = mean_ci(pd.to_numeric(good[score], errors="coerce"))
        seconds = pd.to_numeric(good.get("seconds", pd.Series(dtype=float)), errors="coerce")
        if "first_call" in good and len(good):
            first = flags(good["first_call"])
            row["seconds"] = seconds[~first].mean() if (~first).any() else seconds.mean()
            row["first call seconds"] = seconds[first].mean() if first.any() else np.nan
        else:
            row["seconds"], row["first call seconds"] = seconds.mean(), np.nan
        row["seen in training"] = int(flags(good["seen_in_training"]).sum()) if "seen_in_training" in good else 0
        rows.append(row)
    return pd.DataFrame(rows).set_index("method")
