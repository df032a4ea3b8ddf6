"""AdaIN on a 512 px photo, Gatys at its defaults, and their contact sheet (content / style / Gatys /
AdaIN) for two eval paintings: their speed and their look side by side.

    python -m benchmarks.foundation_sheet [--out assets/foundation_contact_sheet.png]
"""
from __future__ import annotations

import argparse
import sys

from methods import get
from methods.core import manifest as imageset
from methods.core.images import contact_sheet, save_png

PAIRS = (("kodim22", "starry_night"), ("kodim13", "great_wave"))
SIDE = 512


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", default="assets/foundation_contact_sheet.png")
    args = parser.parse_args(argv)
    rows = []
    for content_name, style_name in PAIRS:
        content = imageset.load(imageset.MANIFEST[content_name], SIDE)
        style = imageset.load(imageset.MANIFEST[style_name], SIDE)
        get("adain").stylize(content, style)  # warm-up: first onnxruntime run allocates
        adain = min((get("adain").stylize(content, style) for _ in range(3)), key=lambda r: r.seconds)
        gatys = get("gatys").stylize(content, style)
        print(f"{content_name} x {style_name}: adain {adain.image.shape[1]}x{adain.image.shape[0]} "
              f"{adain.seconds:.2f} s (best of 3); gatys {gatys.image.shape[1]}x{gatys.image.shape[0]} "
              f"{gatys.seconds:.1f} s, {gatys.info['evaluations']} evaluations, losses {gatys.info['losses']}")
        rows.append([content, style, gatys.image, adain.image])
    print("contact sheet (content | style | Gatys | AdaIN):", save_png(contact_sheet(rows), args.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
