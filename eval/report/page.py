"""report.html: one self-contained page (inline CSS, plots and thumbnails embedded as data
URIs, at most ~1400 px wide) that a person reads from top to bottom: first the answer (each
method's verdict, a few pairs' outputs and quality against speed), then what the scores mean,
then the detailed tables and every output, and last the run's settings and machine."""
from __future__ import annotations

import html

import numpy as np
import pandas as pd

from eval import leaderboard, stats
from eval.metrics import CONTENT_SCORES, SCORE_DOCS, STYLE_SCORES
from eval.report.grids import Grid, breakable, data_uri
from eval.report.words import best_methods, hint, label, num, plain, seen_note, verdict, wins_of
from methods.reference import COLOUR_TRANSFER, PHOTO

CSS = """
*{box-sizing:border-box}body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#222;
background:#fafafa}main{max-width:1360px;margin:0 auto;padding:4px 24px 48px;overflow-wrap:break-word}
h1{font-size:22px;margin:10px 0 0}h2{font-size:19px;margin-top:32px;border-bottom:1px solid #ddd}
h3{font-size:15px;margin:18px 0 4px}p.lead{margin:2px 0 6px}
table{border-collapse:collapse;font-size:12.5px;margin:6px 0 10px;background:#fff}
th,td{border:1px solid #ddd;padding:3px 7px;text-align:right;vertical-align:top}th{background:#f0f0f0}
td.l,th.l{text-align:left}th small{display:block;font-weight:normal;color:#666}
.ci{color:#777;white-space:nowrap}.nw{white-space:nowrap}
tr.ref td{background:#f1f3fb;color:#445}.best{font-weight:700;background:#e3f4e1}
.yes{color:#17701d;font-weight:600}.no{color:#a04000;font-weight:600}.unsure{color:#6b5a00;font-weight:600}
.muted{color:#666;font-size:12.5px}.wide{overflow-x:auto}.wide th,.wide td{text-align:left}
table.verdicts{font-size:14px;margin:4px 0 8px}table.verdicts td{padding:2px 8px}
.first{display:flex;gap:20px;align-items:flex-start}
table.grid{table-layout:fixed;background:none;margin:0}table.grid th,table.grid td{border:0;padding:2px;
text-align:center;font-size:11px;font-weight:normal}table.grid caption{caption-side:bottom;text-align:left;
font-size:12px;color:#666}table.grid img{display:block;margin:0 auto}
table.small th,table.small td{width:78px}table.small img{width:74px;height:74px;object-fit:cover}
table.every{width:100%}table.every td{text-align:left}table.every img{max-width:100%;max-height:120px;margin:0}
table.every b,table.every small{display:block}.missing{color:#a04000}
img.plot{max-width:100%;height:auto;margin:4px 8px 4px 0;border:1px solid #eee}
.first img.plot{flex:0 1 540px;min-width:0;width:540px;margin:0}
details{margin:6px 0}summary{cursor:pointer;font-weight:600}p.same{margin:3px 0}
"""


def html_table(header: list[str], rows: list[list[str]], classes: list[str] | None = None, left=1,
               css: str = "") -> str:
    """Cells are HTML already. left: how many leading columns, or which columns, are
    left-aligned text (numbers stay right-aligned)."""
    lefts = set(range(left)) if isinstance(left, int) else set(left)

    def cells(tag, values):
        return "".join(f"<{tag}{' class=l' if i in lefts else ''}>{v}</{tag}>" for i, v in enumerate(values))

    body = "".join(f"<tr{f' class={c}' if c else ''}>{cells('td', row)}</tr>"
                   for row, c in zip(rows, classes or [""] * len(rows)))
    return (f"<table{f' class={css}' if css else ''}><thead><tr>{cells('th', header)}</tr></thead>"
            f"<tbody>{body}</tbody></table>")


def _name(score: str) -> str:
    """A score's name as the app shows it, with its direction under it."""
    return f"{html.escape(label(score))}<small>{hint(score)}</small>"


def _share(rate, low, high, n) -> str:
    return (f"<span class=nw>{rate * 100:.0f} % <span class=ci>[{low * 100:.0f}, {high * 100:.0f}]</span> "
            f"<small>of {n}</small></span>" if n else "")


# -- the answer ------------------------------------------------------------------------------
def verdicts_html(table: pd.DataFrame, wins: pd.DataFrame) -> str:
    """Per method its verdict in words, the share of pairs it wins on every style score at once with
    its interval, and its speed; the references last, as references."""
    methods = [m for m in table.index if not table.at[m, "reference"]]
    rows, classes = [], []
    for method in [*methods, *(m for m in table.index if table.at[m, "reference"])]:
        answer, note = verdict(wins, method), seen_note(table, method)
        if method == COLOUR_TRANSFER:
            words = "reference: the baseline, the photo's colours matched to the painting"
        elif method == PHOTO:
            words = "reference: the untouched photo"
        else:
            words = f"<span class={answer.call or 'muted'}>{answer.words}</span>"
        words += f" <small class=muted>({html.escape(note)})</small>" if note else ""
        reference = bool(table.at[method, "reference"])
        rows.append([f"<b>{html.escape(method)}</b>", words,
                     "" if method == COLOUR_TRANSFER else _share(answer.rate, answer.low, answer.high, answer.n),
                     num(table.at[method, "seconds"])])
        classes.append("ref" if reference else "")
    header = ["method", "verdict", f"pairs won on all {len(STYLE_SCORES)} style scores<small>share [95 % CI]</small>",
              "s / image<small>warm calls</small>"]
    return html_table(header, rows, classes, left=2, css="verdicts")


