"""The Vote and Leaderboard tabs: blind choices between two methods' outputs on one photo and
painting, stored by eval.votes, ranked by eval.leaderboard.

A pair comes from the pool shipped in assets/vote_pool/ (every method on a few example photos and
paintings; `python -m benchmarks.vote_pool` makes it), or from the person's own run on the Compare
tab. Its two outputs are shown in random order without names; the server hands the page a signed
ticket for exactly that pair, and a vote counts only with it (eval.votes). API callers POST to
`/gradio_api/run/vote_pair` (a pool pair: ticket and image files) and `/gradio_api/run/vote`
(ticket, answer; it answers with the next pair), with a `session_hash` of their own.
"""
from __future__ import annotations

import functools
import json
import random
import tempfile
from pathlib import Path

import gradio as gr
import numpy as np
from gradio.context import Context

from eval import leaderboard, votes, votes_export
from eval.votes import Output, Shown, VoteError
from methods.core.files import file_digest, pixel_key
from methods.core.images import save_image
from ui import table

POOL_DIR = Path(__file__).resolve().parents[1] / "assets" / "vote_pool"
ANSWER_WORDS = {"left": "the left one", "right": "the right one", "same": "about the same"}
INTRO = ("### Which one renders the photo in the painting's style better?\nTwo methods' outputs on the same photo "
         "and painting, in random order, their names hidden until you answer. Your votes rank the methods on the "
         "**Leaderboard** tab. We store your answer, the pair and an anonymous voter id, nothing about you.")
VOTE_CONCURRENCY = 8  # a vote is a few milliseconds of SQLite; the writer's lock orders them


@functools.cache
def store() -> votes.Store:
    """The process's votes database (eval.votes.default_path), opened on the first vote or pair;
    its export to a dataset starts with it where one is configured (eval.votes_export)."""
    opened = votes.Store()
    try:
        _EXPORT.append(votes_export.start(opened.path))
    except Exception as error:  # noqa: BLE001 - the Hub unreachable or refusing: votes are still stored
        print(f"warning: the votes export did not start: {type(error).__name__}: {error}")
    return opened


_EXPORT: list = []  # the export's scheduler, kept alive with the process


@functools.cache
def pool() -> dict[tuple[str, str], list[dict]]:
    """{(photo, painting): its outputs, at least two methods} from the shipped pool; a file whose
    sha256 differs from the manifest's is left out."""
    try:
        manifest = json.loads((POOL_DIR / "manifest.json").read_text())
    except (OSError, ValueError):
        return {}

    def intact(row: dict) -> bool:
        path = POOL_DIR / row["file"]
        return path.is_file() and file_digest(path) == row["sha256"]

    images = {row["name"]: row for row in manifest["images"] if intact(row)}
    pairs: dict[tuple[str, str], list[dict]] = {}
    for row in manifest["outputs"]:
        if row["photo"] in images and row["painting"] in images and intact(row):
            pairs.setdefault((row["photo"], row["painting"]), []).append(
                {**row, "photo_row": images[row["photo"]], "painting_row": images[row["painting"]]})
    return {key: rows for key, rows in pairs.items() if len({r["method"] for r in rows}) >= 2}


def _output(row: dict) -> Output:
    return Output(row["method"], row.get("params") or {}, row["hash"], row.get("scores") or {})


def pool_pair(rng: random.Random | None = None) -> tuple[Shown, dict[str, str]]:
    """A random pool pair (two different methods, random sides) and the files to show it."""
    rng = rng or random.SystemRandom()
    pairs = pool()
    if not pairs:
        raise VoteError("No outputs to vote on: assets/vote_pool is missing (python -m benchmarks.vote_pool makes it).")
    rows = pairs[rng.choice(sorted(pairs))]
    first, second = rng.sample(sorted({r["method"] for r in rows}), 2)
    left, right = (next(r for r in rows if r["method"] == m) for m in (first, second))
    photo, painting = left["photo_row"], left["painting_row"]
    shown = Shown("pool", photo["name"], photo["hash"], painting["name"], painting["hash"], _output(left),
                  _output(right))
    files = {name: str(POOL_DIR / row["file"]) for name, row in (("photo", photo), ("painting", painting),
                                                                  ("left", left), ("right", right))}
    return shown, files


