"""The VAE's first run with a new painting at 512 px: seconds per recipe, alternated, in one process.

    python -m benchmarks.vae_speed [--recipe NAME:KEY=VALUE,... ...] [--styles NAME ...]

Each timed run stylises the photo kodim05 at 512 px with an eval painting at 512 px in a fresh cache, so it
trains a new fine-tune (gram mode's: its VGG target, tracing, the steps, saving) and paints. A first, untimed-
for-the-target run in the same process loads the networks (VAE, VGG16-HED in the fine-tune's dtype) as an app
that has served a request has them; it is printed as the fresh-process figure. The recipes alternate painting
by painting, and each is given as a ratio to the first. A recipe is the vae method's parameters, plus
`fine_tune_dtype` (float32 or mixed_bfloat16) in place of the CPU's choice (methods.vae.fine_tune_dtype).
Prints the CPU flags that decide that choice and the load average before and after.
"""
from __future__ import annotations

import argparse
import os
import tempfile
import time

import numpy as np

from methods import get, import_tensorflow_quietly
from methods.core import backbones
from methods.core import manifest as imageset
from methods.vae import finetune as vae

SIDE = 512
RECIPES = ("shipped:", "float32:fine_tune_dtype=float32", "60 steps:steps=60")
FLAGS = ("avx2", "avx512f", "avx512_bf16", "amx_bf16", "amx_tile")


def parse_recipe(text: str) -> tuple[str, dict]:
    name, _, pairs = text.partition(":")
    return name, dict(pair.split("=", 1) for pair in pairs.split(",") if pair)


def first_run(photo, painting, recipe: dict) -> float:
    """Seconds of one stylisation with a painting the (fresh) cache has no fine-tune for."""
    params = dict(recipe)
    dtype = params.pop("fine_tune_dtype", None)
    shipped = vae.fine_tune_dtype
    if dtype:
        vae.fine_tune_dtype = lambda mode: dtype if mode == "gram" else shipped(mode)
    os.environ["STYLEBENCH_CACHE"] = tempfile.mkdtemp(prefix="vae-speed-")
    try:
        result = get("vae").stylize(photo, painting, **params)
    finally:
        vae.fine_tune_dtype = shipped
    assert result.info["cache"] == "miss" and result.info["mode"] == "gram", result.info
    return result.seconds


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--recipe", action="append", help=f"NAME:KEY=VALUE,... (default: {' / '.join(RECIPES)})")
    parser.add_argument("--styles", nargs="+", default=["starry_night", "great_wave", "the_scream"])
    args = parser.parse_args(argv)
    recipes = [parse_recipe(text) for text in args.recipe or RECIPES]
    flags = backbones.cpu_flags()
    print(f"CPU: {os.cpu_count()} cores, flags {' '.join(f for f in FLAGS if f in flags) or 'none of these'}"
          f"; the fine-tune's dtype here: {vae.fine_tune_dtype('gram')}; load average {os.getloadavg()}")
    photo = imageset.load(imageset.MANIFEST["kodim05"], SIDE)
    paintings = {name: imageset.load(imageset.MANIFEST[name], SIDE) for name in args.styles}
    warm_up = imageset.load(imageset.MANIFEST["water_lilies"], SIDE)
    import_tensorflow_quietly()
    started = time.perf_counter()
    print(f"fresh process, first run (networks loaded on the way, {recipes[0][0]}): "
          f"{first_run(photo, warm_up, recipes[0][1]):.1f} s (with loading {time.perf_counter() - started:.1f} s)",
          flush=True)
    seconds = {name: [] for name, _ in recipes}
    for style, painting in paintings.items():
        for name, recipe in recipes:
            seconds[name].append(first_run(photo, painting, recipe))
            print(f"{style} {name}: {seconds[name][-1]:.1f} s", flush=True)
    base = np.array(seconds[recipes[0][0]])
    for name, values in seconds.items():
        print(f"{name}: median {np.median(values):.1f} s (max {max(values):.1f}), "
              f"{np.median(np.array(values) / base):.2f} x {recipes[0][0]}")
    print(f"load average after: {os.getloadavg()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
