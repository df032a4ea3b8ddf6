"""Style transfer methods behind one contract (methods.base.Method).

How to add a method:
  1. Write methods/<name>.py (or a package methods/<name>/ whose __init__ exports the class,
     with its training code apart, in train.py) with a subclass of methods.base.Method: set
     `name`, `title`, `family`, `description`, `uses_style` and `params` (a tuple of base.Param
     with default, range and help); implement `load(params)` (return the networks, cached per
     process: resolve weights through methods.core.weights) and `run(content, style, params,
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

from methods.adain import AdaIN
from methods.base import Cancelled, Interrupted, Method, MethodError, Param, Result, TimeUp
from methods.core.quiet import import_tensorflow_quietly  # also sets TensorFlow's log level; nothing here loads it
from methods.cyclegan import CycleGAN
from methods.gatys import Gatys
from methods.magenta import Magenta
from methods.reference import ColourTransfer, Photo
from methods.vae import VAE

REGISTRY: dict[str, type[Method]] = {
    "photo": Photo,  # reference rows (family "reference"): what every score is read against
    "colour_transfer": ColourTransfer,
    "gatys": Gatys,
    "adain": AdaIN,
    "magenta": Magenta,
    "vae": VAE,
    "cyclegan": CycleGAN,
}

__all__ = ["REGISTRY", "Cancelled", "Interrupted", "Method", "MethodError", "Param", "Result", "TimeUp", "get",
           "import_tensorflow_quietly"]


@functools.cache
def get(name: str) -> Method:
    """The process-wide instance of a registered method."""
    if name not in REGISTRY:
        raise MethodError(f"unknown method {name!r}; choose from {', '.join(REGISTRY)}")
    return REGISTRY[name]()
