"""Human votes: blind pairwise choices between two methods' outputs on the same photo and painting,
stored in SQLite, and the signed tickets that let a vote count only for a pair this server showed.

Where the database lives (`default_path`): `$STYLEBENCH_VOTES`; else `/data/votes.sqlite3` where
`/data` is a writable folder (a Hugging Face Space with persistent storage); else
`votes.sqlite3` in the cache home (`~/.cache/stylebench`, or `$STYLEBENCH_CACHE`). The server's
secret (`votes.secret`, 32 random bytes, readable by its owner only) sits beside it; deleting it
makes every ticket in flight invalid and starts new anonymous voter ids, and keeps the votes.

Schema (version 1, `PRAGMA user_version`): one table, one row per vote.

    votes(id INTEGER PRIMARY KEY, created REAL  -- Unix time of the vote
          ticket TEXT UNIQUE                     -- the shown pair's nonce: one vote per shown pair
          voter TEXT                             -- keyed hash of the page's connection id (no IP, no personal data)
          source TEXT                            -- 'pool' (precomputed outputs) or 'compare' (the voter's run)
          photo, photo_hash, painting, painting_hash TEXT     -- the pair: names and pixel hashes
          left_method, left_params, left_hash, left_scores    -- the output shown on the left: its method,
          right_method, right_params, right_hash, right_scores   parameters (JSON), pixel hash, judge scores (JSON)
          answer TEXT CHECK (answer IN ('left', 'right', 'same')))

Migrations: `MIGRATIONS[k]` takes a database from version k to k + 1 and runs in the writer's
transaction, so a database is always at one version. To change the schema, append one script
(e.g. `ALTER TABLE votes ADD COLUMN ...`) and never edit a released one; `Store` brings any older
file up to date when it opens it, and refuses a file from a newer version.

Concurrency: WAL mode; every process has one writer connection behind a lock, and each vote is one
`BEGIN IMMEDIATE` transaction (the rate-limit count, the insert) with `synchronous=FULL`, so a vote
is on disk before the voter hears it counted, and a killed server loses no counted vote.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import sqlite3
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from methods.core.files import cache_home

ANSWERS = ("left", "right", "same")
SOURCES = ("pool", "compare")
TICKET_TTL_S = 3600  # a shown pair can be voted on for an hour
RATE_LIMIT = (30, 60.0)  # at most 30 votes a voter in any 60 s: a person takes seconds to compare two images
BUSY_TIMEOUT_MS = 10_000
MAX_TICKET = 16_384  # characters; a ticket is about 1,500: a longer one is refused before any work on it
SPACE_DATA = Path("/data")

MIGRATIONS = (
    """CREATE TABLE votes (
        id INTEGER PRIMARY KEY,
        created REAL NOT NULL,
        ticket TEXT NOT NULL UNIQUE,
        voter TEXT NOT NULL,
        source TEXT NOT NULL,
        photo TEXT NOT NULL, photo_hash TEXT NOT NULL,
        painting TEXT NOT NULL, painting_hash TEXT NOT NULL,
        left_method TEXT NOT NULL, left_params TEXT NOT NULL, left_hash TEXT NOT NULL, left_scores TEXT NOT NULL,
        right_method TEXT NOT NULL, right_params TEXT NOT NULL, right_hash TEXT NOT NULL, right_scores TEXT NOT NULL,
        answer TEXT NOT NULL CHECK (answer IN ('left', 'right', 'same')));
    CREATE INDEX votes_voter_created ON votes (voter, created);""",
)
SCHEMA_VERSION = len(MIGRATIONS)
SIDES = ("left", "right")
OUTPUT_FIELDS = ("method", "params", "hash", "scores")
COLUMNS = ("created", "ticket", "voter", "source", "photo", "photo_hash", "painting", "painting_hash",
           *(f"{side}_{name}" for side in SIDES for name in OUTPUT_FIELDS), "answer")


class VoteError(ValueError):
    """A vote that was not stored, with the reason in words for the voter."""


def default_path() -> Path:
    if os.environ.get("STYLEBENCH_VOTES"):
        return Path(os.environ["STYLEBENCH_VOTES"])
    if SPACE_DATA.is_dir() and os.access(SPACE_DATA, os.W_OK):
        return SPACE_DATA / "votes.sqlite3"
    return cache_home() / "votes.sqlite3"


def read_secret(path: Path) -> bytes:
    """The server's secret beside the database, made on first use. Linked into place whole, so two
    processes starting at once share one secret and never read half of it."""
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        try:
            os.write(handle, secrets.token_bytes(32))
            os.close(handle)
            os.link(temp, path)  # fails where another process got there first: its secret stands
        except FileExistsError:
            pass
        finally:
            Path(temp).unlink(missing_ok=True)
    secret = path.read_bytes()
    if len(secret) < 32:
        raise VoteError(f"{path} is not a vote secret (under 32 bytes): remove it to make a new one")
    return secret


@dataclass(frozen=True)
class Output:
    """One shown output: its method, parameters, pixel hash and judge scores."""
    method: str
    params: dict
    hash: str
    scores: dict


@dataclass(frozen=True)
class Shown:
    """A pair as the server showed it: the photo, the painting, the left and right outputs."""
    source: str
    photo: str
    photo_hash: str
    painting: str
    painting_hash: str
    left: Output
    right: Output

    def as_dict(self) -> dict:
        return {"source": self.source, "photo": self.photo, "photo_hash": self.photo_hash, "painting": self.painting,
                "painting_hash": self.painting_hash, "left": vars(self.left), "right": vars(self.right)}

    @classmethod
    def from_dict(cls, data: dict) -> Shown:
        return cls(**{**data, "left": Output(**data["left"]), "right": Output(**data["right"])})


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Store:
    """The votes database and the tickets of the pairs shown; one per process and path, shared by threads."""

    def __init__(self, path: str | os.PathLike | None = None, ttl_s: float = TICKET_TTL_S,
                 rate_limit: tuple[int, float] = RATE_LIMIT):
        self.path = Path(path) if path else default_path()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.secret = read_secret(self.path.with_name(self.path.stem + ".secret"))
        self.ttl_s, self.rate_limit = ttl_s, rate_limit
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None,
                                   check_same_thread=False)
        self._db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        self._db.execute("PRAGMA journal_mode = WAL")
        self._db.execute("PRAGMA synchronous = FULL")
        self._migrate()

    def _migrate(self) -> None:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                version = self._db.execute("PRAGMA user_version").fetchone()[0]
                if version > SCHEMA_VERSION:
                    raise VoteError(f"{self.path} has votes schema {version}; this code knows up to {SCHEMA_VERSION}")
                for script in MIGRATIONS[version:]:
                    for statement in filter(str.strip, script.split(";")):
                        self._db.execute(statement)
                self._db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # -- voters and tickets ---------------------------------------------------------------------
    def voter_id(self, page_id: str) -> str:
        """The anonymous id stored with a vote: a keyed hash of the page's connection id, which cannot be
        traced back to it without the server's secret."""
        return hmac.new(self.secret, b"voter:" + page_id.encode(), hashlib.sha256).hexdigest()[:20]

    def ticket(self, shown: Shown, voter: str, now: float | None = None) -> str:
        """A signed, expiring ticket for a pair shown to `voter` (an id from voter_id)."""
        payload = {"nonce": secrets.token_hex(12), "expires": (now or time.time()) + self.ttl_s, "voter": voter,
                   "shown": shown.as_dict()}
        body = _b64(json.dumps(payload, separators=(",", ":"), sort_keys=True).encode())
        return f"{body}.{self._sign(body)}"

    def _sign(self, body: str) -> str:
        return _b64(hmac.new(self.secret, b"ticket:" + body.encode(), hashlib.sha256).digest())

    def open_ticket(self, ticket: str, voter: str, now: float | None = None) -> tuple[str, Shown]:
        """(nonce, pair) of a valid ticket; VoteError for a forged, damaged, expired or foreign one."""
        body, _, signature = str(ticket or "")[:MAX_TICKET + 1].partition(".")
        if not body or len(body) + len(signature) >= MAX_TICKET or not hmac.compare_digest(signature, self._sign(body)):
            raise VoteError("This vote's ticket was not issued by this server (forged or damaged): "
                            "nothing was stored. Ask for a new pair.")
        payload = json.loads(_unb64(body))
        if (now or time.time()) > payload["expires"]:
            raise VoteError(f"This pair was shown over {self.ttl_s / 60:.0f} minutes ago, so its vote has expired: "
                            "nothing was stored. Ask for a new pair.")
        if payload["voter"] != voter:
            raise VoteError("This pair was shown to another page: nothing was stored. Ask for a new pair.")
        return payload["nonce"], Shown.from_dict(payload["shown"])

    # -- votes ------------------------------------------------------------------------------------
    def cast(self, ticket: str, answer: str, voter: str, now: float | None = None) -> Shown:
        """Store one vote on the pair its ticket names; returns the pair (to reveal the methods).
        VoteError, storing nothing, for a bad answer or ticket, a second vote on the pair, or a
        voter over the rate limit."""
        if answer not in ANSWERS:
            raise VoteError(f"answer {answer!r}: choose one of {', '.join(ANSWERS)}")
        nonce, shown = self.open_ticket(ticket, voter, now)
        now = now or time.time()
        limit, window = self.rate_limit
        row = (now, nonce, voter, shown.source, shown.photo, shown.photo_hash, shown.painting, shown.painting_hash,
               *(value for side in (shown.left, shown.right)
                 for value in (side.method, json.dumps(side.params, sort_keys=True), side.hash,
                               json.dumps(side.scores, sort_keys=True))), answer)
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")  # other processes' writers wait (busy_timeout)
            try:
                recent = self._db.execute("SELECT COUNT(*) FROM votes WHERE voter = ? AND created > ?",
                                          (voter, now - window)).fetchone()[0]
                if recent >= limit:
                    raise VoteError(f"That is {limit} votes in {window:.0f} s from this page, the most we count: "
                                    "nothing was stored. Take a few seconds over the next pair.")
                self._db.execute(f"INSERT INTO votes ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})",
                                 row)
                self._db.execute("COMMIT")
            except sqlite3.IntegrityError:
                self._db.execute("ROLLBACK")
                raise VoteError("This pair already has its vote: one vote per shown pair, nothing more was stored."
                                ) from None
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        return shown

    def count(self) -> int:
        with self._lock:
            return self._db.execute("SELECT COUNT(*) FROM votes").fetchone()[0]


def read_votes(path: str | os.PathLike) -> list[dict]:
    """Every vote of a database file, opened read-only (a writer may be busy with it); OSError
    for a missing file, sqlite3.DatabaseError for one that is not a votes database."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError("no such votes database")
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_MS / 1000)
    try:
        db.row_factory = sqlite3.Row
        rows = [dict(row) for row in db.execute("SELECT * FROM votes ORDER BY id")]
    finally:
        db.close()
    for row in rows:
        for side in SIDES:
            for name in ("params", "scores"):
                row[f"{side}_{name}"] = json.loads(row[f"{side}_{name}"])
    return rows
