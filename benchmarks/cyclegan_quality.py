"""CycleGAN's quality and speed: each project generator on the eval photos (never in its training),
against the colour transfer, with the eval's judge and size (eval.protocol); its speed at 512 px;
a contact sheet.

    python -m benchmarks.cyclegan_quality [--generators assets/cyclegan/*.npz | runs/x/snapshots/*.weights.h5]
        [--painting starry_night] [--sheet assets/cyclegan/contact_sheet.jpg] [--cards]
        [--photos validation --views]   # choosing a recipe: never on the eval photos

Per generator: on how many photos it beats the colour transfer on texture ratio and style gain
at once (target: 80 %), and on all three style scores (the protocol's win); median SSIM (target:
0.4); the median time of a 512 px translation, warm (target: 1.5 s). A snapshot (.weights.h5 of a
training run) is read with its run's shape (checkpoint/state.json) and scored against --painting:
quality against training steps.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

from eval import metrics, protocol
from methods import import_tensorflow_quietly
from methods.core import manifest as imageset
from methods.core import weights
from methods.core.images import contact_sheet, load_image, save_image
from methods.cyclegan.generator import build_generator, translate
from methods.cyclegan.generator_files import PROJECT_MODELS, read_generator

MEASURED = "## Measured (benchmarks/cyclegan_quality.py)"
TEXTURE_AND_GAIN = ("texture_ratio", "style_gain")  # what a single-painting generator is held to first
SHEET_PHOTOS = ("astronaut", "kodim13", "chelsea")


def generator_from(path: Path, painting: str | None):
    if path.suffix == ".npz":
        generator = read_generator(path)
        name = path.stem
    else:  # a training snapshot: its run's shape
        run = json.loads((path.parent.parent / "checkpoint" / "state.json").read_text())["args"]
        generator = build_generator(run["ngf"], run["n_blocks"], run.get("upsample", "transpose"))
        generator.load_weights(str(path))
        generator.meta = {"side": 512}
        name = f"{painting}@{path.stem.rsplit('_', 1)[-1].lstrip('0')}"
    return name, generator


def views(photo: np.ndarray) -> dict:
    """The photo whole and its left and right 2/3-width crops, each at the eval's size: three framings
    and scales of one photo, so a small validation set separates recipes more finely."""
    width = photo.shape[1] * 2 // 3
    return {"": photo, "_left": load_image(photo[:, :width], protocol.SIDE),
            "_right": load_image(photo[:, -width:], protocol.SIDE)}


def parse(argv) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--generators", nargs="*", type=Path,
                        help="generator files (default: the project's, assets/cyclegan/NAME.npz)")
    parser.add_argument("--painting", help="the painting (eval style name or image path) when not from the file name")
    parser.add_argument("--sheet", type=Path, help="contact sheet: painting | photo, colour transfer, output per photo")
    parser.add_argument("--no-speed", action="store_true")
    parser.add_argument("--cards", action="store_true", help="write each generator's figures into its model card")
    parser.add_argument("--photos", help="comma-separated manifest photos to score on instead of the eval photos, "
                        "for choosing recipes: train photos held out of a training run, and/or 'validation' "
                        "(the validation split's photos)")
    parser.add_argument("--views", action="store_true", help="score each photo whole and as its left and right "
                        "2/3-width crops (for choosing on a small validation set)")
    args = parser.parse_args(argv)
    if args.cards and (args.photos or args.views):
        parser.error("--cards states the eval's figures: not with --photos or --views")
    return args


def photo_split(spec: str | None) -> protocol.Split:
    """The eval split, or the named photos (and 'validation': the validation split's) for choosing."""
    if not spec:
        return protocol.split("eval")
    names = []
    for part in spec.split(","):
        names += [entry.name for entry in protocol.split("validation").photos] if part == "validation" else [part]
    return protocol.Split("chosen", protocol.entries(names), (), "choosing a recipe")


def seconds_at_512(generator) -> float:
    big = load_image(imageset.load(imageset.CONTENTS[0], 512), 512)
    translate(generator, big, generator.meta.get("side"))
    times = []
    for _ in range(3):
        started = time.perf_counter()
        translate(generator, big, generator.meta.get("side"))
        times.append(time.perf_counter() - started)
    return float(np.median(times))


def measure(path: Path, args, photos: dict, judge) -> tuple[tuple, list]:
    """One generator: (name, texture-and-gain wins, wins, photos, median SSIM, seconds) and its sheet row."""
    painting_name = args.painting or path.stem
    entry = next((e for e in imageset.STYLES if e.name == painting_name), None)
    painting = imageset.load(entry, protocol.SIDE) if entry else load_image(painting_name, protocol.SIDE)
    name, generator = generator_from(path, painting_name)
    two = three = 0
    ssims, sheet_row = [], [painting]
    for photo_name, photo in photos.items():
        output = translate(generator, photo, generator.meta.get("side"))
        pair = protocol.against_baseline(output, photo, painting, judge)
        two += pair.won(TEXTURE_AND_GAIN)
        three += pair.won()
        ssims.append(pair.scores["ssim"])
        if photo_name in SHEET_PHOTOS or (args.photos and len(sheet_row) < 7):
            sheet_row += [photo, output]
    seconds = float("nan") if args.no_speed else seconds_at_512(generator)
    return (name, two, three, len(photos), float(np.median(ssims)), seconds), sheet_row


def main(argv=None) -> int:
    args = parse(argv)
    import_tensorflow_quietly()
    paths = args.generators or [weights.PROJECT_ROOT / weights.NETWORKS[f"cyclegan_{n}"].asset
                                for n in PROJECT_MODELS]
    split = photo_split(args.photos)
    photos = {entry.name: imageset.load(entry, protocol.SIDE) for entry in split.photos}
    if args.views:
        photos = {f"{name}{suffix}": view for name, photo in photos.items() for suffix, view in views(photo).items()}
    judge, rows, sheet = metrics.default_judge(), [], []
    for path in paths:
        row, sheet_row = measure(path, args, photos, judge)
        name, two, three, n, ssim, seconds = row
        rows.append(row)
        sheet.append(sheet_row)
        speed = "" if args.no_speed else f"; 512 px in {seconds:.2f} s; load {os.getloadavg()[0]:.1f}"
        line = (f"beats the colour transfer on texture ratio and style gain on {two}/{n} photos ({two / n:.0%}), "
                f"on all three style scores on {three}/{n}; median SSIM {ssim:.3f}{speed}")
        print(f"{name}: {line}", flush=True)
        if args.cards and path.suffix == ".npz":
            measured = f"On the {n} eval photos (never trained on) at {protocol.SIDE} px, eval judge: {line}."
            protocol.write_card(weights.card_path(path), MEASURED, split, measured, eval_wins=f"{two}/{n}")
    total2, total3, pairs = (sum(r[i] for r in rows) for i in (1, 2, 3))
    print(f"all: {total2}/{pairs} ({total2 / pairs:.0%}) on texture and gain, {total3}/{pairs} on all three")
    if args.sheet:
        print("contact sheet:", save_image(contact_sheet(sheet), args.sheet))
    return 0


if __name__ == "__main__":
    sys.exit(main())
