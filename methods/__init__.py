"""Style transfer methods behind one contract (methods.base.Method).

How to add a method:
  1. Write methods/<name>.py (or a package methods/<name>/ whose __init__ exports the class,
     with its training code apart, in train.py) with a subclass of methods.base.Method: set
     `name`, `title`, `family`, `description`, `uses_style` and `params` (a tuple of base.Param
     with default, range and help); implement `load(params)` (return the networks, cached per
     process: resolve weights through methods.weights) and `run(content, style, params,
     on_progress, model)` returning (float32 HxWx3 image in [0, 1], info dict). Build on the
     shared blocks of methods.core (VGG backbones, AdaIN and instance norm, losses, padding),
     never on another method's module. Import heavy libraries inside functions: constructing
     or importing a method loads nothing.
  2. Add one line to REGISTRY below.
The app, the eval and the CLI pick it up from the registry; tests/test_registry.py checks
the contract for every entry.
"""
from __future__ import annotations

import functools
import os
import sys

# TensorFlow's C++ start-up chatter drowns the CLI's and the tests' output.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # 3: also the "failed call to cuInit" error on CPU

from methods.adain import AdaIN  # noqa: E402 (the log level first: TensorFlow reads it when it loads)
from methods.base import Cancelled, Interrupted, Method, MethodError, Param, Result, TimeUp  # noqa: E402
from methods.cyclegan import CycleGAN  # noqa: E402
from methods.gatys import Gatys  # noqa: E402
from methods.magenta import Magenta  # noqa: E402
from methods.reference import ColourTransfer, Photo  # noqa: E402
from methods.vae import VAE  # noqa: E402

REGISTRY: dict[str, type[Method]] = {
    "photo": Photo,  # reference rows (family "reference"): what every score is read against
    "colour_transfer": ColourTransfer,
    "gatys": Gatys,
    "adain": AdaIN,
    "magenta": Magenta,
    "vae": VAE,
    "cyclegan": CycleGAN,
}

__all__ = ["REGISTRY", "Cancelled", "Interrupted", "Method", "MethodError", "Param", "Result", "TimeUp", "get"]


@functools.cache
def get(name: str) -> Method:
    """The process-wide instance of a registered method."""
    if name not in REGISTRY:
        raise MethodError(f"unknown method {name!r}; choose from {', '.join(REGISTRY)}")
    return REGISTRY[name]()


def import_tensorflow_quietly() -> None:
    """Import TensorFlow with the process's stderr (fd 2) pointed at /dev/null for the import only.

    Its native libraries log start-up lines from static initialisers (absl's "All log messages
    before absl::InitializeLog()", oneDNN, the CUDA stub on a CPU machine) before any log level is
    read; TF_CPP_MIN_LOG_LEVEL=3 (set above) silences the rest, "failed call to cuInit"
    included. Called once at start (the app, the CLIs), before any thread could write to stderr.
    """
    if "tensorflow" in sys.modules:
        return
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 2)
            import tensorflow  # noqa: F401
    finally:
        os.dup2(saved, 2)
        os.close(saved)
