"""Votes under load: the app served in its own process, driven through its HTTP API by concurrent
voters, plus forged and replayed tickets.

    python -m benchmarks.votes_load [--voters 50] [--votes 20] [--think 0] [--forged 1] [--url URL --db DB]

Each voter is one HTTP client with a browser id of its own that asks for a pool pair
(POST /gradio_api/run/vote_pair) and votes on it (/gradio_api/run/vote, whose answer carries the
next pair), `--votes` times: at once, or after `--think` seconds on average. Then `--forged` of its
used tickets come back replayed, with a changed signature, and with a changed payload under the old
signature. The database is read directly at the end: every vote the server acknowledged must be in
it, and no forged or replayed ticket. Without --url it serves the app itself with a new database
($STYLEBENCH_VOTES in a temporary folder).

The last line reads `sent S stored S lost 0 forged accepted 0` with the p50 / p95 latency of a vote
(the /vote call as its client sees it). Exit status 1 where a vote was lost or a forgery accepted.
"""
from __future__ import annotations

import argparse
import base64
import json
import os
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
LAUNCHER = """
import sys
import app
app.launch(app.demo, server_name="127.0.0.1", server_port=int(sys.argv[1]), quiet=True)
"""
START_TIMEOUT_S = 240
ANSWERS = ("left", "right", "same")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def serve(db: Path, log: Path) -> tuple[subprocess.Popen, str]:
    """The app in its own process, as a Space runs it, storing votes in `db`; (process, address)."""
    port = free_port()
    env = {**os.environ, "STYLEBENCH_VOTES": str(db), "STYLEBENCH_OFFLINE": "1", "PYTHONUNBUFFERED": "1"}
    with open(log, "w") as out:
        server = subprocess.Popen([sys.executable, "-c", LAUNCHER, str(port)], cwd=ROOT, env=env, stdout=out,
                                  stderr=subprocess.STDOUT)
    address = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the app exited with {server.returncode}: {log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(address, timeout=5):
                return server, address
        except OSError:
            time.sleep(0.5)
    server.kill()
    raise RuntimeError(f"the app did not answer within {START_TIMEOUT_S} s")


def nonce(ticket: str) -> str:
    """The pair's nonce, which the database stores (a ticket's payload is signed, not secret)."""
    body = ticket.partition(".")[0]
    return json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))["nonce"]


def forgeries(ticket: str) -> list[str]:
    """A used ticket replayed, with a changed signature, and with a changed payload under its signature."""
    body, _, signature = ticket.partition(".")
    payload = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    payload["nonce"] = "f" * 24
    changed = base64.urlsafe_b64encode(json.dumps(payload, separators=(",", ":"), sort_keys=True).encode())
    flipped = ("A" if signature[0] != "A" else "B") + signature[1:]
    return [ticket, f"{body}.{flipped}", f"{changed.rstrip(b'=').decode()}.{signature}"]


@dataclass
class Tally:
    acknowledged: list[str] = field(default_factory=list)  # nonces the server said it stored
    sent: int = 0
    failed: list[str] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    forged_sent: int = 0
    forged_accepted: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


def call(client, url: str, api_name: str, browser_id: str, *data):
    """One API call (POST /gradio_api/run/<api_name>); its result, or RuntimeError with the server's message."""
    response = client.post(f"{url}gradio_api/run/{api_name}", json={"data": list(data), "session_hash": browser_id})
    body = response.json()
    if response.status_code != 200 or "data" not in body:
        raise RuntimeError(body.get("error") or f"HTTP {response.status_code}")
    return body["data"][0]


