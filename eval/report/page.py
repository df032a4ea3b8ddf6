"""report.html: one self-contained page (inline CSS, plots and thumbnails embedded as data
URIs, at most ~1400 px wide) that a person reads from top to bottom."""
from __future__ import annotations

import base64
import html
import io
from pathlib import Path

import numpy as np
import pandas as pd

from eval import leaderboard, stats
from eval.metrics import CONTENT_SCORES, DIRECTIONS, SCORE_DOCS, STYLE_SCORES
from eval.report.plots import picture_of, pil_image
from eval.report.summary import run_lines
from eval.report.words import best_methods, hint, num, seen_note, verdict, wins_of
from methods.reference import COLOUR_TRANSFER, PHOTO

THUMB = 160  # long side of the page's thumbnails
GRID_SCORES = ("style_loss_ratio", "texture_ratio", "style_gain", "ssim")  # under each thumbnail
SHORT = {"style_loss_ratio": "style", "texture_ratio": "texture", "style_gain": "gain", "ssim": "SSIM",
         "content_loss_ratio": "content", "style_similarity": "sim"}

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
    image = pil_image(picture)
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
    scores = [*stats.present(results, STYLE_SCORES), stats.ALL_STYLE, *stats.present(results, CONTENT_SCORES)]
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
            # a variant without a row for this pair (CycleGAN's other one) gets no empty cell
            for name in ["content", "style", *(m for m in shown if (m, content, style) in by_job.index)]:
                label = {"content": f"photo: {content}", "style": f"painting: {style}"}.get(name, name)
                source = name if name in ("content", "style") else None
                scored = PHOTO if name == "content" else (None if source else name)
                uri_key = f"{name}:{content if name == 'content' else style}" if source else None
                if uri_key and uri_key in cached:
                    uri = cached[uri_key]
                else:
                    uri = data_uri(picture_of(results, images, outputs, name, content, style))
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


def run_html(env: dict) -> str:
    """The date, CPU and eval looks that head the Run list (summary.run_lines, as list items)."""
    return "".join(f"<li>{html.escape(line)}</li>" for line in run_lines(env))


def page_html(name, env, results, table, wins, tests, paintings, notes, errors, figures, images, outputs) -> str:
    settings = "".join(f"<li>{html.escape(str(k))}: {html.escape(str(v))}</li>" for k, v in env["settings"].items())
    packages = ", ".join(f"{k} {v}" for k, v in env["packages"].items())
    legend = " · ".join(f"{SHORT[s]} = {s}" for s in stats.present(results, GRID_SCORES))
    raw_columns = [c for c in ("method", "content", "style", "status", "seconds", *DIRECTIONS, "seen_in_training",
                               "error") if c in results]
    raw = results[raw_columns].to_html(index=False, float_format=num, na_rep="", border=0)
    body = [
        f"<h1>StyleBench evaluation {html.escape(name)}</h1>",
        f"<h2>Run</h2><ul>{run_html(env)}{settings}<li>judge: {html.escape(env['judge'])}</li><li>machine: "
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
        leaderboard.report_html(env["settings"].get("votes")),
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
