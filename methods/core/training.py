"""What the training code shares (the training commands, and the training a method runs on demand:
VAE gram mode, CycleGAN checkpoint=train): the train photos, loading image domains, random crops,
the loss log, and the CLI's tail. Pure inference never needs it. Checkpoint folders are written
whole or not at all by methods.core.files.replace_folder."""
from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np

from methods.core import manifest
from methods.core.errors import MethodError
from methods.core.images import IMAGE_SUFFIXES, load_image, resize


def train_photo_paths(purpose: str, hint: str = "", max_side: int | None = None) -> list[Path]:
    """The image set's train photos (never an eval photo), verified files from its mirror, cache or
    download; a reader of at most max_side px (manifest.COPY_SIDE or less) also takes the repository's
    copies at that size. MethodError (a ValueError) if absent."""
    try:
        return [manifest.locate(entry, max_side=max_side) for entry in manifest.TRAIN_PHOTOS]
    except manifest.ImageSetError as error:
        message = f"{purpose} needs the train photos to learn from: {error}"
        raise MethodError(message + (f". {hint}" if hint else "")) from None


def load_domain(specs, max_side: int) -> list[np.ndarray]:
    """Images of one domain; ImageError / ValueError name what is wrong."""
    images = []
    for spec in specs:
        if spec.startswith("skimage:"):
            from skimage import data  # loaded only for a sample photo

            name = spec.split(":", 1)[1]
            loader = getattr(data, name, None)
            if loader is None or name.startswith("_"):
                raise ValueError(f"{spec}: scikit-image has no sample image {name!r}")
            images.append(load_image(loader(), max_side=max_side))
            continue
        path = Path(spec)
        if path.is_dir():
            files = sorted(p for p in path.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
            if not files:
                raise ValueError(f"{spec}: folder holds no images")
            images.extend(load_image(p, max_side=max_side) for p in files)
        else:
            images.append(load_image(path, max_side=max_side))
    return images


def random_crops(images, crop: int, count: int, rng) -> np.ndarray:
    """`count` random crop x crop patches in [0, 1] (images smaller than the crop are enlarged), random flips."""
    batch = []
    for _ in range(count):
        image = images[rng.integers(len(images))]
        height, width = image.shape[:2]
        if min(height, width) < crop:
            scale = crop / min(height, width)
            image = resize(image, (max(crop, round(height * scale)), max(crop, round(width * scale))))
            height, width = image.shape[:2]
        top, left = rng.integers(height - crop + 1), rng.integers(width - crop + 1)
        patch = image[top:top + crop, left:left + crop]
        batch.append(patch[:, ::-1] if rng.random() < 0.5 else patch)
    return np.stack(batch).astype(np.float32)


def training_log(folder: Path) -> tuple[float, dict]:
    """(seconds of training over every run that wrote folder/log.jsonl, the last logged losses)."""
    path = folder / "log.jsonl"
    entries = [json.loads(line) for line in path.read_text().splitlines() if line.strip()] if path.is_file() else []
    runs, run = {}, None  # each run's clock starts at 0: its last entry holds its time
    for index, entry in enumerate(entries):
        if "run_start" in entry:
            run = ("from step", entry["run_start"])
        elif run is None or entry["seconds"] < entries[index - 1]["seconds"]:  # older logs: a drop starts a run
            run = ("entry", index)
        runs[run] = entry["seconds"]
    total = sum(runs.values())
    last = entries[-1] if entries else {}
    losses = {k: v for k, v in last.items() if k not in ("step", "lr", "seconds", "run_start")}
    return total, losses


def run_command(module: str, argv, out: Path, refusal: str | None, train: Callable[[str], dict]) -> int:
    """A training CLI's tail: a refused image (eval or reserved) or bad data is one line and
    exit 2; the command is appended to out/commands.txt (a model card lists every command that
    trained its run folder); train(command) returns a summary printed as JSON."""
    if refusal:
        print(f"error: {refusal}", file=sys.stderr)
        return 2
    try:
        command = f"python -m {module} " + " ".join(map(str, sys.argv[1:] if argv is None else argv))
        out.mkdir(parents=True, exist_ok=True)
        with open(out / "commands.txt", "a") as history:
            history.write(command + "\n")
        summary = train(command)
    except (ValueError, OSError) as error:  # ImageError is a ValueError: bad data, said in one line
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(json.dumps({k: v for k, v in summary.items() if k != "losses"}))
    return 0
