"""AdaIN's quality and speed: the decoder on a split's paintings x photos against the colour
transfer, with the eval's judge and size (eval.protocol), and its speed at 512 px.

    python -m benchmarks.adain_quality [--decoder runs/adain/checkpoint/decoder.weights.h5]
        [--precision int8|float] [--strength 1.0] [--style-size 512] [--sheet assets/adain/contact_sheet.jpg]
        [--card] [--split eval|train|validation]

Targets: wins (the protocol's rule: all three style scores at once) on at least 80 % of pairs;
median SSIM at least 0.35; a 512 px photo in at most 0.5 s, warm (median of 5, the painting at its
default 512 px), both with a painting it has not seen (its statistics computed) and with one seen
before (kept, as a second photo with the same painting is). --precision float runs the TensorFlow
networks; --decoder (a checkpoint, not yet exported) always does.

--split train and --split validation (eval.protocol.SPLITS) choose between training runs or
settings without looking at the eval images: train images every candidate decoder trained on, or
photos no network trained on with train paintings. Their figures are never the reported ones.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

from eval import metrics, protocol
from methods import import_tensorflow_quietly
from methods.adain import method as adain
from methods.adain.train import MEASURED
from methods.core import manifest as imageset
from methods.core import weights
from methods.core.images import contact_sheet, save_image
from methods.reference import colour_transfer

SHEET_PHOTOS = ("astronaut", "kodim13", "chelsea")
TARGETS = {"wins": 0.8, "ssim": 0.35, "seconds": 0.5}


def parse(argv) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--decoder", help="a decoder file (.npz or a checkpoint's .weights.h5); default: the project's")
    parser.add_argument("--precision", choices=adain.PRECISIONS, default="int8")
    parser.add_argument("--strength", type=float, default=1.0)
    parser.add_argument("--sheet", type=Path, help="contact sheet: painting | photo, colour transfer, AdaIN per photo")
    parser.add_argument("--card", action="store_true", help="write the figures into assets/adain/decoder.md")
    parser.add_argument("--style-size", type=int, default=512, help="the painting's long side before encoding "
                        "(the method's style_size; its default 512)")
    parser.add_argument("--split", choices=("eval", "train", "validation"), default="eval",
                        help="train, validation: choose between runs or settings without the eval images")
    args = parser.parse_args(argv)
    if args.split != "eval" and (args.card or args.sheet):
        parser.error("--card and --sheet report the eval's numbers: not with --split train or validation")
    return args


def score(networks, split: protocol.Split, strength: float, style_size: int) -> tuple[protocol.Tally, list]:
    """Every painting x photo of the split: the tally and the contact sheet's rows."""
    photos = {entry.name: imageset.load(entry, protocol.SIDE) for entry in split.photos}
    judge, tally, sheet = metrics.default_judge(), protocol.Tally(), []
    for entry in split.paintings:
        painting = imageset.load(entry, protocol.SIDE)
        large = imageset.load(entry, style_size)
        row, before = [painting], tally.won
        for name, photo in photos.items():
            output = adain.stylise(networks, photo, large, strength)
            tally.add(name, protocol.against_baseline(output, photo, painting, judge))
            if name in SHEET_PHOTOS:
                row += [photo, colour_transfer(photo, painting), output]
        print(f"{entry.name}: {tally.won - before}/{len(photos)}", flush=True)
        sheet.append(row)
    return tally, sheet


def speed(networks) -> tuple[dict, tuple]:
    """Median seconds of a 512 px photo, warm, with a new painting and with one seen before."""
    big = imageset.load(imageset.CONTENTS[0], 512)
    style = imageset.load(imageset.STYLES[0], 512)
    adain.stylise(networks, big, style)
    times = {"new": [], "seen": []}
    for _ in range(5):
        for painting in ("new", "seen"):
            if painting == "new":
                adain.PAINTINGS.clear()
            started = time.perf_counter()
            adain.stylise(networks, big, style)
            times[painting].append(time.perf_counter() - started)
    return {kind: float(np.median(values)) for kind, values in times.items()}, big.shape


def main(argv=None) -> int:
    args = parse(argv)
    import_tensorflow_quietly()
    if args.decoder or args.precision == "float":
        networks = adain.load_networks(args.decoder)
    else:
        networks = adain.load_int8_networks()
    split = protocol.split(args.split)
    tally, sheet = score(networks, split, args.strength, args.style_size)
    seconds, shape = speed(networks)
    line = (f"beats the colour transfer on all three style scores on {tally.won}/{len(tally)} pairs "
            f"({tally.won / len(tally):.0%}; target {TARGETS['wins']:.0%}); median SSIM {tally.median_ssim:.3f} "
            f"(target {TARGETS['ssim']}); {shape[1]}x{shape[0]} px in {seconds['seen']:.2f} s warm with a painting "
            f"seen before, {seconds['new']:.2f} s with a new one (target {TARGETS['seconds']} s, "
            f"{networks.precision}); load {os.getloadavg()[0]:.1f}")
    print(f"{networks.source} strength {args.strength}, painting at {args.style_size} px, {args.split} images: {line}")
    if args.sheet:
        print("contact sheet:", save_image(contact_sheet(sheet, height=120), args.sheet))
    if args.card:
        card = weights.card_path(weights.PROJECT_ROOT / weights.NETWORKS["adain_decoder"].asset)
        text = (f"The {len(split.paintings)} eval paintings x {len(split.photos)} eval photos (never trained on) at "
                f"{protocol.SIDE} px, the painting read at {args.style_size} px, eval judge, strength {args.strength}: "
                f"{line}.")
        protocol.write_card(card, MEASURED, split, text, eval_wins=f"{tally.won}/{len(tally)}",
                            eval_ssim=f"{tally.median_ssim:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
