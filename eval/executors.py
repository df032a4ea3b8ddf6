"""The executors that run the eval's chunks. They share one interface, `map(fn, items)` yielding
results as they complete: InProcess (--jobs 1), Processes (--jobs N, concurrent.futures) and Dask
(--scheduler ADDRESS; `distributed` is an optional dependency, its workers need this repository on
their PYTHONPATH)."""
from __future__ import annotations

import concurrent.futures
import multiprocessing
import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator

from methods import import_tensorflow_quietly


class InProcess:
    """Runs items one after another in this process."""

    name = "in-process"

    def map(self, fn: Callable, items: Iterable) -> Iterator:
        for item in items:
            yield fn(item)

    def close(self):
        pass


def _limit_threads(threads: int) -> None:
    """Share the cores between workers instead of oversubscribing them."""
    for variable in ("TF_NUM_INTRAOP_THREADS", "OMP_NUM_THREADS"):
        os.environ[variable] = str(threads)
    os.environ["TF_NUM_INTEROP_THREADS"] = "1"


def _init_worker(threads: int, parent: int) -> None:
    """Worker initialiser: limit threads, a quiet TensorFlow, and die with the parent (pid `parent`)."""
    # the watcher first: importing TensorFlow takes seconds (tens on a loaded machine), and a parent
    # killed meanwhile would otherwise leave the worker running until the import ends
    threading.Thread(target=_exit_with_parent, args=(parent,), name="exit-with-parent", daemon=True).start()
    _limit_threads(threads)
    import_tensorflow_quietly()


def _exit_with_parent(parent: int, every: float = 1.0) -> None:
    """A worker whose parent was killed is re-parented and would sit on its ~1 GB forever (the
    pool's own shutdown never runs). Polling getppid is portable and needs no signal set-up;
    TensorFlow releases the GIL in its ops, so this thread runs even while a job computes."""
    while os.getppid() == parent:
        time.sleep(every)
    os._exit(1)


class Processes:
    """--jobs N local worker processes (spawned: TensorFlow does not survive fork); they exit
    within about a second when this process dies."""

    def __init__(self, jobs: int):
        self.name = f"{jobs} local processes"
        threads = max(1, (os.cpu_count() or 1) // jobs)
        self.pool = concurrent.futures.ProcessPoolExecutor(
            jobs, mp_context=multiprocessing.get_context("spawn"), initializer=_init_worker,
            initargs=(threads, os.getpid()))

    def map(self, fn, items):
        futures = [self.pool.submit(fn, item) for item in items]
        for future in concurrent.futures.as_completed(futures):
            yield future.result()

    def close(self):
        self.pool.shutdown(cancel_futures=True)


class Dask:
    """A Dask distributed cluster at `address` (optional dependency: pip install distributed)."""

    def __init__(self, address: str):
        try:
            from distributed import Client
        except ImportError:
            raise RuntimeError("--scheduler needs the optional package distributed (pip install distributed)") from None
        self.name = f"dask scheduler {address}"
        self.client = Client(address, timeout="20s")

    def map(self, fn, items):
        from distributed import as_completed

        futures = self.client.map(fn, list(items), pure=False)
        for future in as_completed(futures):
            yield future.result()

    def close(self):
        self.client.close()


def make_executor(jobs: int = 1, scheduler: str | None = None):
    if scheduler:
        return Dask(scheduler)
    return Processes(jobs) if jobs > 1 else InProcess()
