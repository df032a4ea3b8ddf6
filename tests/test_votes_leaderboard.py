"""The leaderboard (eval.leaderboard) on votes stored in a real SQLite file: Bradley-Terry strengths
recover the strengths votes were drawn from, the agreement of each score, the threshold, the CLI."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from eval import leaderboard, votes
from eval.votes import Output, Shown, Store

TRUE = {"gatys": 1.0, "adain": 0.5, "magenta": 0.0, "vae": -0.5, "cyclegan": -1.0}


def cast_votes(path, n: int, seed: int = 0, same_share: float = 0.1) -> Store:
    """n votes drawn from a Bradley-Terry model with strengths TRUE; the style gain follows the
    true strength (so it agrees with people more often than not), SSIM runs against it."""
    rng = np.random.default_rng(seed)
    store = Store(path, rate_limit=(10**6, 60.0))
    names = list(TRUE)
    for k in range(n):
        left, right = rng.choice(names, 2, replace=False)
        p_left = 1 / (1 + np.exp(TRUE[right] - TRUE[left]))
        answer = "same" if rng.random() < same_share else ("left" if rng.random() < p_left else "right")
        outputs = [Output(m, {}, f"{m}{k}", {"style_gain": TRUE[m] + rng.normal(0, 0.3), "ssim": -TRUE[m]})
                   for m in (left, right)]
        session = store.voter_id(f"voter{k % 7}")
        pair = Shown("pool", "astronaut", "p", ["starry_night", "great_wave"][k % 2], "s", *outputs)
        store.cast(store.ticket(pair, session), answer, session)
    return store


def test_strengths_recover_the_true_order_with_intervals_that_cover_it(tmp_path):
    store = cast_votes(tmp_path / "votes.sqlite3", 800, same_share=0.0)  # ties would shrink the truth
    result = leaderboard.board(votes.read_votes(store.path))
    assert result.ranked and result.votes == 800
    assert list(result.strengths.index) == list(TRUE)  # strongest first
    truth = pd.Series(TRUE) - np.mean(list(TRUE.values()))
    s = result.strengths
    covered = ((s["low"] <= truth[s.index]) & (truth[s.index] <= s["high"])).sum()
    assert covered >= 4, s  # 95 % intervals
    assert (s["high"] - s["low"] < 0.8).all()
    assert result.pairs.to_numpy().sum() == 2 * 800
    wins = result.wins
    assert wins.loc["gatys", "cyclegan"] > 0.7 and np.isclose(wins.loc["gatys", "cyclegan"]
                                                             + wins.loc["cyclegan", "gatys"], 1)
    assert result.per_painting["votes"].sum() == 800
    agree = result.agreement
    assert agree.loc["style_gain", "agreement"] > 0.6 and agree.loc["ssim", "agreement"] < 0.4
    assert agree.loc["ssim", "votes"] == agree.loc["style_gain", "votes"] == 800
    store.close()


def test_ties_of_people_are_left_out_of_the_agreement(tmp_path):
    store = cast_votes(tmp_path / "votes.sqlite3", 200, same_share=0.3)
    rows = votes.read_votes(store.path)
    decided = sum(row["answer"] != "same" for row in rows)
    assert 100 < decided < 180
    assert leaderboard.board(rows).agreement.loc["ssim", "votes"] == decided
    store.close()


def test_the_mm_fit_matches_the_maximum_likelihood_of_a_small_case():
    # two methods, a chosen 3 times and b once, plus one virtual tie: p_a / p_b = 3.5 / 1.5
    strengths = leaderboard.bradley_terry(np.array([[0, 3], [1, 0]]))
    assert np.isclose(strengths[0] - strengths[1], np.log(3.5 / 1.5))
    never = leaderboard.bradley_terry(np.array([[0, 0, 5], [5, 0, 5], [0, 0, 0]]))
    assert np.all(np.isfinite(never)) and never[1] > never[0] > never[2]


def test_few_votes_say_not_enough_votes_yet(tmp_path, capsys):
    store = cast_votes(tmp_path / "votes.sqlite3", leaderboard.MIN_VOTES - 1)
    assert leaderboard.main([str(store.path), "--out", str(tmp_path / "out")]) == 0
    printed = capsys.readouterr().out
    assert f"not enough votes yet: {leaderboard.MIN_VOTES - 1} of the {leaderboard.MIN_VOTES}" in printed
    assert "strength" not in printed.lower().split("not enough")[0]
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["leaderboard.md"]
    assert leaderboard.report_html(store.path).count("<table") == 0
    store.close()


def test_the_command_prints_and_writes_every_table(tmp_path, capsys):
    store = cast_votes(tmp_path / "votes.sqlite3", 120)
    out = tmp_path / "out"
    assert leaderboard.main([str(store.path), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    for heading in ("### ranking", "### win matrix", "### votes per painting", "### agreement of each score"):
        assert heading in printed
    assert printed.index("| gatys") < printed.index("| cyclegan")
    assert (out / "leaderboard.md").read_text() in printed
    strengths = pd.read_csv(out / "strengths.csv", index_col="method")
    assert list(strengths.columns) == ["strength", "low", "high", "votes", "chosen"]
    assert strengths["votes"].sum() == 240
    for name in ("win_matrix", "pair_votes", "votes_per_painting", "agreement"):
        assert not pd.read_csv(out / f"{name}.csv").empty
    page = leaderboard.report_html(store.path)
    assert "<h2>Human votes</h2>" in page and page.count("<table") == 4
    store.close()


@pytest.mark.parametrize("content", [None, b"this is not a database" * 50])
def test_a_missing_or_corrupt_database_is_one_line_and_exit_2(tmp_path, capsys, content):
    path = tmp_path / "votes.sqlite3"
    if content:
        path.write_bytes(content)
    assert leaderboard.main([str(path), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1
    assert not (tmp_path / "out").exists()


def test_the_eval_command_refuses_a_missing_votes_database_before_any_job(tmp_path, capsys):
    from eval.__main__ import main  # the eval's command line, as `python -m eval` runs it
    with pytest.raises(SystemExit) as stopped:
        main(["--quick", "--votes", str(tmp_path / "none.sqlite3"), "--out", str(tmp_path)])
    assert stopped.value.code == 2 and "no such votes database" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.slow
def test_the_eval_report_carries_the_votes_section(tmp_path):
    import subprocess
    import sys
    store = cast_votes(tmp_path / "votes.sqlite3", 60)
    done = subprocess.run([sys.executable, "-m", "eval", "--quick", "--methods", "magenta", "--jobs", "1",
                           "--no-progress", "--votes", str(store.path), "--out", str(tmp_path / "reports")],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    page = next((tmp_path / "reports").glob("*/report.html")).read_text()
    section = page.split("<h2>Human votes</h2>")[1].split("<h2>")[0]
    assert "60 blind votes" in section and section.count("<table") == 4 and "gatys" in section
    store.close()
