"""The method contract shared by the app, the eval and the CLI.

A method declares its name, family and parameters; `stylize` validates the parameters,
loads the networks it needs (cached per process, timed apart) and runs. Subclasses
implement `load(params)` and `run(content, style, params, on_progress, model)`.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence

import numpy as np

# on_progress(fraction in [0, 1], message, preview image or None)
ProgressCallback = Callable[[float, str, "np.ndarray | None"], None]


class MethodError(ValueError):
    """A bad parameter or input for a method; the message is meant for the user."""


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

    def coerce(self, value: Any) -> Any:
        try:
            if self.kind == "bool":
                if isinstance(value, str):
                    if value.lower() not in {"1", "0", "true", "false", "yes", "no"}:
                        raise ValueError(value)
                    return value.lower() in {"1", "true", "yes"}
                return bool(value)
            if self.kind == "choice":
                value = str(value)
                if value not in self.choices:
                    raise ValueError(value)
                return value
            value = int(float(value)) if self.kind == "int" else float(value)
        except (TypeError, ValueError):
            expected = f"one of {', '.join(self.choices)}" if self.kind == "choice" else f"a {self.kind}"
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

    def defaults(self) -> dict:
        return {p.name: p.default for p in self.params}

    def resolve_params(self, params: Mapping[str, Any]) -> dict:
        known = {p.name: p for p in self.params}
        unknown = sorted(set(params) - set(known))
        if unknown:
            raise MethodError(f"{self.name} has no parameter {', '.join(unknown)}; it takes {', '.join(known)}")
        return {name: p.coerce(params.get(name, p.default)) for name, p in known.items()}

    def load(self, params: dict) -> Any:
        """Return the networks `run` needs; must be cached per process (see methods.weights)."""
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
                raise MethodError(f"{label} image must be a float32 HxWx3 array (use methods.images.load_image)")
        started = time.perf_counter()
        model = self.load(params)
        loaded = time.perf_counter()
        image, info = self.run(content, style, params, on_progress, model)
        seconds = time.perf_counter() - loaded
        image = np.clip(np.asarray(image, dtype=np.float32), 0.0, 1.0)
        info = {"method": self.name, "family": self.family, "uses_style": self.uses_style,
                "params": params, **info}
        return Result(image=image, seconds=seconds, load_seconds=loaded - started, info=info)
