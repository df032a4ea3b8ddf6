"""VAE gram mode learning from the shipped 512 px train photo copies against the originals.

    python -m benchmarks.vae_photo_copies [--styles NAME ...]

For each painting (default: the eval's six, at the eval's 256 px) one fine-tune learns from the original train
photos (the image set's mirror), one from assets/train_photos (the mirror hidden, downloads off, an empty cache:
methods.core.manifest.locate then serves the copies), same seed, fresh caches. Both stylise the four validation photos.
Prints the pixels' difference (photos and outputs), and per pair whether each beats the colour transfer on all
three style scores (the protocol's win, eval.protocol) and its SSIM.
"""
from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

import numpy as np

from eval import metrics, protocol
from methods import get, import_tensorflow_quietly
from methods.core import manifest as imageset
from methods.vae import finetune as vae


def train_photos(copies: bool) -> tuple:
    """gram mode's photos as a machine with (copies=False) or without the image set's mirror finds them."""
    hidden = {"SHARED_MIRROR": imageset.SHARED_MIRROR}
    os.environ["STYLEBENCH_CACHE"] = tempfile.mkdtemp(prefix="vae-copies-")
    if copies:
        imageset.SHARED_MIRROR, os.environ["STYLEBENCH_OFFLINE"] = Path("/nonexistent"), "1"
    vae.train_photos.cache_clear()
    try:
        photos = vae.train_photos()
        served = imageset.locate(imageset.TRAIN_PHOTOS[0], max_side=vae.STYLE_SIDES[-1])
        assert (served.parent == imageset.TRAIN_PHOTO_COPIES) == copies, served
        return photos
    finally:
        imageset.SHARED_MIRROR = hidden["SHARED_MIRROR"]
        os.environ.pop("STYLEBENCH_OFFLINE", None)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--styles", nargs="+", default=[entry.name for entry in imageset.STYLES])
    args = parser.parse_args(argv)
    originals, copies = train_photos(False), train_photos(True)
    print("train photos, copy minus original: mean |d| "
          f"{np.mean([np.abs(c - o).mean() for c, o in zip(copies, originals)]) * 255:.2f}/255, largest "
          f"{max(np.abs(c - o).max() for c, o in zip(copies, originals)) * 255:.0f}/255")
    photos = {entry.name: imageset.load(entry, protocol.SIDE) for entry in protocol.split("validation").photos}
    import_tensorflow_quietly()
    judge, verdicts, differences = metrics.default_judge(), {False: [], True: []}, []
    for style in args.styles:
        painting = imageset.load(imageset.MANIFEST[style], protocol.SIDE)
        outputs = {}
        for from_copies, learnt in ((False, originals), (True, copies)):
            vae.train_photos = lambda learnt=learnt: learnt
            os.environ["STYLEBENCH_CACHE"] = tempfile.mkdtemp(prefix="vae-copies-")
            for name, photo in photos.items():
                output = outputs[name, from_copies] = get("vae").stylize(photo, painting).image
                pair = protocol.against_baseline(output, photo, painting, judge)
                verdicts[from_copies].append((pair.won(), pair.scores["ssim"]))
        row = [np.abs(outputs[name, True] - outputs[name, False]) for name in photos]
        differences += row
        print(f"{style}: output |d| mean {np.mean([d.mean() for d in row]) * 255:.2f}/255, largest "
              f"{max(d.max() for d in row) * 255:.0f}/255; wins originals "
              f"{sum(won for won, _ in verdicts[False][-len(photos):])}, copies "
              f"{sum(won for won, _ in verdicts[True][-len(photos):])} of {len(photos)}", flush=True)
    for from_copies, label in ((False, "originals"), (True, "copies")):
        rows = verdicts[from_copies]
        print(f"{label}: {sum(won for won, _ in rows)}/{len(rows)} wins, median SSIM "
              f"{np.median([ssim for _, ssim in rows]):.3f}")
    same = sum(a[0] == b[0] for a, b in zip(verdicts[False], verdicts[True]))
    print(f"same verdict in {same}/{len(verdicts[False])} pairs; output |d| mean over all "
          f"{np.mean([d.mean() for d in differences]) * 255:.2f}/255; load average {os.getloadavg()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
