"""The report's pictures: quality against speed (with its Pareto front), the style scores per
method beside the references, style against content, and the contact sheet of every output."""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from eval import protocol, stats
from eval.metrics import DIRECTIONS, STYLE_SCORES
from eval.report.words import hint, label
from methods.core.images import to_uint8
from methods.reference import COLOUR_TRANSFER

TILE = 128  # contact sheet cell height in pixels


def plots(results: pd.DataFrame, table: pd.DataFrame, wins: pd.DataFrame, folder: Path) -> list[Path]:
    """Quality against speed (with its Pareto front), the style scores' spread per method with
    the references beside them, and style against content per job."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    folder.mkdir(exist_ok=True)
    ok = stats.ok_rows(results)
    references = table.index[table["reference"].astype(bool)]
    methods = [m for m in table.index if m in set(ok["method"])]
    paths = [_pareto(plt, table, wins, folder / "pareto.png")]

    shown = stats.present(results, ("texture_ratio", "style_gain")) or stats.present(results, STYLE_SCORES)[:2]
    figure, axes = plt.subplots(1, max(1, len(shown)), figsize=(6.5 * max(1, len(shown)), 4.5), squeeze=False)
    for axis, score in zip(axes[0], shown):
        data = [pd.to_numeric(ok.loc[ok["method"] == m, score], errors="coerce").dropna().to_numpy() for m in methods]
        if methods:
            boxes = axis.boxplot(data, tick_labels=methods, showmeans=True, patch_artist=True)
            for method, box in zip(methods, boxes["boxes"]):
                box.set_facecolor("#dddddd" if method in references else "#9ecae1")
        for colour, method in zip(("#555555", "#c0392b"), [m for m in references if m in methods]):
            median = np.median(data[methods.index(method)]) if len(data[methods.index(method)]) else np.nan
            axis.axhline(median, color=colour, ls="--", lw=1, label=f"{method} median")
        axis.set(title=f"{label(score)} per pair ({hint(score)})", ylabel=label(score))
        axis.tick_params(axis="x", rotation=30)
        if len(references):
            axis.legend(fontsize=8)
    paths.append(_save(figure, folder / "style_scores.png"))

    x_score = "ssim" if "ssim" in ok else "content_loss_ratio"
    y_score = (stats.present(results, ("texture_ratio", "style_loss_ratio")) or [None])[0]
    figure, axis = plt.subplots(figsize=(6.5, 4.5))
    if y_score and x_score in ok:
        for method in methods:
            rows = ok[ok["method"] == method]
            axis.scatter(rows[x_score], rows[y_score], label=method, alpha=0.75,
                         marker="s" if method in references else "o", s=22)
        axis.legend(fontsize=8)
        axis.set(xlabel=f"{label(x_score)} ({hint(x_score)})", ylabel=f"{label(y_score)} ({hint(y_score)})")
    axis.set(title="Style against content, per pair")
    paths.append(_save(figure, folder / "style_vs_content.png"))
    return paths


def _pareto(plt, table: pd.DataFrame, wins: pd.DataFrame, path: Path) -> Path:
    """x: warm seconds per image (log); y: share of pairs won on all style scores against the
    colour transfer or, without one in the run, the mean of the first style score present."""
    candidates = table[~table["reference"].astype(bool) & (table["seconds"] > 0)]
    all_style = wins[wins["score"] == stats.ALL_STYLE].set_index("method")
    scores = stats.present(table, STYLE_SCORES)
    if candidates.index.isin(all_style.index).any():
        candidates = candidates[candidates.index.isin(all_style.index)]
        y, low, high = (all_style.loc[candidates.index, c] for c in ("rate", "low", "high"))
        ylabel, higher = f"share of pairs beating {COLOUR_TRANSFER} on all style scores", True
    elif scores:
        y, low, high = (candidates[c] for c in (scores[0], f"{scores[0]} low", f"{scores[0]} high"))
        ylabel, higher = f"mean {label(scores[0])} ({hint(scores[0])})", DIRECTIONS[scores[0]] == "higher"
    else:
        candidates = candidates.iloc[:0]
    figure, axis = plt.subplots(figsize=(6.5, 4.5))
    if len(candidates):
        x = candidates["seconds"]
        axis.errorbar(x, y, yerr=[y - low, high - y], fmt="o", capsize=3, color="#2c7fb8")
        # names alternately above and below in order of speed, so that neighbours do not overwrite each other;
        # the slowest one's to the left of its point, inside the axes
        for i, method in enumerate(order := x.sort_values().index):
            last = method == order[-1]
            axis.annotate(method, (x[method], y[method]), textcoords="offset points", fontsize=9,
                          xytext=(-5 if last else 5, 4 if i % 2 == 0 else -12), ha="right" if last else "left")
        front, best = [], -np.inf
        for method in order:  # faster first: on the front when better than every faster one
            if (value := y[method] if higher else -y[method]) > best:
                front.append(method)
                best = value
        # the staircase of the best quality at each speed, on to the slowest method: one front point still draws a line
        if front:
            axis.step([*x[front], x.max()], [*y[front], y[front[-1]]], where="post", color="#e6550d", lw=2.5,
                      zorder=3, label="Pareto front")
            axis.scatter(x[front], y[front], s=90, facecolors="none", edgecolors="#e6550d", lw=2, zorder=4)
        axis.set_xscale("log")  # seconds span milliseconds (feed-forward) to minutes (optimisation)
        axis.legend(fontsize=8)
        axis.set_ylabel(ylabel)
        if ylabel.startswith("share"):
            axis.axhline(protocol.MAJORITY, color="grey", ls=":", lw=1)
            axis.set_ylim(-0.03, 1.03)
    axis.set(xlabel="seconds per image (warm calls, log scale)", title="Quality against speed")
    return _save(figure, path)


def _save(figure, path: Path) -> Path:
    import matplotlib.pyplot as plt

    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return path


def picture_of(results, images, outputs, method, content, style):
    """Pixels (array or PNG path) of one cell of a (content, style) row, or None."""
    if method in ("content", "style"):
        return images.get(f"{method}:{content if method == 'content' else style}")
    match = results[(results["method"] == method) & (results["content"] == content) & (results["style"] == style)]
    key = match["key"].iloc[0] if len(match) and match["status"].iloc[0] == "ok" else None
    return outputs.get(key) if key else None


def pil_image(picture):
    from PIL import Image

    if picture is None:
        return None
    if isinstance(picture, (str, os.PathLike)):
        try:
            return Image.open(picture).convert("RGB")
        except Exception:  # noqa: BLE001 - a damaged cached output shows as missing; the report goes on
            return None
    return Image.fromarray(to_uint8(picture))


def contact_sheet(results: pd.DataFrame, images: dict[str, np.ndarray], outputs: dict[str, Path],
                  path: Path) -> Path:
    """One row per (content, style): content, style, then one column per method."""
    from PIL import Image, ImageDraw

    methods = list(dict.fromkeys(results["method"]))
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
            left, picture = c * width, pil_image(picture_of(results, images, outputs, name, content, style))
            if picture is None:
                draw.rectangle([left + 2, top + label, left + width - 3, top + label + TILE - 1], fill=(225, 225, 225))
                draw.text((left + 8, top + label + TILE // 2 - 6), "error / missing", fill="darkred")
                continue
            picture.thumbnail((width - 4, TILE))
            sheet.paste(picture, (left + 2, top + label))
    sheet.save(path, quality=85)  # JPEG: a PNG of 48 rows of photos is about 16 MB
    return path
