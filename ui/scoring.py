"""The judge's scores of an output, and of the colour transfer it is read against.

The colour transfer (methods.reference) is not a column of its own: its scores sit beside every
output, so `compared` leaves the reference methods out of the page's columns.
"""
from __future__ import annotations

import threading

import numpy as np

from eval import metrics
from methods.base import Method
from methods.reference import FAMILY as REFERENCE_FAMILY
from methods.reference import colour_transfer

_SCORE_LOCK = threading.Lock()  # the judge's per-image cache is not thread-safe


def compared(registry: dict[str, type[Method]]) -> dict[str, type[Method]]:
    """The methods that get a column: the reference rows are computed beside every method instead."""
    return {name: method for name, method in registry.items() if method.family != REFERENCE_FAMILY}


def score(output: np.ndarray, content: np.ndarray, style: np.ndarray) -> dict:
    with _SCORE_LOCK:
        return metrics.score(output, content, style)


def reference_scores(content: np.ndarray, style: np.ndarray) -> dict:
    """The colour transfer's scores on this pair (milliseconds to make; the judge caches its
    features, so every panel of one run shares them)."""
    return score(colour_transfer(content, style), content, style)


def judge_name() -> str:
    return metrics.default_judge().name
