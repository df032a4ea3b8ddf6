"""Issue 2's bars: AdaIN on a 512 px photo, Gatys at 256 px with defaults, and a contact sheet
(content / style / Gatys / AdaIN) for two shared paintings.

    python benchmarks/foundation_bars.py [--out assets/foundation_contact_sheet.png]
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from methods import get  # noqa: E402
from methods.images import load_image, resize, save_png  # noqa: E402

SHARED = Path(__file__).resolve().parents[2] / "shared" / "imageset"
PAIRS = (("kodim22.png", "starry_night.jpg"), ("kodim13.png", "great_wave.jpg"))


def tile(image, height=200):
    width = round(image.shape[1] * height / image.shape[0])
    return resize(image, (height, width))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", default="assets/foundation_contact_sheet.png")
    args = parser.parse_args(argv)
    rows = []
    for content_name, style_name in PAIRS:
        content = load_image(SHARED / "contents" / content_name, 512)
        style = load_image(SHARED / "styles" / style_name, 512)
        get("adain").stylize(content, style)  # warm-up: first onnxruntime run allocates
        adain = min((get("adain").stylize(content, style) for _ in range(3)), key=lambda r: r.seconds)
        gatys = get("gatys").stylize(content, style)
        print(f"{content_name} x {style_name}: adain {adain.image.shape[1]}x{adain.image.shape[0]} "
              f"{adain.seconds:.2f} s (best of 3); gatys {gatys.image.shape[1]}x{gatys.image.shape[0]} "
              f"{gatys.seconds:.1f} s, {gatys.info['evaluations']} evaluations, losses {gatys.info['losses']}")
        rows.append(np.concatenate([tile(content), tile(style), tile(gatys.image), tile(adain.image)], axis=1))
    width = max(row.shape[1] for row in rows)
    sheet = np.concatenate([np.pad(r, ((0, 4), (0, width - r.shape[1]), (0, 0)), constant_values=1) for r in rows])
    print("contact sheet (content | style | Gatys | AdaIN):", save_png(sheet, args.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