def voter(url: str, votes: int, tally: Tally, seed: int, forged: int, stop: threading.Event,
          think: float = 0.0) -> None:
    """One person voting: a pair, `think` seconds (0.5 to 1.5 times, at random) before the vote,
    the next pair at once; then used tickets sent back, replayed and forged."""
    rng = np.random.default_rng(seed)
    browser_id = f"load-voter-{seed}-{rng.integers(1 << 62)}"
    used = []
    with httpx.Client(timeout=60) as client:
        ticket = None
        for _ in range(votes):
            if stop.is_set():
                return
            try:
                ticket = ticket or call(client, url, "vote_pair", browser_id)["ticket"]
            except (httpx.HTTPError, RuntimeError, ValueError) as error:  # a killed server: counted, not raised
                with tally.lock:
                    tally.failed.append(f"pair: {error}")
                continue
            with tally.lock:
                tally.sent += 1
            if think:
                stop.wait(think * rng.uniform(0.5, 1.5))
            started = time.perf_counter()
            try:
                answered = call(client, url, "vote", browser_id, ticket, str(rng.choice(ANSWERS)))
            except (httpx.HTTPError, RuntimeError, ValueError) as error:
                with tally.lock:
                    tally.failed.append(f"vote: {error}")
                ticket = None
                continue
            seconds = time.perf_counter() - started
            with tally.lock:
                tally.acknowledged.append(nonce(ticket))
                tally.latencies.append(seconds)
            used.append(ticket)
            ticket = answered["next"]["ticket"]  # the vote's answer carries the next pair
        for ticket in used[:forged]:
            for bad in forgeries(ticket):
                with tally.lock:
                    tally.forged_sent += 1
                try:
                    call(client, url, "vote", browser_id, bad, "left")
                except (httpx.HTTPError, RuntimeError, ValueError):  # the refusal expected
                    continue
                with tally.lock:
                    tally.forged_accepted += 1


def stored_nonces(db: Path) -> tuple[set[str], str]:
    """The tickets stored, and SQLite's integrity check of the file."""
    connection = sqlite3.connect(db)
    try:
        check = connection.execute("PRAGMA integrity_check").fetchone()[0]
        return {row[0] for row in connection.execute("SELECT ticket FROM votes")}, check
    finally:
        connection.close()


def drive(url: str, voters: int, votes: int, forged: int, think: float = 0.0) -> Tally:
    tally, stop = Tally(), threading.Event()
    threads = [threading.Thread(target=voter, args=(url, votes, tally, seed, forged, stop, think))
               for seed in range(voters)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return tally


def summary(tally: Tally, stored: set[str]) -> tuple[str, bool]:
    lost = len(set(tally.acknowledged) - stored)
    milliseconds = 1000 * np.percentile(tally.latencies, [50, 95]) if tally.latencies else (np.nan, np.nan)
    line = (f"sent {tally.sent} stored {len(stored)} lost {lost} forged accepted {tally.forged_accepted}"
            f" · vote latency p50 {milliseconds[0]:.0f} ms p95 {milliseconds[1]:.0f} ms")
    return line, lost == 0 and tally.forged_accepted == 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.votes_load", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--voters", type=int, default=50)
    p.add_argument("--votes", type=int, default=20, help="votes per voter (the app counts at most 30 a minute)")
    p.add_argument("--think", type=float, default=0.0,
                   help="seconds a voter looks at a pair before voting, on average (default 0: as fast as the "
                        "server answers)")
    p.add_argument("--forged", type=int, default=1, help="used tickets per voter sent again, forged three ways")
    p.add_argument("--url", help="a running app (its database must be readable here: give --db)")
    p.add_argument("--db", help="the running app's votes database")
    args = p.parse_args(argv)
    if args.voters < 1 or args.votes < 1 or (args.url and not args.db):
        print("error: --voters and --votes at least 1; --url needs --db", file=sys.stderr)
        return 2
    folder = Path(tempfile.mkdtemp(prefix="stylebench-votes-load-"))
    db, server = Path(args.db) if args.db else folder / "votes.sqlite3", None
    try:
        if args.url:
            url = args.url
        else:
            server, url = serve(db, folder / "server.log")
        started = time.perf_counter()
        tally = drive(url, args.voters, args.votes, args.forged, args.think)
        wall = time.perf_counter() - started
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
    stored, check = stored_nonces(db)
    print(f"{args.voters} voters x {args.votes} votes, thinking {args.think:g} s, in {wall:.1f} s; "
          f"{tally.forged_sent} forged or replayed "
          f"tickets; {len(tally.failed)} failed calls{': ' + tally.failed[0] if tally.failed else ''}; "
          f"integrity check: {check}; database {db}")
    line, ok = summary(tally, stored)
    print(line)
    return 0 if ok and check == "ok" else 1


if __name__ == "__main__":
    sys.exit(main())
