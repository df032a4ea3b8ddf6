"""AdaIN bars (issue: the canonical AdaIN): the decoder on eval paintings x eval photos (none in
its training), against the colour transfer, with the eval's judge and size; speed at 512 px.

    python benchmarks/adain_bars.py [--decoder runs/adain/checkpoint/decoder.weights.h5]
        [--precision int8|float] [--strength 1.0] [--style-size 512] [--sheet assets/adain/contact_sheet.jpg] [--card]
        [--split train|validation]

Bars: beats the colour transfer on the Gram ratio, the texture ratio and the style gain at once
on at least 80 % of pairs; median SSIM at least 0.35; a 512 px photo in at most 0.5 s, warm
(median of 5, the painting at its default 512 px), both with a painting it has not seen (its
statistics computed) and with one seen before (kept, as a second photo with the same painting is).
--precision float runs the TensorFlow networks; --decoder (a checkpoint, not yet exported) always does.

--split train scores 6 train paintings x 8 train photos instead: images every candidate decoder
trained on, so it can choose between training runs without looking at the eval images. Its
numbers are not held-out numbers and are never the reported ones. --split validation scores 12 train
paintings x the 4 validation photos (eval/imageset.py VALIDATION_PHOTOS, which no network trained on):
photos as unseen as the eval's, paintings the decoder has seen; also for choosing, never reported.
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
from methods.adain import method as adain  # noqa: E402
from methods.adain.train import MEASURED  # noqa: E402
from methods.images import contact_sheet, save_image  # noqa: E402
from methods.reference import colour_transfer  # noqa: E402

SIZE = 256  # the eval's default size
SHEET_PHOTOS = ("astronaut", "kodim13", "chelsea")
# (photos, paintings) per --split; slices spread the picks over the lists, fixed
SPLITS = {"eval": (imageset.CONTENTS, imageset.STYLES),
          "train": (imageset.TRAIN_PHOTOS[::2][:8], imageset.TRAIN_PAINTINGS[::4][:6]),
          "validation": (imageset.VALIDATION_PHOTOS, imageset.TRAIN_PAINTINGS[::4][:12])}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--decoder", help="a decoder file (.npz or a checkpoint's .weights.h5); default: the project's")
    parser.add_argument("--precision", choices=adain.PRECISIONS, default="int8")
    parser.add_argument("--strength", type=float, default=1.0)
    parser.add_argument("--sheet", type=Path, help="contact sheet: painting | photo, colour transfer, AdaIN per photo")
    parser.add_argument("--card", action="store_true", help="write the figures into assets/adain/decoder.md")
    parser.add_argument("--style-size", type=int, default=512, help="the painting's long side before encoding "
                        "(the method's style_size; its default 512)")
    parser.add_argument("--split", choices=tuple(SPLITS), default="eval",
                        help="train, validation: choose between runs or settings without the eval images")
    args = parser.parse_args(argv)
    if args.split != "eval" and (args.card or args.sheet):
        parser.error("--card and --sheet report the eval's numbers: not with --split train or validation")
    import_tensorflow_quietly()
    if args.decoder or args.precision == "float":
        networks = adain.load_networks(args.decoder)
    else:
        networks = adain.load_int8_networks()
    contents, styles = SPLITS[args.split]
    photos = {entry.name: imageset.load(entry, SIZE) for entry in contents}
    judge, wins, ssims, sheet = metrics.default_judge(), [], [], []
    for entry in styles:
        painting = imageset.load(entry, SIZE)
        large = imageset.load(entry, args.style_size)
        row, painting_wins = [painting], 0
        for name, photo in photos.items():
            output = adain.stylise(networks, photo, large, args.strength)
            ours = metrics.score(output, photo, painting, judge)
            ct = metrics.score(colour_transfer(photo, painting), photo, painting, judge)
            win = all(metrics.DIRECTIONS[s] == "lower" and ours[s] < ct[s] or
                      metrics.DIRECTIONS[s] == "higher" and ours[s] > ct[s] for s in metrics.STYLE_SCORES)
            wins.append(win)
            painting_wins += win
            ssims.append(ours["ssim"])
            if name in SHEET_PHOTOS:
                row += [photo, colour_transfer(photo, painting), output]
        print(f"{entry.name}: {painting_wins}/{len(photos)}", flush=True)
        sheet.append(row)
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
    line = (f"beats the colour transfer on all three style scores on {sum(wins)}/{len(wins)} pairs "
            f"({np.mean(wins):.0%}; bar 80 %); median SSIM {np.median(ssims):.3f} (bar 0.35); "
            f"{big.shape[1]}x{big.shape[0]} px in {np.median(times['seen']):.2f} s warm with a painting seen before, "
            f"{np.median(times['new']):.2f} s with a new one (bar 0.5 s, {networks.precision}); "
            f"load {os.getloadavg()[0]:.1f}")
    print(f"{networks.source} strength {args.strength}, painting at {args.style_size} px, {args.split} images: {line}")
    if args.sheet:
        print("contact sheet:", save_image(contact_sheet(sheet, height=120), args.sheet))
    if args.card:
        card = weights.card_path(weights.PROJECT_ROOT / weights.NETWORKS["adain_decoder"].asset)
        weights.write_measured(card, MEASURED, f"The {len(imageset.STYLES)} eval paintings x {len(photos)} eval photos "
                               f"(never trained on) at {SIZE} px, the painting read at {args.style_size} px, eval judge, "
                               f"strength {args.strength}: {line}.",
                               eval_wins=f"{sum(wins)}/{len(wins)}", eval_ssim=f"{np.median(ssims):.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
