"""python -m eval.leaderboard DB: the ranking that people's blind votes give the methods.

- **Strength**: a Bradley-Terry model fitted to every vote (Hunter's MM iteration), a tie counting
  half a win to each side, with one virtual tie between every two methods so that a method never
  chosen keeps a finite strength. Strengths are on a log scale centred on the average method: a
  difference of 1 means the stronger one is chosen e times as often (73 % of its votes). The 95 %
  interval is the percentile bootstrap over votes.
- **Win matrix**: how often the row's method was chosen over the column's (ties half), and on how many votes.
- **Votes** per method and per painting.
- **Agreement**: for each automatic score of the judge, on the votes with a winner, how often the
  output that the score rates better is the one people chose (95 % Wilson interval). 50 % is a coin.

Below MIN_VOTES votes there is no ranking, only "not enough votes yet".
Exit status: 0 written; 2 bad input (a missing or unreadable database).
"""
from __future__ import annotations

import argparse
import html
import sqlite3
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from eval import stats, votes
from eval.metrics import DIRECTIONS
from eval.protocol import better

MIN_VOTES = 30  # fewer votes than this rank nothing: five methods' intervals would all overlap
BOOTSTRAP = 1000
PRIOR_TIES = 1.0  # virtual ties between every two methods (see the module docstring)
MM_STEPS = 500
NOT_ENOUGH = "not enough votes yet"


@dataclass
class Board:
    votes: int
    strengths: pd.DataFrame = field(default_factory=pd.DataFrame)  # method: strength, low, high, votes, chosen
    wins: pd.DataFrame = field(default_factory=pd.DataFrame)  # row method's share against column method
    pairs: pd.DataFrame = field(default_factory=pd.DataFrame)  # votes between row and column methods
    per_painting: pd.DataFrame = field(default_factory=pd.DataFrame)
    agreement: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def ranked(self) -> bool:
        return self.votes >= MIN_VOTES


def frame(rows: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=[*votes.COLUMNS, "id"] if not rows else None)


def bradley_terry(wins: np.ndarray, steps: int = MM_STEPS) -> np.ndarray:
    """Log-strengths (centred) of a win-count matrix wins[..., i, j] (i chosen over j); a leading
    axis fits many matrices at once (the bootstrap)."""
    wins = np.asarray(wins, float) + PRIOR_TIES / 2 * (1 - np.eye(wins.shape[-1]))
    games = wins + np.swapaxes(wins, -1, -2)
    won = wins.sum(-1)
    p = np.ones(wins.shape[:-1])
    for _ in range(steps):
        updated = won / (games / (p[..., :, None] + p[..., None, :])).sum(-1)
        updated /= np.exp(np.log(updated).mean(-1, keepdims=True))
        if np.max(np.abs(updated - p)) < 1e-10:
            p = updated
            break
        p = updated
    log = np.log(p)
    return log - log.mean(-1, keepdims=True)


def _outcomes(data: pd.DataFrame, methods: list[str]) -> np.ndarray:
    """Per vote (index of left, index of right, left's share: 1, 0 or 0.5)."""
    index = {m: i for i, m in enumerate(methods)}
    share = data["answer"].map({"left": 1.0, "right": 0.0, "same": 0.5}).to_numpy()
    return np.stack([data["left_method"].map(index).to_numpy(), data["right_method"].map(index).to_numpy(),
                     share], axis=1)


def _win_counts(cells: np.ndarray, m: int, weights: np.ndarray) -> np.ndarray:
    """wins[b, i, j] from the distinct votes `cells` (left, right, left's share), cell k counted
    weights[b, k] times (b: a bootstrap resample)."""
    wins = np.zeros((len(weights), m, m))
    for (left, right, share), counted in zip(cells, weights.T):
        wins[:, int(left), int(right)] += counted * share
        wins[:, int(right), int(left)] += counted * (1 - share)
    return wins


def board(rows: list[dict], resamples: int = BOOTSTRAP, seed: int = 0) -> Board:
    data = frame(rows)
    result = Board(len(data))
    if data.empty:
        return result
    methods = sorted(set(data["left_method"]) | set(data["right_method"]))
    # the votes as distinct (left, right, answer) cells with counts: a resample of the votes is a
    # multinomial draw over the cells, so the bootstrap costs the same for 100 votes or a million
    cells, counts = np.unique(_outcomes(data, methods), axis=0, return_counts=True)
    wins = _win_counts(cells, len(methods), counts[None])[0]
    games = wins + wins.T
    shown = pd.concat([data["left_method"], data["right_method"]]).value_counts()
    chosen = wins.sum(1)
    result.pairs = pd.DataFrame(games.astype(int), index=methods, columns=methods)
    with np.errstate(invalid="ignore", divide="ignore"):
        result.wins = pd.DataFrame(np.where(games > 0, wins / games, np.nan), index=methods, columns=methods)
    per_painting = data.groupby("painting").size().rename("votes").to_frame()
    result.per_painting = per_painting.sort_values("votes", ascending=False)
    result.agreement = agreement(data)
    strength = bradley_terry(wins)
    weights = np.random.default_rng(seed).multinomial(len(data), counts / len(data), size=resamples)
    boot = bradley_terry(_win_counts(cells, len(methods), weights))
    low, high = np.percentile(boot, [2.5, 97.5], axis=0)
    result.strengths = pd.DataFrame(
        {"strength": strength, "low": low, "high": high, "votes": [int(shown.get(m, 0)) for m in methods],
         "chosen": chosen / np.maximum(games.sum(1), 1)}, index=pd.Index(methods, name="method")
    ).sort_values("strength", ascending=False)
    return result


