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
# the judge's numbers come first: on 2 cores an output scored beside a running Gatys or VAE took
# 8-16 s instead of about 1 s, so iterative methods wait at their next progress report while an
# output is scored (at most JUDGE_FIRST_S at a time)
JUDGE_FIRST_S = 10.0
_JUDGING = threading.Condition()
_scoring_now = collections.Counter()  # "outputs": how many are being scored


@contextlib.contextmanager
def judging():
    """While an output is scored: iterative methods wait at their next report (wait_while_judging)."""
    with _JUDGING:
        _scoring_now["outputs"] += 1
    try:
        yield
    finally:
        with _JUDGING:
            _scoring_now["outputs"] -= 1
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
    and later runs of the same photo and painting, share them."""
    key = (content.shape, pixel_key(content), style.shape, pixel_key(style))
    with _SCORE_LOCK:
        if key in _REFERENCES:
            _REFERENCES.move_to_end(key)
            return dict(_REFERENCES[key])
    scores = score(colour_transfer(content, style), content, style)
    with _SCORE_LOCK:
        _REFERENCES[key] = scores
        while len(_REFERENCES) > REFERENCE_PAIRS:
            _REFERENCES.popitem(last=False)
    return dict(scores)


def warm() -> None:
    """Load the judge's networks (VGG16-HED, Magenta's style predictor) by scoring a small pair, so
    that a server's first Run does not wait for them after its first picture."""
    grid = np.indices((64, 64)).sum(axis=0) % 2
    score(np.full((64, 64, 3), 0.5, np.float32), np.full((64, 64, 3), 0.4, np.float32),
          np.repeat(grid[..., None], 3, axis=-1).astype(np.float32))


def judge_name() -> str:
    return metrics.default_judge().name
