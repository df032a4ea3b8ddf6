"""The job grid, its results cache and the executors that run it.

A job is (method, parameters, content, style). Jobs are grouped by (method, parameters,
style) into chunks; a chunk runs in one worker, so work shared by a style (a Gram target,
a per-style model, the judge's style features) is done once per chunk. Every
finished job is written at once to the results cache as <key>.json + <key>.png, where the
key hashes the method, its resolved parameters, both images' pixels, the judge, the code
version and the sha256 of every weights file the method and the judge use: a killed run
resumes where it stopped, a finished one recomputes nothing, and results made with other
weights are never served. A damaged entry is recomputed (one log line), never fatal.

The executors (eval.executors) run the chunks in this process, in worker processes or on a
Dask cluster. Failing jobs become rows with status "error".
"""
from __future__ import annotations

import functools
import hashlib
import json
import logging
import os
import platform
import sys
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image as PILImage
from tqdm import tqdm

from eval import metrics, protocol, sources
from eval.executors import Dask, InProcess, Processes, make_executor
from methods import REGISTRY, get
from methods.core import weights
from methods.core.files import atomic_write, pixel_key
from methods.core.images import save_image

__all__ = ["Chunk", "Dask", "Image", "InProcess", "Job", "Processes", "ResultsCache", "build_jobs", "code_version",
           "digest", "job_key", "make_executor", "run", "run_chunk", "run_job", "weights_used"]
_CALLED: set = set()  # cache: (method, params) already run in this process
JUDGE_MODULE = metrics.__name__  # every score column depends on the judge's code
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Image:
    """A loaded image of the run; error is set when it could not be loaded, from_copy when its pixels are the
    repository's reduced copy's (methods.core.manifest.read)."""

    name: str
    pixels: np.ndarray | None
    digest: str = ""
    error: str = ""
    from_copy: bool = False


@dataclass
class Job:
    method: str
    params: dict
    content: Image
    style: Image
    key: str = ""

    def describe(self) -> dict:
        return {"method": self.method, "content": self.content.name, "style": self.style.name,
                "params": json.dumps(self.params, sort_keys=True), "key": self.key}


@dataclass
class Chunk:
    """Jobs sharing method, parameters and style: run in order in one worker."""

    jobs: list[Job]
    store: str | None = None  # results cache folder the worker writes into, if it can reach it
    judge_side: int = 256
    indices: list[int] = field(default_factory=list)  # the jobs' positions in the grid


def digest(pixels: np.ndarray) -> str:
    return pixel_key(pixels, 24)


def code_files(module: str, root: Path = sources.ROOT) -> list[Path]:
    """The project files a method's results depend on: those its module imports, transitively
    (eval.sources), and those of the judge."""
    return sources.dependencies([module, JUDGE_MODULE], root)


def source_version(module: str, root: Path = sources.ROOT) -> str:
    return sources.fingerprint(code_files(module, root), root)


@functools.cache
def code_version(method: str) -> str:
    """Hash of every project file a method's results depend on (code_files): editing a building
    block invalidates the results of exactly the methods that use it, and of all when the judge
    uses it. The weights are keyed apart, by their hashes (weights_used)."""
    return source_version(REGISTRY[method].__module__)


def weights_used(method: str, params: dict) -> dict[str, str]:
    """{network: sha256} of the weights files a job would load, the method's and the judge's, as the
    resolver finds them now ("missing" when it finds none): a run with another file (a wrong judge
    in a mirror folder, a retrained model) gets other keys, so it neither serves nor poisons
    results made with these. Hashes are computed once per process per file."""
    return weights.fingerprint(dict.fromkeys((*get(method).networks(params), *metrics.JUDGE_NETWORKS)))


def job_key(method: str, params: dict, content: Image, style: Image, judge_name: str) -> str:
    payload = json.dumps([method, params, content.digest, style.digest, judge_name, code_version(method),
                          weights_used(method, params)], sort_keys=True, default=str)
    return hashlib.sha256(payload.encode()).hexdigest()[:20]


