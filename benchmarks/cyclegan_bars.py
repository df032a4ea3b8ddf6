"""CycleGAN bars: each project generator on the eval photos (never in its training), against the
colour transfer, with the eval's judge and size; its speed at 512 px; a contact sheet.

    python benchmarks/cyclegan_bars.py [--generators assets/cyclegan/*.npz | runs/x/snapshots/*.weights.h5]
        [--painting starry_night] [--sheet assets/cyclegan/contact_sheet.jpg]
        [--photos validation --views]   # choosing a recipe: never on the eval photos

Per generator: on how many photos it beats the colour transfer on texture ratio and style gain
at once (bar: 80 %), and on all three style scores; median SSIM (bar: 0.4); the median time of
a 512 px translation, warm (bar: 1.5 s). A snapshot (.weights.h5 of a training run) is read with
its run's shape (checkpoint/state.json) and scored against --painting: quality against training steps.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from eval import imageset, metrics  # noqa: E402
from methods import import_tensorflow_quietly, weights  # noqa: E402
from methods.cyclegan.generator import build_generator, translate  # noqa: E402
from methods.cyclegan.generator_files import PROJECT_MODELS, read_generator  # noqa: E402
from methods.images import contact_sheet, load_image, save_image  # noqa: E402
from methods.reference import colour_transfer  # noqa: E402

SIZE = 256  # the eval's default size


def generator_from(path: Path, painting: str | None):
    if path.suffix == ".npz":
        generator = read_generator(path)
        name = path.stem
    else:  # a training snapshot: its run's shape
        import json

        run = json.loads((path.parent.parent / "checkpoint" / "state.json").read_text())["args"]
        generator = build_generator(run["ngf"], run["n_blocks"], run.get("upsample", "transpose"))
        generator.load_weights(str(path))
        generator.meta = {"side": 512}
        name = f"{painting}@{path.stem.rsplit('_', 1)[-1].lstrip('0')}"
    return name, generator


MEASURED = "## Measured (benchmarks/cyclegan_bars.py)"


def views(photo: np.ndarray) -> dict:
    """The photo whole and its left and right 2/3-width crops, each at the eval's size: three framings
    and scales of one photo, so a small validation set separates recipes more finely."""
    width = photo.shape[1] * 2 // 3
    return {"": photo, "_left": load_image(photo[:, :width], SIZE), "_right": load_image(photo[:, -width:], SIZE)}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--generators", nargs="*", type=Path,
                        help="generator files (default: the project's, assets/cyclegan/NAME.npz)")
    parser.add_argument("--painting", help="the painting (eval style name or image path) when not from the file name")
    parser.add_argument("--sheet", type=Path, help="contact sheet: painting | photo, colour transfer, output per photo")
    parser.add_argument("--no-speed", action="store_true")
    parser.add_argument("--cards", action="store_true", help="write each generator's figures into its model card")
    parser.add_argument("--photos", help="comma-separated manifest photos to score on instead of the eval photos, "
                        "for choosing recipes: train photos held out of a training run, and/or 'validation' "
                        "(imageset.VALIDATION_PHOTOS)")
    parser.add_argument("--views", action="store_true", help="score each photo whole and as its left and right "
                        "2/3-width crops (for choosing on a small validation set)")
    args = parser.parse_args(argv)
    import_tensorflow_quietly()
    paths = args.generators or [weights.PROJECT_ROOT / weights.NETWORKS[f"cyclegan_{n}"].asset
                                for n in PROJECT_MODELS]
    by_name = {entry.name: entry for entry in (*imageset.CONTENTS, *imageset.TRAIN_PHOTOS,
                                               *imageset.VALIDATION_PHOTOS)}
    names = []
    for part in args.photos.split(",") if args.photos else []:
        names += [entry.name for entry in imageset.VALIDATION_PHOTOS] if part == "validation" else [part]
    chosen = [by_name[name] for name in names] if names else imageset.CONTENTS
    photos = {entry.name: imageset.load(entry, SIZE) for entry in chosen}
    if args.views:
        photos = {f"{name}{suffix}": view for name, photo in photos.items() for suffix, view in views(photo).items()}
    judge, rows, sheet = metrics.default_judge(), [], []
    for path in paths:
        painting_name = args.painting or path.stem
        entry = next((e for e in imageset.STYLES if e.name == painting_name), None)
        painting = imageset.load(entry, SIZE) if entry else load_image(painting_name, SIZE)
        name, generator = generator_from(path, painting_name)
        wins2 = wins3 = 0
        ssims, sheet_row = [], [painting]
        for photo_name, photo in photos.items():
            output = translate(generator, photo, generator.meta.get("side"))
            ours = metrics.score(output, photo, painting, judge)
            ct = metrics.score(colour_transfer(photo, painting), photo, painting, judge)
            two = ours["texture_ratio"] < ct["texture_ratio"] and ours["style_gain"] > ct["style_gain"]
            wins2 += two
            wins3 += two and ours["style_loss_ratio"] < ct["style_loss_ratio"]
            ssims.append(ours["ssim"])
            if photo_name in ("astronaut", "kodim13", "chelsea") or (args.photos and len(sheet_row) < 7):
                sheet_row += [photo, output]
        seconds = float("nan")
        if not args.no_speed:
            big = load_image(imageset.load(imageset.CONTENTS[0], 512), 512)
            translate(generator, big, generator.meta.get("side"))
            times = []
            for _ in range(3):
                started = time.perf_counter()
                translate(generator, big, generator.meta.get("side"))
                times.append(time.perf_counter() - started)
            seconds = float(np.median(times))
        rows.append((name, wins2, wins3, len(photos), float(np.median(ssims)), seconds))
        line = (f"beats the colour transfer on texture ratio and style gain on {wins2}/{len(photos)} photos "
                f"({wins2 / len(photos):.0%}), on all three style scores on {wins3}/{len(photos)}; median SSIM "
                f"{np.median(ssims):.3f}; 512 px in {seconds:.2f} s; load {os.getloadavg()[0]:.1f}")
        print(f"{name}: {line}", flush=True)
        if args.cards and path.suffix == ".npz" and not (args.photos or args.views):
            measured = f"On the {len(photos)} eval photos (never trained on) at {SIZE} px, eval judge: {line}."
            weights.write_measured(weights.card_path(path), MEASURED, measured, eval_wins=f"{wins2}/{len(photos)}")
        sheet.append(sheet_row)
    total2, total3, pairs = (sum(r[i] for r in rows) for i in (1, 2, 3))
    print(f"all: {total2}/{pairs} ({total2 / pairs:.0%}) on texture and gain, {total3}/{pairs} on all three")
    if args.sheet:
        print("contact sheet:", save_image(contact_sheet(sheet), args.sheet))
    return 0


if __name__ == "__main__":
    sys.exit(main())
