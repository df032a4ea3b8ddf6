"""summary.md: the run's tables and verdicts for reading in a text editor or on GitHub."""
from __future__ import annotations

import numpy as np
import pandas as pd

from eval import stats
from eval.metrics import CONTENT_SCORES, SCORE_DOCS, STYLE_SCORES
from eval.report.words import best_methods, hint, label, num, percent, plain, seen_note, verdict, wins_of, with_ci
from methods.reference import COLOUR_TRANSFER, PHOTO


def markdown_table(frame: pd.DataFrame, index: bool = True) -> str:
    frame = frame.reset_index() if index else frame
    cells = [[_format(v) for v in row] for row in frame.itertuples(index=False)]
    lines = ["| " + " | ".join(map(str, frame.columns)) + " |", "|" + "---|" * len(frame.columns)]
    return "\n".join(lines + ["| " + " | ".join(row) + " |" for row in cells])


def _format(value) -> str:
    if isinstance(value, (float, np.floating)):
        return "" if np.isnan(value) else f"{value:.4g}"
    return str(value).replace("|", "\\|").replace("\n", " ")


def run_lines(env: dict) -> list[str]:
    """The date and CPU a results row carries, and the eval looks the shipped models' cards state."""
    lines = [f"date: {env['date']} (UTC)"] if env.get("date") else []
    lines += [f"CPU: {env['cpu']}"] if env.get("cpu") else []
    if env.get("eval_looks"):
        lines.append("eval looks while choosing the recipe (model cards' eval_looks): "
                     + ", ".join(f"{model} {looks}" for model, looks in env["eval_looks"].items()))
    return lines


def header_markdown(env: dict) -> str:
    settings = "\n".join(f"- {line}" for line in [*run_lines(env),
                                                   *(f"{k}: {plain(v)}" for k, v in env["settings"].items())])
    packages = plain(env["packages"])
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
    """The verdicts first, then what the scores mean, the tables, and the run's settings last."""
    md = [f"# StyleBench evaluation {name}\n", "## Against the colour transfer\n",
          "Paired over the same (content, style) pairs; a win is strictly better; 95 % Wilson intervals. A method "
          "transfers style where it beats the colour transfer on all style scores at once on more than half of the "
          "pairs; where the interval of that share spans one half, there are not enough pairs to tell.\n"]
    for method in table.index[~table["reference"].astype(bool)]:
        sentence = verdict(wins, method).sentence
        md.append(f"### {method}: {sentence.split(':')[0]}\n")
        for score in stats.present(results, (*STYLE_SCORES, *CONTENT_SCORES)):
            if (row := wins_of(wins, method, score)) is not None:
                md.append(f"- beats colour transfer on {score} on {percent(row['rate'], row['low'], row['high'])} "
                          f"of {row['n']} pairs")
        md.append(f"- **verdict**: {sentence}")  # it carries the all-style-scores-at-once share
        if note := seen_note(table, method):
            md.append(f"- {note}")
        md.append("")
    md += ["## What the scores mean\n", f"Judge: {env['judge']}.\n",
           *(f"- **{score}** ({label(score)}): {doc}" for score, doc in SCORE_DOCS.items()),
           "\n## Per method\n",
           f"Mean over the pairs [bootstrap 95 % CI]; the best non-reference mean in bold. {PHOTO} and "
           f"{COLOUR_TRANSFER} are references: the untouched photo and a plain colour transfer. s / image: "
           "stylisation only, mean over warm calls (a method's first call in a worker pays one-off costs and is "
           "in summary.csv apart).\n", markdown_table(readable(table), index=False),
           "\n## Paired Wilcoxon signed-rank tests\n",
           "median_diff = median of a − b over the pairs both have; p_holm: Holm-corrected over the method pairs of "
           "each score; better: the method favoured where p_holm < 0.05.\n",
           markdown_table(tests, index=False) if len(tests) else "none"]
    for score, frame in paintings.items():
        md += [f"\n## Per painting: {score} ({hint(score)}), mean over the photos\n",
               markdown_table(frame.map(num))]
    md += [f"\n## Method notes ({len(notes)})\n", markdown_table(notes.set_index("method")) if len(notes) else "none",
           f"\n## Errors ({len(errors)})\n", markdown_table(errors.set_index("method")) if len(errors) else "none",
           "", header_markdown(env)]
    return "\n".join(md) + "\n"