def build_jobs(methods: dict[str, dict], contents: list[Image], styles: list[Image], judge_name: str) -> list[Job]:
    """The grid, ordered method, style, content. methods: {name: resolved params}."""
    jobs = []
    for method, params in methods.items():
        for style in styles:
            for content in contents:
                job = Job(method, params, content, style)
                if content.pixels is not None and style.pixels is not None:
                    job.key = job_key(method, params, content, style, judge_name)
                jobs.append(job)
    return jobs


# -- results cache ------------------------------------------------------------------------
class ResultsCache:
    """One JSON row and one PNG output per finished job, written atomically.

    Writes go through unique temporary names in the same folder (mkstemp) and a rename, so
    processes writing the same entry never share a temp file and a reader sees a whole file
    or none. The PNG is written first: a JSON row means its image is complete. An entry that
    does not read back as a row of this key with a valid PNG is a miss (logged once): the
    job is recomputed and the entry replaced.
    """

    REQUIRED = ("key", "method", "content", "style", "status", "params")

    def __init__(self, folder: str | os.PathLike):
        self.folder = Path(folder)
        self._reported: set[str] = set()

    def get(self, key: str) -> dict | None:
        path = self.folder / f"{key}.json"
        if not key or not path.is_file():
            return None
        row, problem = self._read(key, path)
        if problem:
            if key not in self._reported:
                self._reported.add(key)
                log.warning("results cache: entry %s %s; recomputing it", key, problem)
            return None
        return row

    def _read(self, key: str, path: Path) -> tuple[dict | None, str]:
        """(row, "") for a sound entry, else (None, what is wrong with it)."""
        try:
            row = json.loads(path.read_text())
        except (OSError, ValueError) as error:
            return None, f"has an unreadable row ({type(error).__name__})"
        if not isinstance(row, dict):
            return None, f"holds a JSON {type(row).__name__}, not a row"
        missing = [name for name in self.REQUIRED if name not in row]
        if missing:
            return None, f"lacks {', '.join(missing)}"
        if row["key"] != key or row["status"] != "ok":
            return None, "is not a finished row of this job"
        try:
            with PILImage.open(self.image_path(key)) as image:
                image.verify()  # the chunk structure and checksums, without decoding the pixels
        except Exception as error:  # noqa: BLE001 - any failure to read it back is a damaged entry
            return None, f"has no readable image ({type(error).__name__})"
        return row, ""

    def put(self, row: dict, image: np.ndarray | None) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        if image is not None:
            save_image(image, self.image_path(row["key"]))
        atomic_write(self.folder / f"{row['key']}.json", json.dumps(row, default=float))

    def image_path(self, key: str) -> Path:
        return self.folder / f"{key}.png"


# -- the work done in a worker -------------------------------------------------------------
def run_chunk(chunk: Chunk) -> tuple[list[int], list[tuple[dict, np.ndarray | None]]]:
    """Run a chunk's jobs in order; each result is stored at once when the store is reachable.
    Returns the chunk's grid positions and its (row, output image) pairs."""
    judge = metrics.default_judge(chunk.judge_side)
    store = ResultsCache(chunk.store) if chunk.store else None
    results = []
    for job in chunk.jobs:
        once = (job.method, json.dumps(job.params, sort_keys=True))
        row, image = run_job(job, judge)
        # the first call of a method in a process pays one-off costs (graph tracing, session
        # warm-up); the report keeps those runs apart instead of paying an extra warm-up run
        row["first_call"] = once not in _CALLED
        _CALLED.add(once)
        if store is not None and row["status"] == "ok":
            try:
                store.put(row, image)
            except (OSError, ValueError, TypeError):
                pass  # a remote worker without the folder, a full disk: the client stores it (or says why)
        results.append((row, image))
    return chunk.indices, results