def answer_html(grid: Grid, table: pd.DataFrame, wins: pd.DataFrame, pareto) -> str:
    rule = (f"A method transfers style where it beats {COLOUR_TRANSFER} (the photo's colours matched to the painting) "
            f"on all {len(STYLE_SCORES)} style scores at once on more than half of the pairs. Where the 95 % interval "
            "of that share spans one half, there are not enough pairs to tell.")
    verdicts = verdicts_html(table, wins) if len(wins) else f"<p>No {COLOUR_TRANSFER} outputs in this run.</p>"
    plot = f'<img class=plot src="{data_uri(pareto, "PNG")}" alt="quality against speed">' if pareto else ""
    return (f"<section id=verdicts><p class='lead muted'>{rule}</p>{verdicts}</section>"
            f"<section class=first>{grid.small()}{plot}</section>")


def scores_html(env: dict) -> str:
    items = "".join(f"<li><b>{html.escape(label(s))}</b> <small class=muted>({s})</small>: {html.escape(d)}</li>"
                    for s, d in SCORE_DOCS.items())
    return (f"<h2 id=scores>What the scores mean</h2><p>The arrow beside a score points the better way. The style "
            f"scores are {', '.join(map(label, STYLE_SCORES))}; the content scores "
            f"{', '.join(map(label, CONTENT_SCORES))}. In brackets: the column's name in the CSV files. The judge: "
            f"{html.escape(env['judge'])}.</p><ul>{items}</ul>")


# -- the detailed tables ---------------------------------------------------------------------
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
    shown = [m for m in table.index if m != COLOUR_TRANSFER]
    rows = []
    for method in shown:
        answer = verdict(wins, method)
        line = [f"<b>{html.escape(method)}</b>"]
        for score in scores:
            row = wins_of(wins, method, score)
            line.append("" if row is None else _share(row["rate"], row["low"], row["high"], row["n"]))
        line.append("reference: the untouched photo" if method == PHOTO
                    else f"<span class={answer.call or 'muted'}>{answer.words}</span>")
        rows.append(line)
    header = ["method", *(f"all {len(STYLE_SCORES)} style scores at once" if s == stats.ALL_STYLE else _name(s)
                          for s in scores), "verdict"]
    return html_table(header, rows, ["ref" if m == PHOTO else "" for m in shown], left={0, len(header) - 1})


def paired_tests_html(tests: pd.DataFrame) -> str:
    """Per score, the table of paired tests, or one line where no two methods differ clearly; one line in
    all where that holds for every score."""
    if not tests["better"].astype(bool).any():
        scores = tests["score"].nunique()
        return (f"<p class=same><b>No clear difference</b> between any two methods on any of the {scores} scores "
                f"({len(tests) // scores} pairs of methods tested on each).</p>")
    parts = []
    for score, frame in tests.groupby("score", sort=False):
        name = f"{html.escape(label(score))} ({hint(score)})"
        if not frame["better"].astype(bool).any():
            parts.append(f"<p class=same><b>{name}</b>: no clear difference between any two methods "
                         f"({len(frame)} pairs of methods tested)</p>")
            continue
        rows = [[html.escape(r.a), html.escape(r.b), str(r.n), num(r.median_diff),
                 "" if not np.isfinite(r.p) else f"{r.p:.3g}", "" if not np.isfinite(r.p_holm) else f"{r.p_holm:.3g}",
                 f"<b>{html.escape(r.better)}</b>" if r.better else "no clear difference"] for r in frame.itertuples()]
        table = html_table(["a", "b", "pairs", "median a − b", "p", "p (Holm)", "better"], rows, left=2)
        parts.append(f"<details open><summary>{name}: {int(frame['better'].astype(bool).sum())} of {len(frame)} pairs "
                     f"of methods differ clearly</summary>{table}</details>")
    return "".join(parts)


def list_html(title: str, header: list[str], rows: list[list]) -> str:
    """A heading with its table, or one line where there is nothing to list."""
    if not rows:
        return f"<h2>{title}</h2><p>none</p>"
    return f"<h2>{title} ({len(rows)})</h2>" + html_table(
        header, [[html.escape(str(v)) for v in r] for r in rows], left=len(header) - (header[-1] == "jobs"))


# -- the run ---------------------------------------------------------------------------------
SEP = "\n"  # between the lines of one field of the run


