"""The VAE's style loss, SSIM and speed per mode, measured in one run on the eval images.

    python -m benchmarks.vae_quality [--modes gram style adain] [--sheet assets/vae/contact_sheet.png]
        [--styles starry_night great_wave] [--contents kodim05] [--beside gatys adain]

For every eval painting and photo (long side 512): the Gram style loss to the painting
(VGG16-HED, block1_conv1..block5_conv1, Gatys' own layers; methods.core.losses.style_loss) of the
untouched photo and of each mode's output, its change in percent, and SSIM to the photo. Timings:
the first stylisation with each new style (training included, fresh cache in a temporary folder)
and the later photos with the same style. Targets: style loss at least 20 % below the photo's with
SSIM above 0.4; first stylisation under 60 s, later photos under 2 s. --beside adds other methods'
outputs (default parameters) to the contact sheet, after the VAE's, for comparison.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from skimage.metrics import structural_similarity

from methods import get
from methods.core import manifest as imageset
from methods.core.backbones import feature_extractor
from methods.core.images import resize, save_image
from methods.core.losses import gram, style_loss

STYLE_LAYERS = tuple(f"block{b}_conv1" for b in range(1, 6))
TARGETS = {"change_pct": -20.0, "ssim": 0.4}


def parse(argv) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--modes", nargs="+", default=["gram", "style", "adain"], choices=["gram", "style", "adain"])
    parser.add_argument("--styles", nargs="*", help="eval painting names (default: all)")
    parser.add_argument("--contents", nargs="*", help="eval photo names (default: all)")
    parser.add_argument("--side", type=int, default=512)
    parser.add_argument("--param", action="append", default=[], help="NAME=VALUE for the vae method")
    parser.add_argument("--sheet", type=Path, help="write a contact sheet here (.png or .jpg)")
    parser.add_argument("--tile", type=int, default=96, help="contact sheet tile side in px")
    parser.add_argument("--beside", nargs="*", default=[], help="other methods to show on the sheet (e.g. gatys adain)")
    parser.add_argument("--keep-cache", action="store_true", help="use $STYLEBENCH_CACHE, not a fresh one")
    return parser.parse_args(argv)


def images(entries, names, side: int) -> list[tuple[str, np.ndarray]]:
    """(name, pixels) of the named entries (a file name's suffix is ignored), or of all."""
    wanted = {Path(name).stem for name in names or ()}
    unknown = wanted - {entry.name for entry in entries}
    if unknown:
        raise imageset.ImageSetError(f"not eval images: {', '.join(sorted(unknown))}")
    return [(entry.name, imageset.load(entry, side)) for entry in entries if not wanted or entry.name in wanted]


def measure(args, params, styles, contents) -> tuple[pd.DataFrame, list]:
    """One row per (painting, photo, mode), and the contact sheet's rows."""
    extractor = feature_extractor("vgg16_hed", STYLE_LAYERS)
    method = get("vae")

    def loss(image, grams):
        return float(style_loss(extractor(image[None]), grams)[0])

    rows, sheet = [], []
    for style_name, style in styles:
        grams = {n: gram(f) for n, f in extractor(style[None]).items()}
        sheet_row = [style]
        for index, (content_name, content) in enumerate(contents):
            baseline = loss(content, grams)
            sheet_row.append(content)
            for mode in args.modes:
                result = method.stylize(content, style, mode=mode, **params)
                value = loss(result.image, grams)
                rows.append({
                    "style": style_name, "content": content_name, "mode": mode,
                    "photo_style_loss": baseline, "style_loss": value,
                    "change_pct": 100 * (value / baseline - 1),
                    "ssim": structural_similarity(result.image, content, channel_axis=-1, data_range=1.0),
                    "seconds": result.seconds, "first": index == 0, "cache": result.info.get("cache"),
                    "load": os.getloadavg()[0]})
                sheet_row.append(result.image)
                print(" ".join(f"{k}={v:.3f}" if isinstance(v, float) else f"{k}={v}"
                               for k, v in rows[-1].items()), flush=True)
            for other in args.beside:
                sheet_row.append(get(other).stylize(content, style).image)
        sheet.append(sheet_row)
    return pd.DataFrame(rows), sheet


def summary(frame: pd.DataFrame) -> pd.DataFrame:
    """Per mode: mean and worst change and SSIM, pairs within the targets, first and later seconds."""
    table = frame.groupby("mode").agg(change_pct=("change_pct", "mean"), ssim=("ssim", "mean"),
                                      worst_change=("change_pct", "max"), worst_ssim=("ssim", "min"))
    passing = (frame.change_pct <= TARGETS["change_pct"]) & (frame.ssim > TARGETS["ssim"])
    table["pairs_passing"] = frame.assign(ok=passing).groupby("mode").ok.sum()
    table["pairs"] = frame.groupby("mode").size()
    first = frame[frame["first"]].groupby("mode").seconds.agg(["mean", "max"])
    later = frame[~frame["first"]].groupby("mode").seconds.agg(["mean", "max"])
    table["first_s_mean"], table["first_s_max"] = first["mean"], first["max"]
    table["later_s_mean"], table["later_s_max"] = later["mean"], later["max"]
    return table


def main(argv=None) -> int:
    args = parse(argv)
    if not args.keep_cache:
        os.environ["STYLEBENCH_CACHE"] = tempfile.mkdtemp(prefix="vae-quality-")
    params = dict(p.split("=", 1) for p in args.param)
    try:
        styles = images(imageset.STYLES, args.styles, args.side)
        contents = images(imageset.CONTENTS, args.contents, args.side)
    except imageset.ImageSetError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    method = get("vae")
    started = time.perf_counter()
    method.load(method.resolve_params(params))
    print(f"load (generic VAE, first in process): {time.perf_counter() - started:.2f} s; "
          f"load average {os.getloadavg()[0]:.2f}, {os.cpu_count()} cores")
    frame, sheet = measure(args, params, styles, contents)
    print(frame.groupby(["mode", "style"])[["change_pct", "ssim"]].mean().round(3).to_string())
    print(summary(frame).round(3).to_string())
    if args.sheet:
        columns = [f"vae {mode}" for mode in args.modes] + args.beside
        write_sheet(sheet, args.sheet, columns, [n for n, _ in contents], args.tile)
    return 0


def write_sheet(rows, path: Path, modes, contents, tile: int = 96) -> None:
    """One row per painting: the painting, then each photo followed by each mode's output."""
    def fit(image):  # letterbox into a tile x tile square
        h, w = image.shape[:2]
        scale = tile / max(h, w)
        small = resize(image, (max(1, round(h * scale)), max(1, round(w * scale))))
        out = np.ones((tile, tile, 3), np.float32)
        top, left = (tile - small.shape[0]) // 2, (tile - small.shape[1]) // 2
        out[top:top + small.shape[0], left:left + small.shape[1]] = small
        return out

    grid = np.concatenate([np.concatenate([fit(image) for image in row], axis=1) for row in rows], axis=0)
    save_image(grid, path)
    print(f"wrote {path} ({path.stat().st_size / 1e3:.0f} kB): columns painting, then per photo "
          f"({', '.join(contents)}): photo, {', '.join(modes)}")


if __name__ == "__main__":
    raise SystemExit(main())
