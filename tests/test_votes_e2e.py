"""Votes through the served app: a vote cast in a real browser (Playwright, Debian's Chromium) lands in
the SQLite file; a server killed mid-load keeps every vote it acknowledged and its database opens
cleanly. Each test serves the app in its own process with its own database
(benchmarks.votes_load.serve), so it can read the file the server writes."""
from __future__ import annotations

import os
import threading
import time

import pytest
from playwright.sync_api import expect, sync_playwright

from benchmarks import votes_load
from eval import votes
from methods import REGISTRY
from ui.scoring import compared

CHROMIUM = os.environ.get("STYLEBENCH_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]

pytestmark = pytest.mark.e2e


@pytest.fixture
def served(tmp_path):
    db = tmp_path / "votes.sqlite3"
    server, url = votes_load.serve(db, tmp_path / "server.log")
    yield server, url, db
    if server.poll() is None:
        server.terminate()
        server.wait(timeout=30)


def test_a_vote_cast_in_the_browser_is_stored_and_revealed(served):
    _, url, db = served
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(url)
        page.get_by_role("tab", name="Vote").click()
        for side in ("left", "right"):
            expect(page.locator(f"#vote-image-{side} img")).to_be_visible(timeout=30_000)
            source = page.locator(f"#vote-image-{side} img").get_attribute("src")
            assert not any(method in source for method in compared(REGISTRY)), source  # blind
        expect(page.locator("#vote-right")).to_be_enabled()
        page.locator("#vote-right").click()
        expect(page.locator("#vote-reveal")).to_contain_text("You chose the right one", timeout=30_000)
        rows = votes.read_votes(db)
        assert len(rows) == 1 and rows[0]["answer"] == "right" and rows[0]["source"] == "pool"
        expect(page.locator("#vote-reveal")).to_contain_text(
            f"Left: {rows[0]['left_method']} · right: {rows[0]['right_method']}")
        expect(page.locator("#vote-right")).to_be_disabled()  # one vote per shown pair

        page.locator("#vote-next").click()
        expect(page.locator("#vote-reveal")).to_have_text("", timeout=30_000)
        expect(page.locator("#vote-same")).to_be_enabled()
        page.locator("#vote-same").click()
        expect(page.locator("#vote-reveal")).to_contain_text("about the same", timeout=30_000)
        assert [row["answer"] for row in votes.read_votes(db)] == ["right", "same"]

        page.get_by_role("tab", name="Leaderboard").click()
        expect(page.locator("#leaderboard")).to_contain_text("not enough votes yet: 2 of the 30", timeout=30_000)
        browser.close()


def test_a_server_killed_mid_load_loses_no_acknowledged_vote(served):
    server, url, db = served
    stop = threading.Event()
    tally = votes_load.Tally()
    # 10 voters x 25 votes, a pause of about 50 ms before each: the load outlasts the kill
    threads = [threading.Thread(target=votes_load.voter, args=(url, 25, tally, seed, 0, stop, 0.05))
               for seed in range(10)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 120
    while len(tally.acknowledged) < 40 and time.monotonic() < deadline:
        time.sleep(0.01)
    server.kill()  # SIGKILL: no clean shutdown, votes may be mid-transaction
    server.wait()
    stop.set()
    for thread in threads:
        thread.join(timeout=120)
    acknowledged = set(tally.acknowledged)
    assert len(acknowledged) >= 40
    stored, check = votes_load.stored_nonces(db)
    assert check == "ok"
    assert acknowledged <= stored, acknowledged - stored
    assert len(stored) < 10 * 25 and tally.failed  # the kill came mid-load
    store = votes.Store(db)  # the file opens for writing again, its schema in place
    session = store.voter_id("after")
    outputs = votes.Output("gatys", {}, "x", {}), votes.Output("vae", {}, "y", {})
    shown = votes.Shown("pool", "astronaut", "a", "starry_night", "b", *outputs)
    store.cast(store.ticket(shown, session), "left", session)
    assert store.count() == len(stored) + 1
    store.close()


def test_a_vote_on_the_persons_own_compare_run(served):
    _, url, db = served
    kept = ("adain", "magenta")  # the two fastest columns
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(url)
        expect(page.locator("#run-button")).to_be_visible(timeout=60_000)
        box = page.locator("#output-size input[type=number]")
        box.fill("128")
        box.press("Enter")
        for name in compared(REGISTRY):
            if name not in kept:
                page.locator(f"#include-{name} input[type=checkbox]").uncheck()
        page.locator("#run-button").click()
        for name in kept:
            expect(page.locator("#comparison")).to_contain_text(REGISTRY[name].title, timeout=180_000)
        page.get_by_role("tab", name="Vote").click()
        expect(page.locator("#vote-left")).to_be_enabled(timeout=30_000)  # the pool pair the tab opens with
        page.locator("#vote-own").click()
        expect(page.locator("#vote-image-left img[src$='left.png']")).to_be_visible(timeout=30_000)
        page.locator("#vote-left").click()
        expect(page.locator("#vote-reveal")).to_contain_text("You chose the left one", timeout=30_000)
        browser.close()
    rows = votes.read_votes(db)
    assert [(row["source"], row["answer"]) for row in rows] == [("compare", "left")]
    assert {rows[0]["left_method"], rows[0]["right_method"]} == set(kept)
    assert rows[0]["photo"] == "astronaut.png" and set(rows[0]["left_scores"]) >= {"ssim", "style_gain"}
