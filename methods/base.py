"""The method contract shared by the app, the eval and the CLI.

A method declares its name, family and parameters; `stylize` validates the parameters and
the images (sizes within [MIN_SIDE, MAX_SIDE]), waits for a free slot of the method
(`max_concurrent`), loads the networks it needs (cached per process, timed apart) and runs.
Subclasses implement `load(params)` and `run(content, style, params, on_progress, model)`.

Every request is bounded: its work stops with TimeUp at `max_seconds` (about 5 min on 2
cores), and the caller's on_progress may raise Cancelled to stop it sooner (the user's Stop,
a client that went away). Both act where the method reports progress, so a method calls
on_progress at least every iteration of its loops (stylize throttles what reaches the caller
to one call per PROGRESS_INTERVAL). Both are Interrupted: an anytime method (Gatys, whose
every step is a usable image) catches it in `run` and returns the image it has, with
`info["note"] = error.note()` saying so; other methods let it propagate.
"""
from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from methods.core.errors import MethodError
from methods.core.images import MAX_SIDE, MIN_SIDE

# on_progress(fraction in [0, 1], message, preview image or None)
ProgressCallback = Callable[[float, str, "np.ndarray | None"], None]

# A request's work (after loading) stops at this many seconds: about 5 min on 2 cores.
MAX_SECONDS = 300.0
# how a progress report begins while the request waits for one of its method's slots (it runs nothing yet)
WAITING_FOR_SLOT = "waiting: "
# The caller's on_progress hears at most one call per this many seconds (plus the first and the last).
PROGRESS_INTERVAL = 0.25
_BOOL_WORDS = {"1": True, "true": True, "yes": True, "0": False, "false": False, "no": False}
_SLOTS: dict[type, threading.BoundedSemaphore] = {}  # Method._slot: requests running per method class
_SLOTS_LOCK = threading.Lock()


class Interrupted(Exception):
    """A run stopped before its end, `fraction` of it done. Not a MethodError: nothing was wrong
    with the request."""

    fraction: float = 0.0
    reason: str = "stopped"

    def note(self) -> str:
        """What an anytime method's result says of itself: "stopped at the 300 s cap at 96%: the image so far"."""
        return f"{self.reason} at {self.fraction:.0%}: the image so far"


class Cancelled(Interrupted):
    """Raised by an on_progress callback to stop a run (Stop pressed, client gone); stylize lets
    it propagate unless the method returns the image it has."""

    reason = "stopped by the user"


class TimeUp(Interrupted, MethodError):
    """Raised by Progress once a request's work has run `max_seconds`. Also a MethodError, so every
    caller that reports a bad request reports it; the app labels it apart from an invalid setting."""

    def __init__(self, method: str, max_seconds: float, fraction: float):
        self.fraction, self.reason = fraction, f"stopped at the {max_seconds:.0f} s cap"
        self._args = (method, max_seconds, fraction)
        super().__init__(f"{method} stopped at the cap of {max_seconds:.0f} s per request ({fraction:.0%} done): "
                         "use fewer steps or a smaller size")

    def __reduce__(self):  # crosses process boundaries (the eval's workers) like any exception
        return TimeUp, self._args


class Progress:
    """The on_progress a method's `run` receives: always callable, even when the caller gave none.

    Each call first checks the request's deadline (TimeUp past it), then forwards to the
    caller's callback, which may raise Cancelled, at most once per PROGRESS_INTERVAL; the
    first call and the final one (fraction 1) always get through. `listening` says whether
    anyone hears it, so a method can skip making previews nobody sees.
    """

    def __init__(self, callback: ProgressCallback | None, method: str, max_seconds: float):
        self.callback, self.method, self.max_seconds = callback, method, max_seconds
        self.started = time.monotonic()
        self._last = -np.inf

    @property
    def listening(self) -> bool:
        return self.callback is not None

    def __call__(self, fraction: float, message: str, preview: np.ndarray | None = None) -> None:
        now = time.monotonic()
        if now - self.started > self.max_seconds:
            raise TimeUp(self.method, self.max_seconds, fraction)
        if self.callback is not None and (fraction >= 1.0 or now - self._last >= PROGRESS_INTERVAL):
            self._last = now
            try:
                self.callback(fraction, message, preview)
            except Cancelled as error:
                error.fraction = fraction
                raise


