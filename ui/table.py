"""The comparison of a run's outputs (Markdown) and its downloads: each output as PNG, every raw
score as CSV."""
from __future__ import annotations

import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from eval import metrics
from methods.core.images import save_png
from ui.panels import TABLE_SCORES, beats, fmt, stopped_at

OUTPUT_MAX_AGE_S = 3600  # download folders older than this are pruned at the next run
CSV_SCORES = ("style_loss_ratio", "texture_ratio", "style_gain", "ssim", "content_loss_ratio", "style_similarity",
              "style_loss", "texture_loss", "content_loss")


def current_records(run: str | None, records: list[dict | None]) -> list[dict]:
    """This run's records that get a row: scored outputs, and methods that failed or were stopped
    (their `status`); a table never mixes two runs' inputs."""
    return [r for r in records if r and (r.get("scores") or r.get("status") in ("failed", "stopped"))
            and r.get("run") == run]


def status_text(record: dict) -> str:
    """Why a method has no scores: "stopped before it finished", "failed (Weights unavailable)"."""
    if record.get("status") == "stopped":
        return "stopped before it finished"
    return f"failed ({record['reason']})" if record.get("reason") else "failed"


def table_and_files(run: str | None, records: list[dict | None]) -> tuple[str, list[str] | None]:
    """The comparison (Markdown: one row per method of this run, a failed or stopped one saying
    so, the colour transfer below, the best value of every score in bold), its output PNGs and the
    table as CSV."""
    rows = current_records(run, records)
    if not rows:
        return "", None
    scored = [r for r in rows if r.get("scores")]
    reference = next((r["reference"] for r in scored if r.get("reference")), None)
    return _markdown(rows, reference), _write_files(rows, reference)


def _markdown(rows: list[dict], reference: dict | None) -> str:
    done = [r for r in rows if r.get("scores")]
    best = {}
    for name, _ in TABLE_SCORES:
        values = [r["scores"][name] for r in done]
        if values:
            best[name] = max(values) if metrics.DIRECTIONS[name] == "higher" else min(values)

    def cells(scores, bold=True):
        return " | ".join(f"**{fmt(scores[n])}**" if bold and fmt(scores[n]) == fmt(best[n]) else fmt(scores[n])
                          for n, _ in TABLE_SCORES)

    lines = [f"Photo **{rows[0]['inputs']['photo']}** · painting **{rows[0]['inputs']['painting']}**, "
             f"every output judged at {metrics.JUDGE_SIDE} px. **Bold**: the best method on that score "
             "(↓ lower is better, ↑ higher). A method transfers style on this pair where it beats the colour "
             "transfer on all three style scores.", "",
             "| method | runtime | " + " | ".join(label for _, label in TABLE_SCORES) + " | beats colour transfer |",
             "|---|---|" + "---|" * len(TABLE_SCORES) + "---|"]
    for r in rows:
        if not r.get("scores"):
            lines.append(f"| {r['title']} | {status_text(r)} | " + "— | " * len(TABLE_SCORES) + "— |")
            continue
        won = (f"{sum(beats(n, r['scores'][n], r['reference'][n]) for n in metrics.STYLE_SCORES)}/3 style scores"
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
    return "\n".join(lines)


def _write_files(rows: list[dict], reference: dict | None) -> list[str]:
    folder = Path(tempfile.mkdtemp(prefix="run-", dir=_outputs_root()))
    files = [str(save_png(r["image"], folder / f"stylebench_{r['name']}.png"))
             for r in rows if r.get("image") is not None]
    csv = folder / "stylebench_comparison.csv"
    raw = [{"method": r["title"], "photo": r["inputs"]["photo"], "painting": r["inputs"]["painting"],
            "status": status_text(r) if r.get("status") else "done", "seconds": r.get("seconds"),
            **{n: r["scores"][n] for n in CSV_SCORES if r.get("scores")},
            "width": r.get("width"), "height": r.get("height")} for r in rows]
    if reference:
        raw.append({"method": "colour transfer (reference)", "photo": rows[0]["inputs"]["photo"],
                    "painting": rows[0]["inputs"]["painting"], "status": "done",
                    **{n: reference[n] for n in CSV_SCORES}})
    pd.DataFrame(raw).to_csv(csv, index=False)
    return files + [str(csv)]


def output_file(image: np.ndarray, name: str) -> str:
    """A finished output as a PNG file written once, for every update that shows it.

    Gradio writes an array output to its cache at a path named by the content's hash, and rewrites
    that file in place each time the same array is sent again: a browser fetching it meanwhile can
    read a truncated PNG and keep a broken image. A file path output is copied into the cache only
    when it is not there yet.
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