def compare_pair(records: list[dict | None], photo: str | None, painting: str | None,
                 rng: random.Random | None = None) -> tuple[Shown, dict[str, str]]:
    """Two random outputs of the person's last Compare run, for a vote on their own comparison."""
    rng = rng or random.SystemRandom()
    run = next((r["run"] for r in records if r and r.get("scores")), None)
    done = [r for r in table.current_records(run, records) if r.get("scores")]  # failed or stopped: no output
    if len(done) < 2 or not photo or not painting:
        raise VoteError("Run at least two methods on the Compare tab first; then vote on their outputs here.")
    left, right = rng.sample(done, 2)
    folder = Path(tempfile.mkdtemp(prefix="stylebench-vote-"))
    files = {"photo": photo, "painting": painting}
    for side, record in (("left", left), ("right", right)):
        files[side] = str(save_image(record["image"], folder / f"{side}.png"))
    shown = Shown("compare", record_name(left, "photo"), _file_key(photo), record_name(left, "painting"),
                  _file_key(painting), *(Output(r["name"], r.get("params") or {}, pixel_key(np.asarray(r["image"])),
                                                {k: float(v) for k, v in r["scores"].items()}) for r in (left, right)))
    return shown, files


def record_name(record: dict, which: str) -> str:
    return str(record.get("inputs", {}).get(which, "upload"))


def _file_key(path: str) -> str:
    return file_digest(path)[:24]


# -- the events ---------------------------------------------------------------------------------
def _voter(request: gr.Request | None) -> str:
    return store().voter_id(getattr(request, "session_hash", None) or "api")


def vote_pair(request: gr.Request) -> dict:
    """A pool pair for an API caller: {ticket, photo, painting, left, right}: the ticket to vote
    with, the image names, and the outputs' files in assets/vote_pool/outputs."""
    try:
        shown, files = pool_pair()
    except VoteError as error:
        raise gr.Error(str(error)) from None
    return {"ticket": store().ticket(shown, _voter(request)), "photo": shown.photo, "painting": shown.painting,
            "left": Path(files["left"]).name, "right": Path(files["right"]).name}


def _cast(ticket: str, answer: str, request: gr.Request | None) -> Shown:
    try:
        return store().cast(ticket, answer, _voter(request))
    except VoteError as error:
        raise gr.Error(str(error)) from None


def vote(ticket: str, answer: str, request: gr.Request) -> dict:
    """Cast a vote: answer 'left', 'right' or 'same' on the pair the ticket names. Returns the two
    methods and the next pool pair (as /vote_pair gives it), so a voter needs one call a vote; a
    gr.Error (nothing stored) for a forged, used or expired ticket or too many votes."""
    shown = _cast(ticket, answer, request)
    return {"stored": True, "left": shown.left.method, "right": shown.right.method, "answer": answer,
            "next": vote_pair(request)}


# The API endpoints run on the server's event loop, not in its thread pool: their work is well under
# a millisecond (a vote's commit included), and under load the hop to a thread and back cost more
# than the work (50 voters without a pause, 2 cores: p95 142 ms on the loop, 192-247 ms in threads).
# The one writer (Store's lock, one server process per database) never keeps the loop waiting long.
async def api_vote_pair(request: gr.Request) -> dict:
    """A pool pair to vote on: {ticket, photo, painting, left, right} (see vote_pair)."""
    return vote_pair(request)


async def api_vote(ticket: str, answer: str, request: gr.Request) -> dict:
    """Cast a vote ('left', 'right' or 'same') with a pair's ticket; the answer names the two methods
    and carries the next pair (see vote)."""
    return vote(ticket, answer, request)


def _show(shown: Shown, files: dict, request) -> list:
    return [files["photo"], files["painting"], files["left"], files["right"], store().ticket(shown, _voter(request)),
            "", *[gr.update(interactive=True)] * 3]


def _next(request: gr.Request):
    try:
        return _show(*pool_pair(), request)
    except VoteError as error:
        raise gr.Error(str(error)) from None


def _opened(ticket: str, request: gr.Request):
    """The tab opened: a pool pair, unless a pair still waits for its vote (it stays)."""
    return [gr.skip()] * 9 if ticket else _next(request)


def _answer(answer: str):
    def cast(ticket: str, request: gr.Request):
        shown = _cast(ticket, answer, request)
        reveal = (f"You chose **{ANSWER_WORDS[answer]}**. Left: **{shown.left.method}** · "
                  f"right: **{shown.right.method}**. Press **Next pair** for another.")
        return reveal, "", *[gr.update(interactive=False)] * 3

    cast.__name__ = f"vote_{answer}"
    return cast


