"""Run ids: every result is bound to the run that made it.

A page's run id travels with the inputs of every event it sends. Run makes a new one (the previous
run is SUPERSEDED); a changed photo or painting (CHANGED) and Stop (STOPPED) end it. A method of an
ended run stops at its next progress report, and its event leaves its panel to whatever ended the
run (superseded), or says why it stopped. A stopped run's results (finished ones, and the image so
far of a method that returns one when stopped) show until the page moves on: a later Run or changed
input turns STOPPED into SUPERSEDED or CHANGED, and nothing of the run shows after.

Gradio's `cancels=` is not used for this: a cancel can reach the next run's events, and Gradio
labels a cancelled event's outputs "Error".
"""
from __future__ import annotations

import collections
import threading
import uuid

MAX_RUNS = 10_000  # remembered of each kind; pages that went away say nothing
API_RUN = ""  # the run id of an API call: nothing supersedes it
NO_RUN = "none"  # the page's run id after its inputs changed: nothing runs until the next Run
SUPERSEDED, CHANGED, STOPPED = "superseded", "changed", "stopped"

_LIVE_RUNS: collections.OrderedDict[str, None] = collections.OrderedDict()  # run ids whose results may still show
_ENDED_RUNS: collections.OrderedDict[str, str] = collections.OrderedDict()  # run id -> why it ended
_RUNS_LOCK = threading.Lock()


def _remember(table: collections.OrderedDict, key: str, value) -> None:
    table[key] = value
    while len(table) > MAX_RUNS:
        table.popitem(last=False)


def new_run(previous: str) -> str:
    """A fresh run id; the previous run of the same page ends (superseded)."""
    run = uuid.uuid4().hex[:12]
    end_run(previous, SUPERSEDED)
    with _RUNS_LOCK:
        _remember(_LIVE_RUNS, run, None)
    return run


def end_run(run: str, reason: str) -> None:
    """End a run (SUPERSEDED, CHANGED or STOPPED): its remaining methods stop at their next report.
    A stopped run that the page then leaves (a new Run, a changed input) takes that reason instead."""
    with _RUNS_LOCK:
        if _LIVE_RUNS.pop(run, False) is None or (_ENDED_RUNS.get(run) == STOPPED and reason != STOPPED):
            _remember(_ENDED_RUNS, run, reason)


def is_live(run: str | None) -> bool:
    """Whether a run's results may still show. API callers have no run id (API_RUN, or None):
    nothing supersedes their request."""
    return not run or run in _LIVE_RUNS


def end_reason(run: str) -> str | None:
    """Why a run ended (SUPERSEDED, CHANGED, STOPPED), or None if it did not."""
    return _ENDED_RUNS.get(run)


def shows(run: str) -> bool:
    """Whether a finished output may still show: its run goes on, or was stopped after it finished."""
    return is_live(run) or end_reason(run) == STOPPED