def run_rows(name: str, env: dict) -> list[tuple[str, str]]:
    """What the run was and where it ran, as (field, words) rows; a mapping of mappings (each method's
    settings) and the eval looks one line per key."""
    rows = [("report", name), ("date", f"{env['date']} (UTC)")] if env.get("date") else [("report", name)]
    rows += [(str(k), SEP.join(f"{key}: {plain(v)}" for key, v in value.items())
              if isinstance(value, dict) and all(isinstance(v, dict) for v in value.values()) else plain(value))
             for k, value in env.get("settings", {}).items()]
    rows += [("judge", env["judge"]), ("machine", env.get("machine", "")), ("CPU", env.get("cpu", ""))]
    if env.get("eval_looks"):
        rows.append(("eval looks while choosing the recipe (model cards' eval_looks)",
                     SEP.join(f"{model}: {looks}" for model, looks in env["eval_looks"].items())))
    rows.append(("packages", plain(env.get("packages", {}))))
    return rows


def run_html(name: str, env: dict) -> str:
    rows = "".join(f"<tr><th class=l>{html.escape(k)}</th><td class=l>{'<br>'.join(map(html.escape, v.split(SEP)))}"
                   "</td></tr>" for k, v in run_rows(name, env))
    return f"<h2 id=run>The run</h2><table class=run><tbody>{rows}</tbody></table>"


def page_html(name, env, results, table, wins, tests, paintings, notes, errors, figures, images, outputs) -> str:
    grid = Grid(results, images, outputs, table)
    pareto = next((p for p in figures if p.stem == "pareto"), None)
    pairs, photos, paintings_n = len(grid.cells), results["content"].nunique(), results["style"].nunique()
    size = env.get("settings", {}).get("size")
    raw_columns = [c for c in ("method", "content", "style", "status", "seconds", *stats.present(results),
                               "seen_in_training", "error") if c in results]
    raw = results[raw_columns].to_html(index=False, float_format=num, na_rep="", border=0)
    body = [
        f"<h1>Which methods transfer style?</h1><p class=muted>StyleBench evaluation {html.escape(name)}: "
        f"{photos} photos × {paintings_n} paintings ({pairs} pairs)" + (f" at {html.escape(str(size))} px" if size
                                                                        else "")
        + (f", {html.escape(env['date'])}" if env.get("date") else "") + '; the run\'s details are <a href="#run">at '
        "the end</a>.</p>",
        answer_html(grid, table, wins, pareto),
        scores_html(env),
        "<h2 id=details>Per method</h2><p class=muted>Mean over the pairs [bootstrap 95 % CI]; the best non-reference "
        f"mean of each score is highlighted. Shaded rows are references: {PHOTO} (the untouched photo) and "
        f"{COLOUR_TRANSFER} (the photo's colours matched to the painting). s / image: stylisation only, warm "
        "calls.</p>", method_html(table),
        f"<h2>Against the colour transfer</h2><p class=muted>Share of the pairs on which a method is strictly better "
        f"than {COLOUR_TRANSFER} on the same (photo, painting) pair [95 % Wilson CI].</p>",
        wins_html(table, wins, results) if len(wins) else f"<p>No {COLOUR_TRANSFER} outputs in this run.</p>",
        "<h2>Paired tests</h2><p class=muted>Wilcoxon signed-rank test per score between every two methods on the "
        "pairs both have; p (Holm): corrected over the method pairs of the score; better: favoured where p (Holm) "
        "&lt; 0.05.</p>", paired_tests_html(tests) if len(tests) else "<p>none</p>",
        "<h2>Per painting</h2><p class=muted>Mean over the photos.</p>",
        *(f"<h3>{html.escape(label(s))} ({hint(s)})</h3>" + html_table(
            ["method", *(breakable(str(c)) for c in f.columns)],
            [[html.escape(m), *(num(v) for v in values)] for m, values in zip(f.index, f.to_numpy(float))])
          for s, f in paintings.items()),
        leaderboard.report_html(env.get("settings", {}).get("votes")),
        "<h2>Plots</h2>", *(f'<img class=plot src="{data_uri(p, "PNG")}" alt="{p.stem}">' for p in figures
                            if p != pareto),
        f"<h2>Images</h2><p class=muted>The photo shows the {PHOTO} reference's scores.</p>", grid.every(),
        list_html("Method notes", ["method", "note", "jobs"], notes.values.tolist()),
        list_html("Errors", ["method", "content", "style", "error"],
                  errors[["method", "content", "style", "error"]].values.tolist()),
        f'<h2>All results</h2><p>Every column of every job: <a href="results.csv">results.csv</a> (beside this '
        f'page).</p><details><summary>The main columns of the {len(results)} jobs</summary><div class=wide>{raw}'
        "</div></details>",
        run_html(name, env),
    ]
    return (f"<!doctype html><html lang=en><head><meta charset='utf-8'>"
            f"<meta name=viewport content='width=device-width'><title>StyleBench {html.escape(name)}</title>"
            f"<style>{CSS}</style></head><body><main>"
            + "\n".join(body) + "</main></body></html>\n")
