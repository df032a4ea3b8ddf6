"""The votes database (eval.votes) on real SQLite files: tickets, one vote per shown pair, the rate
limit, concurrent writers, the schema version."""
from __future__ import annotations

import sqlite3
import threading

import pytest

from eval import votes
from eval.votes import Output, Shown, Store, VoteError


def shown(left="gatys", right="adain", photo="astronaut", painting="starry_night") -> Shown:
    return Shown("pool", photo, "p" * 24, painting, "s" * 24,
                 Output(left, {"size": 128}, "a" * 24, {"style_loss_ratio": 0.2, "ssim": 0.5}),
                 Output(right, {"size": 128}, "b" * 24, {"style_loss_ratio": 0.4, "ssim": 0.3}))


@pytest.fixture
def store(tmp_path):
    store = Store(tmp_path / "votes.sqlite3")
    yield store
    store.close()


def test_a_vote_is_stored_once_with_its_pair_and_an_anonymous_session(store):
    session = store.voter_id("page-session-1")
    assert session != "page-session-1" and session == store.voter_id("page-session-1")
    ticket = store.ticket(shown(), session)
    pair = store.cast(ticket, "left", session)
    assert (pair.left.method, pair.right.method) == ("gatys", "adain")
    with pytest.raises(VoteError, match="already has its vote"):
        store.cast(ticket, "right", session)  # replayed
    rows = votes.read_votes(store.path)
    assert len(rows) == 1
    row = rows[0]
    assert (row["answer"], row["left_method"], row["right_method"], row["photo"], row["voter"]) == (
        "left", "gatys", "adain", "astronaut", session)
    assert row["left_scores"] == {"style_loss_ratio": 0.2, "ssim": 0.5} and row["right_params"] == {"size": 128}
    assert "page-session-1" not in str(row)


def test_forged_expired_and_foreign_tickets_store_nothing(store):
    session = store.voter_id("page")
    ticket = store.ticket(shown(), session, now=1000.0)
    body, _, signature = ticket.partition(".")
    tampered = store.ticket(shown("vae", "magenta"), session).partition(".")[0] + "." + signature
    other = Store(store.path.with_name("other.sqlite3"))  # another server's secret
    for bad, message in ((tampered, "not issued by this server"), ("garbage", "not issued by this server"),
                         ("", "not issued by this server"), (other.ticket(shown(), session), "not issued"),
                         (body + "." + "A" * 10**7, "not issued"),
                         (ticket, "expired")):
        with pytest.raises(VoteError, match=message):
            store.cast(bad, "left", session)
    with pytest.raises(VoteError, match="another page"):
        store.cast(store.ticket(shown(), session), "left", store.voter_id("someone else"))
    with pytest.raises(VoteError, match="choose one of"):
        store.cast(store.ticket(shown(), session), "both", session)
    other.close()
    assert store.count() == 0 and votes.read_votes(store.path) == []


def test_the_rate_limit_counts_a_session_in_its_window(tmp_path):
    store = Store(tmp_path / "v.sqlite3", rate_limit=(3, 60.0))
    me, you = store.voter_id("me"), store.voter_id("you")
    for _ in range(3):
        store.cast(store.ticket(shown(), me), "same", me, now=5000.0)
    with pytest.raises(VoteError, match="3 votes in 60 s"):
        store.cast(store.ticket(shown(), me, now=5000.0), "left", me, now=5001.0)
    store.cast(store.ticket(shown(), you), "left", you, now=5001.0)  # another session is not held up
    store.cast(store.ticket(shown(), me, now=5061.0), "left", me, now=5061.0)  # the window moved on
    assert store.count() == 5
    store.close()


def test_the_secret_and_schema_survive_a_reopen_and_a_newer_schema_is_refused(tmp_path):
    path = tmp_path / "votes.sqlite3"
    first = Store(path)
    session = first.voter_id("page")
    ticket = first.ticket(shown(), session)
    first.close()
    second = Store(path)  # a restarted server honours the tickets it issued before
    second.cast(ticket, "right", session)
    second.close()
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == votes.SCHEMA_VERSION
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        db.execute(f"PRAGMA user_version = {votes.SCHEMA_VERSION + 1}")
    with pytest.raises(VoteError, match="schema"):
        Store(path)


def test_two_processes_worth_of_writers_lose_nothing(tmp_path):
    """Two stores on one file (as two server processes) and eight threads each: every vote counted."""
    path = tmp_path / "votes.sqlite3"
    stores = [Store(path, rate_limit=(1000, 60.0)), Store(path, rate_limit=(1000, 60.0))]
    errors = []

    def voter(store, name):
        session = store.voter_id(name)
        try:
            for _ in range(25):
                store.cast(store.ticket(shown(), session), "left", session)
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=voter, args=(stores[i % 2], f"voter{i}")) for i in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert len(votes.read_votes(path)) == 16 * 25
    for store in stores:
        store.close()


def test_the_default_path_follows_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("STYLEBENCH_VOTES", str(tmp_path / "x.sqlite3"))
    assert votes.default_path() == tmp_path / "x.sqlite3"
    monkeypatch.delenv("STYLEBENCH_VOTES")
    monkeypatch.setenv("STYLEBENCH_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(votes, "SPACE_DATA", tmp_path / "no-data")
    assert votes.default_path() == tmp_path / "cache" / "votes.sqlite3"
    (tmp_path / "data").mkdir()
    monkeypatch.setattr(votes, "SPACE_DATA", tmp_path / "data")
    assert votes.default_path() == tmp_path / "data" / "votes.sqlite3"


def test_reading_a_missing_or_corrupt_file_fails_clearly(tmp_path):
    with pytest.raises(FileNotFoundError):
        votes.read_votes(tmp_path / "none.sqlite3")
    junk = tmp_path / "junk.sqlite3"
    junk.write_bytes(b"not a database at all" * 100)
    with pytest.raises(sqlite3.DatabaseError):
        votes.read_votes(junk)