def run_job(job: Job, judge) -> tuple[dict, np.ndarray | None]:
    """Stylise and score one job; any failure becomes an error row."""
    row = {**job.describe(), "status": "ok", "error": "", "worker": f"{platform.node()}:{os.getpid()}",
           "judge": judge.name}
    try:
        for image in (job.content, job.style):
            if image.pixels is None:
                raise ValueError(f"image {image.name}: {image.error}")
        method = get(job.method)
        result = method.stylize(job.content.pixels, job.style.pixels, **job.params)
        row.update(family=method.family, title=method.title, seconds=result.seconds,
                   load_seconds=result.load_seconds, height=result.image.shape[0], width=result.image.shape[1],
                   code_version=code_version(job.method), info=json.dumps(result.info, sort_keys=True, default=str),
                   # the model trained on this very photo (its card lists it): not a held-out number
                   seen_in_training=job.content.name in result.info.get("training_images", ()))
        row.update(protocol.score_pair(result.image, job.content.pixels, job.style.pixels, judge, parts=True))
        return row, result.image
    except Exception as error:  # noqa: BLE001 - every failure is reported, the run goes on
        row.update(status="error", error=f"{type(error).__name__}: {error}".splitlines()[0][:500],
                   traceback=traceback.format_exc(limit=3))
        return row, None


# -- the run -------------------------------------------------------------------------------
def plan_chunks(jobs: list[Job], pending: list[int], cache: ResultsCache, executor, judge_side: int) -> list[Chunk]:
    """The pending jobs in chunks: single jobs in-process, so the progress bar moves per job (the
    process-wide caches still share per-style work); whole per-style chunks for worker pools."""
    groups: dict[tuple, list[int]] = {}
    for index in pending:
        job = jobs[index]
        group = (job.method, json.dumps(job.params, sort_keys=True), job.style.name)
        if isinstance(executor, InProcess):
            group += (index,)
        groups.setdefault(group, []).append(index)
    chunks = [Chunk([jobs[i] for i in indices], str(cache.folder), judge_side, indices)
              for indices in groups.values()]
    # Pair by pair, every method in turn: the meter's per-job mean (and so its ETA) is then
    # representative from the start, and a killed run has every method on the pairs it did.
    pairs: dict[tuple, int] = {}
    for job in jobs:
        pairs.setdefault((job.style.name, job.content.name), len(pairs))
    chunks.sort(key=lambda chunk: pairs[(chunk.jobs[0].style.name, chunk.jobs[0].content.name)])
    return chunks


def _store(row: dict, image: np.ndarray | None, cache: ResultsCache) -> None:
    """Cache a finished row unless a worker did; a run stopped at the time cap is scored, but another
    machine would get further: it is not cached."""
    if row["status"] != "ok" or '"interrupted"' in row.get("info", "") or cache.get(row["key"]) is not None:
        return
    try:
        cache.put(row, image)
    except (OSError, ValueError, TypeError) as error:  # the row stays in this run's report
        print(f"warning: could not cache {row['method']} x {row['content']} x {row['style']}: {error}",
              file=sys.stderr)


def run(jobs: list[Job], cache: ResultsCache, executor=None, judge_side: int = 256, progress: bool = True,
        on_row: Callable[[dict], None] | None = None) -> list[dict]:
    """Run every job not in the cache; returns one row per job (cached, new or error), in grid order."""
    executor = executor or InProcess()
    rows: dict[int, dict] = {}
    pending: list[int] = []
    for index, job in enumerate(jobs):
        cached = cache.get(job.key)
        if cached is not None:
            rows[index] = {**cached, "cached": True}
        else:
            pending.append(index)
    chunks = plan_chunks(jobs, pending, cache, executor, judge_side)
    # smoothing=0: the ETA uses the run's mean rate; a moving average swings between Gatys' 30 s and AdaIN's 0.1 s
    meter = tqdm(total=len(jobs), initial=len(jobs) - len(pending), desc="jobs", unit="job", disable=not progress,
               dynamic_ncols=True, smoothing=0)
    try:
        for indices, results in executor.map(run_chunk, chunks):
            for index, (row, image) in zip(indices, results):
                _store(row, image, cache)
                rows[index] = {**row, "cached": False}
                if on_row:
                    on_row(rows[index])
                meter.update(1)
    finally:
        meter.close()
    return [rows[i] for i in sorted(rows)]
