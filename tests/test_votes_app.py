"""The Vote and Leaderboard tabs' logic (ui.vote) without a browser: the shipped pool, blind pairs,
votes through the events' functions into a real SQLite file, the page's tabs and API endpoints."""
from __future__ import annotations

import json
import random
from collections import Counter

import gradio as gr
import numpy as np
import pytest

from eval import leaderboard, votes
from methods import REGISTRY
from methods.core.files import file_digest
from ui import vote
from ui.scoring import compared

METHODS = set(compared(REGISTRY))


@pytest.fixture
def fresh_store(tmp_path, monkeypatch):
    monkeypatch.setenv("STYLEBENCH_VOTES", str(tmp_path / "votes.sqlite3"))
    vote.store.cache_clear()
    yield
    vote.store().close()
    vote.store.cache_clear()


def request(session: str) -> gr.Request:
    return gr.Request(session_hash=session)


def test_the_shipped_pool_is_small_intact_blind_and_covers_every_method():
    manifest = json.loads((vote.POOL_DIR / "manifest.json").read_text())
    rows = manifest["images"] + manifest["outputs"]
    assert all(file_digest(vote.POOL_DIR / row["file"]) == row["sha256"] for row in rows)
    assert sum((vote.POOL_DIR / row["file"]).stat().st_size for row in rows) < 5e6
    assert not any(method in row["file"] for row in manifest["outputs"] for method in METHODS)
    pairs = vote.pool()
    assert len(pairs) >= 9
    for rows in pairs.values():
        assert {row["method"] for row in rows} == METHODS
        assert all(set(row["scores"]) >= set(leaderboard.DIRECTIONS) for row in rows)


def test_pool_pairs_are_two_different_methods_on_either_side():
    rng = random.Random(0)
    sides = Counter()
    for _ in range(200):
        shown, files = vote.pool_pair(rng)
        assert shown.left.method != shown.right.method and shown.source == "pool"
        assert files["left"] != files["right"] and all(map(lambda p: p.endswith(".jpg"), files.values()))
        sides[(shown.left.method, shown.right.method)] += 1
    assert len(sides) == len(METHODS) * (len(METHODS) - 1)  # every ordered pair: the sides are random


def test_a_vote_through_the_tabs_functions_is_stored_once_and_revealed(fresh_store):
    me = request("page-1")
    photo, painting, left, right, ticket, reveal, *buttons = vote._opened("", me)
    assert reveal == "" and all(b["interactive"] for b in buttons) and ticket
    assert all(isinstance(update, type(gr.skip())) for update in vote._opened(ticket, me))  # the pair stays
    text, cleared, *disabled = vote._answer("right")(ticket, me)
    rows = votes.read_votes(vote.store().path)
    assert len(rows) == 1 and rows[0]["answer"] == "right"
    assert f"Left: **{rows[0]['left_method']}** · right: **{rows[0]['right_method']}**" in text
    assert cleared == "" and not any(b["interactive"] for b in disabled)
    with pytest.raises(gr.Error, match="already has its vote"):
        vote._answer("left")(ticket, me)
    with pytest.raises(gr.Error, match="another page"):
        vote.vote(vote._next(me)[4], "left", request("page-2"))
    with pytest.raises(gr.Error, match="not issued by this server"):
        vote.vote(ticket[:-3] + "abc", "left", me)
    assert len(votes.read_votes(vote.store().path)) == 1
    assert "not enough votes yet: 1 of the" in vote.leaderboard_markdown()


def test_the_api_pair_names_no_method_until_the_vote(fresh_store):
    me = request("api-1")
    pair = vote.vote_pair(me)
    assert set(pair) == {"ticket", "photo", "painting", "left", "right"}
    assert not any(method in str(value) for key, value in pair.items() if key != "ticket" for method in METHODS)
    result = vote.vote(pair["ticket"], "same", me)
    assert result["stored"] and {result["left"], result["right"]} <= METHODS
    assert set(result["next"]) == set(pair) and result["next"]["ticket"] != pair["ticket"]
    vote.vote(result["next"]["ticket"], "left", me)
    assert [row["answer"] for row in votes.read_votes(vote.store().path)] == ["same", "left"]


def test_a_vote_on_the_persons_own_compare_run(fresh_store, tmp_path):
    photo, painting = vote.pool_pair(random.Random(1))[1]["photo"], vote.pool_pair(random.Random(1))[1]["painting"]
    image = np.random.default_rng(0).random((32, 48, 3), dtype=np.float32)
    records = [{"run": "r1", "name": name, "image": image * k, "inputs": {"photo": "astronaut", "painting": "mine"},
                "scores": {"ssim": 0.1 * k, "style_gain": 0.2}} for k, name in enumerate(("adain", "gatys"), 1)]
    with pytest.raises(vote.VoteError, match="at least two methods"):
        vote.compare_pair(records[:1] + [None], photo, painting)
    shown, files = vote.compare_pair([*records, None], photo, painting)
    assert shown.source == "compare" and {shown.left.method, shown.right.method} == {"adain", "gatys"}
    assert shown.painting == "mine" and files["left"].endswith("left.png")
    me = request("page-3")
    vote.store().cast(vote.store().ticket(shown, vote._voter(me)), "left", vote._voter(me))
    assert votes.read_votes(vote.store().path)[0]["source"] == "compare"


def test_the_page_has_the_vote_and_leaderboard_tabs_and_endpoints():
    from ui.page import build_demo  # the whole page; building it loads no network
    demo = build_demo(REGISTRY)
    config = demo.get_config_file()
    labels = [c["props"].get("label") for c in config["components"] if c["type"] == "tabitem"]
    assert labels[:3] == ["Compare", "Vote", "Leaderboard"]
    names = {d.get("api_name") for d in config["dependencies"]}
    assert {"vote_pair", "vote", "leaderboard"} <= names
    ids = {c["props"].get("elem_id") for c in config["components"]}
    assert {"vote-left", "vote-right", "vote-same", "vote-next", "vote-own", "leaderboard"} <= ids
    timers = [c["props"].get("value") for c in config["components"] if c["type"] == "timer"]
    assert vote.LEADERBOARD_REFRESH_S in timers  # an open Leaderboard re-reads the votes by itself


def test_the_leaderboard_tab_shows_the_commands_tables(fresh_store, tmp_path, capsys):
    rng = random.Random(2)
    for k in range(leaderboard.MIN_VOTES + 5):
        me = request(f"page-{k % 3}")
        ticket = vote._next(me)[4]
        vote.vote(ticket, rng.choice(votes.ANSWERS), me)
    shown = vote.leaderboard_markdown()
    assert leaderboard.main([str(vote.store().path), "--out", str(tmp_path / "out")]) == 0
    printed = capsys.readouterr().out
    assert shown.startswith(printed.split("written: ")[0]) and "### ranking" in shown
    assert f"{leaderboard.MIN_VOTES + 5} votes in votes.sqlite3" in shown
    assert vote.leaderboard_markdown() == shown  # nothing new: the tables kept
    me = request("page-9")
    vote.vote(vote._next(me)[4], "same", me)
    assert f"{leaderboard.MIN_VOTES + 6} votes in votes.sqlite3" in vote.leaderboard_markdown()  # a new vote shows
