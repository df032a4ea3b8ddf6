"""One method run in a worker thread, its progress streamed to the page, stopped on request.

`Method.stylize` reports progress through a callback called from inside its loop, so a generator
cannot yield from it directly: a queue hands the reports over to `stream_stylize`.
"""
from __future__ import annotations

import dataclasses
import queue
import threading
import time

import numpy as np

from methods.base import Cancelled, Method, MethodError
from ui import scoring

PREVIEW_EVERY_S = 0.75  # stream at most this often: each preview is a PNG sent to the page
# after Stop, how long a method may take to hand back the image it has (Gatys: its next loss
# evaluation, well under a second at 384 px) before its panel just says it stopped
STOP_GRACE_S = 5.0
LONG_RUN_S = 0.5  # from this long after its first progress report, a method waits while an output is scored

_WARM: set[tuple] = set()  # (method, networks) that have run in this process: their load() is cached


def load_key(method: Method, params: dict) -> tuple:
    """What a method's load() depends on: its networks (methods declare them), else its choices."""
    resolved = method.resolve_params(params)
    networks = method.networks(resolved)
    return (method.name, tuple(networks) if networks else tuple(
        (p.name, resolved[p.name]) for p in method.params if p.kind == "choice"))


def needs_loading(method: Method, params: dict) -> bool:
    """True until a run of this method with these networks has finished in this process (a bad
    setting loads nothing: it is refused first)."""
    try:
        return load_key(method, params) not in _WARM
    except MethodError:
        return False


def stream_stylize(method: Method, content: np.ndarray, style: np.ndarray, params: dict, alive=lambda: True):
    """Run `method.stylize` in a worker thread; yield ("progress", fraction, message, preview)
    as it reports, then ("done", Result) or ("error", exception).

    Previews are thinned to one per PREVIEW_EVERY_S. When this generator is closed early (Gradio
    cancels the event because the page went away, or its consumer gives up), the worker's next
    on_progress raises Cancelled, which ends Gatys' and the VAE's loops (and a wait for the method's
    slot); nothing more is reported.
    `alive()` is asked at least every PREVIEW_EVERY_S: once false, the worker is stopped the same
    way and the stream yields ("stopping",); then ("done", Result) if the method returns the image
    it has when stopped (Gatys) within STOP_GRACE_S, else nothing more. A consumer that wants no
    result of a stopped run closes the stream at "stopping".
    """
    reports: queue.Queue = queue.Queue()
    stop = threading.Event()
    first_report, waited = [], [0.0]  # seconds spent waiting for the judge: not the method's runtime

    def on_progress(fraction, message, preview=None):
        if stop.is_set():
            raise Cancelled("stopped: the run was cancelled")
        reports.put(("progress", float(fraction), str(message), preview))
        now = time.monotonic()
        if not first_report:
            first_report.append(now)
        if now - first_report[0] >= LONG_RUN_S:  # a long run lets another column's numbers go first (ui.scoring)
            scoring.wait_while_judging(stop)
            waited[0] += time.monotonic() - now
            if stop.is_set():
                raise Cancelled("stopped: the run was cancelled")

    def work():
        try:
            result = method.stylize(content, style, on_progress=on_progress, **params)
            result = dataclasses.replace(result, seconds=max(0.0, result.seconds - waited[0]))
            _WARM.add(load_key(method, params))
            reports.put(("done", result))
        except Cancelled:
            reports.put(("cancelled",))
        except Exception as error:  # reported in the method's own panel
            reports.put(("error", error))

    threading.Thread(target=work, name=f"stylize-{method.name}", daemon=True).start()
    try:
        yield from _relay(reports, stop, alive)
    finally:
        stop.set()  # finished, or closed early: the worker stops at its next report


def _relay(reports: queue.Queue, stop: threading.Event, alive):
    """The worker's reports as stream_stylize yields them: progress merged and thinned, and the
    stopping protocol once `alive()` turns false."""
    pending, last_sent, give_up_at = None, 0.0, None
    while True:
        wait = PREVIEW_EVERY_S if give_up_at is None else give_up_at - time.monotonic()
        try:
            item = reports.get(timeout=max(0.0, wait))
        except queue.Empty:
            item = None
        if give_up_at is not None:  # stopped: only the image the method had counts from here on
            if item is not None and item[0] == "done":
                yield item
            if item is None or item[0] != "progress":  # handed back, cancelled, failed or too slow
                return
            continue
        if item is not None and item[0] == "cancelled":
            return
        if item is not None and item[0] != "progress":
            yield item
            return
        if not alive():
            stop.set()
            give_up_at = time.monotonic() + STOP_GRACE_S
            yield ("stopping",)
            continue
        if item is not None:  # merge: the newest message, the newest preview seen since last sent
            preview = item[3] if item[3] is not None or pending is None else pending[3]
            pending = (*item[:3], preview)
        if pending is not None and time.monotonic() - last_sent >= PREVIEW_EVERY_S:
            yield pending
            pending, last_sent = None, time.monotonic()
