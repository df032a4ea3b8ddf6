"""checkpoint=train: a CycleGAN generator trained for the user's painting on demand.

The same training as methods.cyclegan.train with the ON_DEMAND recipe, cached by the painting's
pixels under cache_home()/cyclegan and resumable. It fine-tunes: the photo-to-painting generator
starts from the nearest project generator of its shape (by style embedding, as auto picks), which
needs half the steps of a start from random weights.
"""
from __future__ import annotations

import fcntl
import json
import shutil
import time
from pathlib import Path

import numpy as np

from methods.base import MethodError
from methods.core import weights
from methods.core.images import resize_max
from methods.core.style_embedding import style_embedding
from methods.core.training import train_photo_paths
from methods.cyclegan.choice import available_models, choose_model, painting_key
from methods.cyclegan.train import parse_args, train
from methods.cyclegan.trainer import SHAPE

# checkpoint=train's recipe: the shared paintings' first 1200 steps (their model cards give its figures),
# halved because it starts from the nearest project generator (README: quality and time against the
# 1200 steps from random weights); no snapshots, so a trained painting keeps only its run's checkpoint
ON_DEMAND = ["--steps", "600", "--crop", "96", "--identity-weight", "0.5", "--style-weight", "2",
             "--upsample", "resize", "--checkpoint-every", "100", "--sample-every", "600", "--no-progress",
             "--no-snapshots"]


def generator_for(style, on_progress) -> tuple[Path, bool]:
    """checkpoint=train: (this painting's generator file, whether it was trained just now).

    Trains on the train photos with the ON_DEMAND recipe into cache_home()/cyclegan/<key of the
    painting's pixels>, checkpointing every 100 steps; a run stopped by Stop, a closed page or the
    time cap resumes there next time. One process trains a painting at a time (a file lock)."""
    painting = resize_max(style, 512)
    folder = weights.cache_home() / "cyclegan" / painting_key(painting)
    generator = folder / "generator.npz"
    if generator.is_file():
        return generator, False
    style_embedding(painting)  # the file will record it: a missing Magenta network fails now, not after training
    folder.mkdir(parents=True, exist_ok=True)
    photos = [str(path) for path in train_photo_paths("checkpoint=train")]
    args = parse_args(["--domain-a", *photos, "--domain-b", "your painting", "--out", str(folder / "run"),
                       "--export", str(generator), *ON_DEMAND])
    args.init_generator, start = nearest_of_shape(painting, args)
    on_step = step_reporter(on_progress, f"fine-tuning the generator of {start} for your painting" if start
                            else "training a generator")
    with open(folder / ".lock", "w") as lock:
        while True:  # another run trains this painting: wait (Stop still works), then use or resume its work
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                on_progress(0.0, "waiting: another run is training a generator for this painting", None)
                time.sleep(1.0)
        if generator.is_file():
            return generator, False
        state = folder / "run" / "checkpoint" / "state.json"
        if state.is_file() and _recipe(json.loads(state.read_text())["args"]) != _recipe(vars(args)):
            shutil.rmtree(folder / "run")  # another recipe's run: this one starts afresh
        try:
            train(args, domain_b=[painting], on_step=on_step,
                  painting=f"your painting, fine-tuned from the generator of {start}" if start else "your painting")
        except MethodError as error:  # the time cap: the work so far is saved
            raise MethodError(f"{error}. The training so far is saved: run again to continue it") from None
        shutil.rmtree(folder / "run", ignore_errors=True)  # the checkpoint is no longer needed (about 80 MB)
    return generator, True


def step_reporter(on_progress, doing: str):
    """on_step(done, total, seconds) for train: the step and, after ten steps, the time left, as progress."""
    first = {}

    def on_step(done, total, seconds):
        first.setdefault("step", (done, seconds))  # timed from the first step: it includes tracing
        steps, elapsed = done - first["step"][0], seconds - first["step"][1]
        left = (total - done) * elapsed / steps if steps >= 10 else None
        eta = ("" if left is None else f", about {left / 60:.0f} min left" if left >= 90
               else f", about {left:.0f} s left")
        on_progress(0.95 * done / total, f"CycleGAN: {doing}: step {done}/{total}{eta}"
                                         " (saved every 100 steps: a stopped run resumes)", None)

    return on_step


def _recipe(args: dict) -> tuple:
    return args["steps"], Path(args.get("init_generator") or "").name


def nearest_of_shape(painting: np.ndarray, args) -> tuple[Path | None, str]:
    """(file, description) of the project generator nearest this painting by style among those of
    the recipe's shape: where checkpoint=train starts. (None, "") when none has that shape."""
    models = {name: meta for name, meta in available_models().items()
              if all(meta[key] == getattr(args, key) for key in SHAPE)}
    if not models:
        return None, ""
    name, info = choose_model(painting, models)
    similarity = f" (style similarity {info['nearest_similarity']:.2f})" if "nearest_similarity" in info else ""
    return weights.resolve(f"cyclegan_{name}").path, f"{models[name]['painting']}{similarity}"
