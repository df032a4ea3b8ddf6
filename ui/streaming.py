"""One method run in a worker thread, its progress streamed to the page, stopped on request.

`Method.stylize` reports progress through a callback called from inside its loop, so a generator
cannot yield from it directly: a queue hands the reports over to `stream_stylize`.
"""
from __future__ import annotations

import dataclasses
import logging
import queue
import threading
import time

import numpy as np

from methods.base import WAITING_FOR_SLOT, Cancelled, Method, MethodError
from ui import scoring

log = logging.getLogger("stylebench.app")
PREVIEW_EVERY_S = 0.75  # stream at most this often: each preview is a PNG sent to the page
# after Stop, how long a method may take to hand back the image it has (Gatys: its next loss
# evaluation, well under a second at 384 px) before its panel just says it stopped
STOP_GRACE_S = 5.0
# the smallest run that still takes every network's path at two sizes (Gatys' levels), so its graphs are traced
WARM_RUN = {"size": 128, "steps": 2}
LONG_RUN_S = 0.5  # from this long after its first progress report, a method waits while an output is scored
# a method whose last run here took this long (loading included) starts only once the judge is idle:
# its setup (Gatys' style targets, the VAE's first training step) cannot pause at a progress report
QUICK_S = 1.0

_WARM: set[tuple] = set()  # (method, networks) that have run in this process: their load() is cached
_LAST_SECONDS: dict[str, float] = {}  # method name: seconds of its last finished run here, loading included


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


def preload(registry: dict[str, type[Method]], content: np.ndarray | None = None,
            style: np.ndarray | None = None) -> None:
    """Load the judge, then run every method once on a small photo and painting (WARM_RUN), so that
    a server's first Run spends its CPU on pictures and numbers, not on loading networks and tracing
    their graphs. A method that cannot run here is logged; its column says why when it runs."""
    try:
        scoring.warm()
    except Exception as error:  # noqa: BLE001 - each output's scoring says why it has no numbers
        log.warning("the judge did not load at start: %s", error)
    for name, method_class in registry.items():
        try:
            method = method_class()
            params = {key: value for key, value in WARM_RUN.items() if any(p.name == key for p in method.params)}
            if content is None or style is None:
                method.load(method.resolve_params({}))
            else:
                result = method.stylize(content, style, **params)
                _LAST_SECONDS[name] = result.seconds + result.load_seconds
                _WARM.add(load_key(method, params))
        except Exception as error:  # noqa: BLE001 - reported by the method's own run
            log.warning("%s: did not load at start: %s", name, error)


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

    def stop_if_asked():
        if stop.is_set():
            raise Cancelled("stopped: the run was cancelled")

    def on_progress(fraction, message, preview=None):
        stop_if_asked()
        reports.put(("progress", float(fraction), str(message), preview))
        if str(message).startswith(WAITING_FOR_SLOT):  # not running yet: nothing to pause, nothing timed
            return
        now = time.monotonic()
        if not first_report:
            first_report.append(now)
        # a long run lets another column's numbers go first (ui.scoring); a finished one hands over its image
        if now - first_report[0] >= LONG_RUN_S and fraction < 1.0:
            scoring.wait_while_judging(stop)
            waited[0] += time.monotonic() - now
            stop_if_asked()

    def work():
        try:
            if _LAST_SECONDS.get(method.name, 0.0) >= QUICK_S:
                scoring.wait_while_judging(stop)
                stop_if_asked()
            result = method.stylize(content, style, on_progress=on_progress, **params)
            result = dataclasses.replace(result, seconds=max(0.0, result.seconds - waited[0]))
            _WARM.add(load_key(method, params))
            _LAST_SECONDS[method.name] = result.seconds + result.load_seconds
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