def agreement(data: pd.DataFrame) -> pd.DataFrame:
    """Per automatic score: on votes with a winner where both outputs have the score and it differs,
    how often the output it rates better is the one chosen."""
    decided = data[data["answer"] != "same"]
    rows = []
    for score in DIRECTIONS:
        left = pd.to_numeric(decided["left_scores"].map(lambda s, k=score: s.get(k)), errors="coerce").to_numpy()
        right = pd.to_numeric(decided["right_scores"].map(lambda s, k=score: s.get(k)), errors="coerce").to_numpy()
        usable = np.isfinite(left) & np.isfinite(right) & (left != right)
        if not usable.any():
            continue
        says_left = better(left[usable], right[usable], score)
        agree = int((says_left == (decided["answer"].to_numpy()[usable] == "left")).sum())
        low, high = stats.wilson(agree, int(usable.sum()))
        rows.append({"score": score, "votes": int(usable.sum()), "agree": agree, "agreement": agree / usable.sum(),
                     "low": low, "high": high})
    return pd.DataFrame(rows, columns=["score", "votes", "agree", "agreement", "low", "high"]).set_index("score")


# -- text ---------------------------------------------------------------------------------------
def _percent(value: float) -> str:
    return "" if not np.isfinite(value) else f"{100 * value:.0f} %"


def tables(result: Board) -> dict[str, pd.DataFrame]:
    """The tables as shown: rounded, with words for headers."""
    s = result.strengths
    ranking = pd.DataFrame({
        "strength [95 % interval]": [f"{v:+.2f} [{lo:+.2f}, {hi:+.2f}]" for v, lo, hi in zip(s["strength"], s["low"],
                                                                                            s["high"])],
        "votes": s["votes"], "chosen (ties half)": [_percent(v) for v in s["chosen"]]}, index=s.index)
    ranking.insert(0, "rank", range(1, len(s) + 1))
    matrix = result.wins.copy().astype(object)
    for row in matrix.index:
        for column in matrix.columns:
            n = result.pairs.loc[row, column]
            matrix.loc[row, column] = f"{_percent(result.wins.loc[row, column])} of {n}" if n else "—"
    matrix.index.name = "chosen ↓ over →"
    agree = result.agreement
    agreeing = pd.DataFrame({
        "agrees with people": [f"{_percent(v)} [{_percent(lo)}, {_percent(hi)}]"
                               for v, lo, hi in zip(agree["agreement"], agree["low"], agree["high"])],
        "votes": agree["votes"]}, index=agree.index)
    return {"ranking": ranking, "win matrix": matrix, "votes per painting": result.per_painting,
            "agreement of each score": agreeing}


def intro(result: Board) -> str:
    if not result.ranked:
        return f"{NOT_ENOUGH}: {result.votes} of the {MIN_VOTES} votes a ranking needs."
    return (f"{result.votes} blind votes. Strength: Bradley-Terry, log scale, 0 = the average method; a difference "
            "of 1 means the stronger one is chosen e times as often [bootstrap 95 % interval].")


def markdown(result: Board) -> str:
    # the report's Markdown table writer; imported here because eval.report itself imports this module
    from eval.report.summary import markdown_table
    parts = [intro(result)]
    if result.ranked:
        parts += [f"### {name}\n\n{markdown_table(table)}" for name, table in tables(result).items()]
    return "\n\n".join(parts) + "\n"


def report_html(path) -> str:
    """The report's section on human votes (empty without a database)."""
    if not path:
        return ""
    result = board(votes.read_votes(path))
    parts = [f"<h2>Human votes</h2><p class=muted>{html.escape(intro(result))} Database: {html.escape(str(path))}."
             "</p>"]
    if result.ranked:
        parts += [f"<h3>{html.escape(name)}</h3>" + table.to_html(border=0, na_rep="")
                  for name, table in tables(result).items()]
    return "".join(parts)


def write(result: Board, out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written = [out / "leaderboard.md"]
    written[0].write_text(markdown(result))
    if result.ranked:
        for name, table in (("strengths", result.strengths), ("win_matrix", result.wins),
                            ("pair_votes", result.pairs), ("votes_per_painting", result.per_painting),
                            ("agreement", result.agreement)):
            table.to_csv(out / f"{name}.csv")
            written.append(out / f"{name}.csv")
    return written


def existing_db(text: str) -> str:
    """argparse type of a votes database: a file SQLite reads as one."""
    try:
        votes.read_votes(text)
    except (OSError, sqlite3.Error, ValueError, KeyError) as error:
        raise argparse.ArgumentTypeError(f"{text}: {error}") from None
    return text


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m eval.leaderboard", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("db", help="votes database (the app's: $STYLEBENCH_VOTES, /data/votes.sqlite3 on a Space "
                              "with storage, else ~/.cache/stylebench/votes.sqlite3)")
    p.add_argument("--out", default="leaderboard", help="folder for the CSV and Markdown files (default leaderboard)")
    args = p.parse_args(argv)
    try:
        rows = votes.read_votes(args.db)
    except (OSError, sqlite3.Error, ValueError, KeyError) as error:
        print(f"error: {args.db}: {error}", file=sys.stderr)
        return 2
    result = board(rows)
    text = markdown(result)
    print(text, end="")
    written = write(result, Path(args.out))
    print(f"written: {', '.join(str(path) for path in written)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
