"""CycleGAN bars: each project generator on photos it was not trained on (Gram style-loss ratio
to its painting on the eval judge, SSIM to the photo), 512 px speed, and a contact sheet.

    python benchmarks/cyclegan_bars.py [--out assets/cyclegan/contact_sheet.png]
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from skimage import data

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from eval import metrics  # noqa: E402
from methods import get  # noqa: E402
from methods.cyclegan import PROJECT_MODELS  # noqa: E402
from methods.images import contact_sheet, load_image, save_png  # noqa: E402

SHARED = Path(__file__).resolve().parents[2] / "shared" / "imageset"
HELD_OUT = {"coffee": data.coffee, "motorcycle_left": lambda: data.stereo_motorcycle()[0]}  # not in training


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", default="assets/cyclegan/contact_sheet.png")
    args = parser.parse_args(argv)
    method, rows = get("cyclegan"), []
    for painting in PROJECT_MODELS:
        style = load_image(SHARED / "styles" / f"{painting}.jpg", 512)
        row = [style]
        for name, load in HELD_OUT.items():
            photo = load_image(load(), 512)
            method.stylize(photo, style, checkpoint=painting)  # warm-up
            started = time.perf_counter()
            result = method.stylize(photo, style)  # auto: must pick this painting's model
            seconds = time.perf_counter() - started
            method.stylize(photo, style, checkpoint="vintage")  # warm-up of the largest generator
            started = time.perf_counter()
            vintage = method.stylize(photo, style, checkpoint="vintage").image
            vintage_seconds = time.perf_counter() - started
            scores = metrics.score(result.image, photo, style)
            print(f"{painting} on {name}: auto picked {result.info['checkpoint']}; style-loss ratio "
                  f"{scores['style_loss_ratio']:.3f} ({1 - scores['style_loss_ratio']:.0%} lower than the photo), "
                  f"SSIM {scores['ssim']:.3f}; {result.image.shape[1]}x{result.image.shape[0]} in {seconds:.2f} s, "
                  f"vintage (ngf 64, 9 blocks) in {vintage_seconds:.2f} s; load {os.getloadavg()[0]:.1f}")
            row += [photo, result.image, vintage]
        rows.append(row)
    sheet = contact_sheet(rows)
    print("contact sheet (painting | photo, project model, vintage per photo):", save_png(sheet, args.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