def vote_tab(compare=None) -> None:
    """The Vote tab's contents (call inside its gr.Tab). `compare`: the Compare tab's namespace
    (content, style, records), for votes on the person's own run."""
    gr.Markdown(INTRO)
    with gr.Row(equal_height=False):
        photo = gr.Image(label="Photo", interactive=False, height=200, elem_id="vote-photo")
        painting = gr.Image(label="Painting", interactive=False, height=200, elem_id="vote-painting")
    with gr.Row(equal_height=False):
        left = gr.Image(label="Left", interactive=False, height=360, elem_id="vote-image-left")
        right = gr.Image(label="Right", interactive=False, height=360, elem_id="vote-image-right")
    with gr.Row():
        buttons = {answer: gr.Button(text, elem_id=f"vote-{answer}", interactive=False) for answer, text in
                   (("left", "◀ Left is better"), ("same", "About the same"), ("right", "Right is better ▶"))}
    reveal = gr.Markdown("", elem_id="vote-reveal")
    ticket = gr.Textbox("", visible=False, elem_id="vote-ticket")
    with gr.Row():
        next_button = gr.Button("Next pair", variant="primary", elem_id="vote-next")
        own = gr.Button("Vote on my Compare run", elem_id="vote-own") if compare is not None else None
    shown = [photo, painting, left, right, ticket, reveal, *buttons.values()]
    next_button.click(_next, None, shown, api_visibility="private", show_progress="hidden")
    opened = getattr(Context.block, "select", None)  # the enclosing tab: a pair as soon as it opens
    if opened:
        opened(_opened, ticket, shown, api_visibility="private", show_progress="hidden")
    for answer, button in buttons.items():
        button.click(_answer(answer), ticket, [reveal, ticket, *buttons.values()], api_visibility="private",
                     concurrency_limit=VOTE_CONCURRENCY, concurrency_id="votes", show_progress="hidden")
    if own is not None:
        def own_pair(values: dict, request: gr.Request):  # a set of inputs: values by component
            records = [values[record] for record in compare.records]
            try:
                return _show(*compare_pair(records, values[compare.content], values[compare.style]), request)
            except VoteError as error:
                raise gr.Error(str(error)) from None

        own.click(own_pair, {compare.content, compare.style, *compare.records}, shown, api_visibility="private",
                  show_progress="hidden")
    # outside the queue: one plain POST each (/gradio_api/run/vote), milliseconds of work that the
    # queue's event stream would multiply; the writer's lock orders the votes
    gr.api(api_vote_pair, api_name="vote_pair", queue=False)
    gr.api(api_vote, api_name="vote", queue=False)


LEADERBOARD_REFRESH_S = 30  # an open Leaderboard tab re-reads the votes this often
_BOARDS: dict[tuple, str] = {}  # (database, votes, last vote id and time) -> tables; votes are only ever added


def leaderboard_markdown() -> str:
    """The same tables as `python -m eval.leaderboard` on this server's votes (fitted again only when a
    vote has arrived since: the bootstrap is the costly part)."""
    path = store().path
    try:
        rows = votes.read_votes(path)
        key = (str(path), len(rows), rows[-1]["id"] if rows else 0, rows[-1]["created"] if rows else 0.0)
        if key not in _BOARDS:
            result = leaderboard.board(rows)
            _BOARDS.clear()
            _BOARDS[key] = leaderboard.markdown(result) + f"\n<small>{result.votes} votes in {path.name}.</small>"
    except (OSError, votes.sqlite3.Error) as error:
        return f"The votes cannot be read: {error}"
    return _BOARDS[key]


def leaderboard_tab() -> None:
    """The Leaderboard tab's contents (call inside its gr.Tab)."""
    gr.Markdown("### The methods as people rank them\nBlind votes from the **Vote** tab. The same tables as "
                "`python -m eval.leaderboard DB`.")
    board = gr.Markdown("Press **Refresh** to read the votes.", elem_id="leaderboard")
    refresh = gr.Button("Refresh", elem_id="leaderboard-refresh")
    refresh.click(leaderboard_markdown, None, board, api_name="leaderboard", show_progress="minimal")
    opened = getattr(Context.block, "select", None)  # the enclosing tab: fresh tables whenever it opens
    if opened:
        opened(leaderboard_markdown, None, board, api_visibility="private", show_progress="hidden")
    gr.Timer(LEADERBOARD_REFRESH_S).tick(leaderboard_markdown, None, board, api_visibility="private",
                                         show_progress="hidden")  # votes arrive while the tab is open