@dataclass(frozen=True)
class Param:
    """One user-facing parameter. kind is 'int', 'float', 'bool' or 'choice'."""

    name: str
    default: Any
    kind: str
    help: str
    low: float | None = None
    high: float | None = None
    choices: Sequence[str] = ()

    def __post_init__(self):
        # the bounds are the contract every caller (app, API, CLI, eval) hits: none may be missing
        if self.kind in ("int", "float") and (self.low is None or self.high is None):
            raise TypeError(f"parameter {self.name}: an {self.kind} parameter needs low and high bounds")

    def coerce(self, value: Any) -> Any:
        try:
            if self.kind == "bool":
                # True/False, 0/1 or a word; anything else (2, 0.5, "maybe", None) is junk, not truthy
                if isinstance(value, str) and value.strip().lower() in _BOOL_WORDS:
                    return _BOOL_WORDS[value.strip().lower()]
                if isinstance(value, (bool, np.bool_, int, np.integer)) and value in (0, 1):
                    return bool(value)
                raise ValueError(value)
            if self.kind == "choice":
                value = str(value)
                if value not in self.choices:
                    raise ValueError(value)
                return value
            if isinstance(value, (bool, np.bool_)):  # True is no number of steps
                raise ValueError(value)
            number = float(value)
            if self.kind == "int":
                if not number.is_integer():  # steps=2.7 is refused, not truncated to 2
                    raise ValueError(value)
                value = int(number)
            else:
                value = number
        except (TypeError, ValueError, OverflowError):
            expected = (f"one of {', '.join(self.choices)}" if self.kind == "choice" else
                        "a whole number" if self.kind == "int" else f"a {self.kind}")
            raise MethodError(f"parameter {self.name}: expected {expected}, got {value!r}") from None
        if not np.isfinite(value) or (self.low is not None and value < self.low) or (
            self.high is not None and value > self.high
        ):
            raise MethodError(f"parameter {self.name}: {value} is outside [{self.low}, {self.high}]")
        return value

    def describe(self) -> str:
        span = f"one of {'|'.join(self.choices)}" if self.kind == "choice" else (
            f"{self.kind} in [{self.low}, {self.high}]" if self.low is not None else self.kind)
        return f"{self.name}={self.default!r} ({span}): {self.help}"


@dataclass
class Result:
    """image: float32 HxWx3 in [0, 1]; seconds: stylisation time, loading excluded."""

    image: np.ndarray
    seconds: float
    load_seconds: float
    info: dict = field(default_factory=dict)


class Method:
    """Base class: set the class attributes, implement `load` and `run`."""

    name: str = ""
    title: str = ""
    family: str = ""
    description: str = ""
    uses_style: bool = True  # False: the method ignores the style image (CycleGAN)
    params: tuple[Param, ...] = ()
    # How many requests of this method may run at once in a process; later ones wait their
    # turn, so requests never stack past the machine's memory. None: no limit (cheap methods).
    max_concurrent: int | None = 1
    max_seconds: float = MAX_SECONDS

    def networks(self, params: dict) -> tuple[str, ...]:
        """The methods.core.weights.NETWORKS entries a run with these (resolved) parameters uses;
        the eval's results cache keys on their hashes."""
        return ()

    def time_limit(self, params: dict) -> float:
        """Seconds a request's work may take (after loading); a method may allow more for some settings."""
        return self.max_seconds

    def defaults(self) -> dict:
        return {p.name: p.default for p in self.params}

    def resolve_params(self, params: Mapping[str, Any]) -> dict:
        known = {p.name: p for p in self.params}
        unknown = sorted(set(params) - set(known))
        if unknown:
            raise MethodError(f"{self.name} has no parameter {', '.join(unknown)}; it takes {', '.join(known)}")
        return {name: p.coerce(params.get(name, p.default)) for name, p in known.items()}

    def load(self, params: dict) -> Any:
        """Return the networks `run` needs; must be cached per process (see methods.core.weights)."""
        return None

    def run(self, content: np.ndarray, style: np.ndarray, params: dict,
            on_progress: ProgressCallback | None, model: Any) -> tuple[np.ndarray, dict]:
        raise NotImplementedError

    def stylize(self, content: np.ndarray, style: np.ndarray, *,
                on_progress: ProgressCallback | None = None, **params) -> Result:
        params = self.resolve_params(params)
        for label, image in (("content", content), ("style", style)):
            if not (isinstance(image, np.ndarray) and image.ndim == 3 and image.shape[2] == 3
                    and image.dtype == np.float32):
                raise MethodError(f"{label} image must be a float32 HxWx3 array (use methods.core.images.load_image)")
            height, width = image.shape[:2]
            # the size bound holds on every path (app, API, CLI, eval): memory is budgeted at MAX_SIDE
            if max(height, width) > MAX_SIDE or min(height, width) < MIN_SIDE:
                raise MethodError(f"{label} image is {width}x{height}: its sides must be {MIN_SIDE} to {MAX_SIDE} px "
                                  f"(load it with methods.core.images.load_image(..., max_side={MAX_SIDE}) or less)")
        with self._slot(on_progress):
            started = time.perf_counter()
            model = self.load(params)
            loaded = time.perf_counter()
            progress = Progress(on_progress, self.name, self.time_limit(params))
            image, info = self.run(content, style, params, progress, model)
            seconds = time.perf_counter() - loaded
        image = np.clip(np.asarray(image, dtype=np.float32), 0.0, 1.0)
        info = {"method": self.name, "family": self.family, "uses_style": self.uses_style,
                "params": params, **info}
        return Result(image=image, seconds=seconds, load_seconds=loaded - started, info=info)

    @contextlib.contextmanager
    def _slot(self, on_progress: ProgressCallback | None):
        """Hold one of the method's max_concurrent slots. While waiting, the caller hears about it
        every second and may cancel (Cancelled); the wait does not count towards max_seconds."""
        if self.max_concurrent is None:
            yield
            return
        with _SLOTS_LOCK:  # one semaphore per method class, shared by its instances, made on first use
            slots = _SLOTS.setdefault(type(self), threading.BoundedSemaphore(self.max_concurrent))
        while not slots.acquire(timeout=1.0):
            if on_progress is not None:
                on_progress(0.0, f"{WAITING_FOR_SLOT}{self.max_concurrent} {self.name} request(s) run at a time", None)
        try:
            yield
        finally:
            slots.release()
