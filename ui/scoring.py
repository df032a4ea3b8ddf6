"""The judge's scores of an output, and of the colour transfer it is read against.

The colour transfer (methods.reference) is not a column of its own: its scores sit beside every
output, so `compared` leaves the reference methods out of the page's columns.
"""
from __future__ import annotations

import collections
import contextlib
import threading
import time

import numpy as np

from eval import metrics
from methods.base import Method
from methods.core.files import pixel_key
from methods.reference import FAMILY as REFERENCE_FAMILY
from methods.reference import colour_transfer

_SCORE_LOCK = threading.Lock()  # the judge's per-image cache is not thread-safe
REFERENCE_PAIRS = 32  # (photo, painting) pairs whose colour-transfer scores are kept
_REFERENCES: collections.OrderedDict = collections.OrderedDict()
_REFERENCE_LOCK = threading.Lock()  # held while a pair's reference is computed; taken before _SCORE_LOCK
_CACHE_LOCK = threading.Lock()  # held only to read or change _REFERENCES and _STARTED
_STARTED: set = set()  # the pair whose reference scores the background thread is computing (one at most)
# the judge's numbers come first: on 2 cores an output scored beside a running Gatys or VAE took
# 8-16 s instead of about 1 s, so iterative methods wait at their next progress report while an
# output is scored (at most JUDGE_FIRST_S at a time)
JUDGE_FIRST_S = 10.0
_JUDGING = threading.Condition()
_scoring_now = collections.Counter()  # "outputs": how many are being scored


@contextlib.contextmanager
def judging():
    """While an output is scored: iterative methods wait at their next report (wait_while_judging)."""
    _judge_busy(+1)
    try:
        yield
    finally:
        _judge_busy(-1)


def _judge_busy(change: int) -> None:
    with _JUDGING:
        _scoring_now["outputs"] += change
        _JUDGING.notify_all()


def compared(registry: dict[str, type[Method]]) -> dict[str, type[Method]]:
    """The methods that get a column: the reference rows are computed beside every method instead."""
    return {name: method for name, method in registry.items() if method.family != REFERENCE_FAMILY}


def score(output: np.ndarray, content: np.ndarray, style: np.ndarray) -> dict:
    with judging(), _SCORE_LOCK:
        return metrics.score(output, content, style)


def wait_while_judging(stopped: threading.Event, timeout: float = JUDGE_FIRST_S) -> None:
    """Called by an iterative method's progress reports (ui.streaming): returns once no output is
    being scored, the method is stopped, or after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    with _JUDGING:
        while _scoring_now["outputs"] and not stopped.is_set() and time.monotonic() < deadline:
            _JUDGING.wait(0.1)  # Stop is an Event of its own: look at it often


def reference_scores(content: np.ndarray, style: np.ndarray) -> dict:
    """The colour transfer's scores on this pair, computed once per pair: every panel of a run,
    and later runs of the same photo and painting, share them. Callers that ask while they are
    being computed wait for them (the judge scores one image at a time anyway)."""
    key = _pair_key(content, style)
    with _CACHE_LOCK:
        known = _REFERENCES.get(key)
        if known is not None:
            _REFERENCES.move_to_end(key)  # the most used pairs stay
            return dict(known)
    with _REFERENCE_LOCK:  # one pair computed at a time: a second caller of the same pair finds it done
        with _CACHE_LOCK:
            known = _REFERENCES.get(key)
        if known is None:
            known = score(colour_transfer(content, style), content, style)
        with _CACHE_LOCK:
            _REFERENCES[key] = known
            _REFERENCES.move_to_end(key)
            while len(_REFERENCES) > REFERENCE_PAIRS:
                _REFERENCES.popitem(last=False)
        return dict(known)


def start_reference_scores(content: np.ndarray, style: np.ndarray) -> None:
    """Score the colour transfer of this pair in the background (once, however many columns ask)
    while the methods run: the judge reads the new photo and painting then, so the first output's
    numbers wait only for its own scores. One such thread at a time: while it works, another pair's
    columns score their reference themselves (so runs that end at once pile up no threads)."""
    key = _pair_key(content, style)
    with _CACHE_LOCK:
        if key in _REFERENCES or _STARTED:
            return
        _STARTED.add(key)
    _judge_busy(+1)  # from now, not from when the thread starts: a slow method about to start waits for it

    def work():
        try:
            reference_scores(content, style)
        except Exception:  # noqa: BLE001 - each output's own scoring asks again and reports a failure
            pass
        finally:
            with _CACHE_LOCK:
                _STARTED.discard(key)
            _judge_busy(-1)

    try:
        threading.Thread(target=work, name="reference-scores", daemon=True).start()
    except BaseException:  # no thread: nothing may stay marked as started or busy
        with _CACHE_LOCK:
            _STARTED.discard(key)
        _judge_busy(-1)
        raise


def _pair_key(content: np.ndarray, style: np.ndarray) -> tuple:
    return content.shape, pixel_key(content), style.shape, pixel_key(style)


def warm() -> None:
    """Load the judge's networks (VGG16-HED, Magenta's style predictor) by scoring a small pair, so
    that a server's first Run does not wait for them after its first picture."""
    grid = np.indices((64, 64)).sum(axis=0) % 2
    score(np.full((64, 64, 3), 0.5, np.float32), np.full((64, 64, 3), 0.4, np.float32),
          np.repeat(grid[..., None], 3, axis=-1).astype(np.float32))


def judge_name() -> str:
    return metrics.default_judge().name
