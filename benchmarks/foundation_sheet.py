"""Issue 2's bars: AdaIN on a 512 px photo, Gatys at 256 px with defaults, and a contact sheet
(content / style / Gatys / AdaIN) for two shared paintings.

    python benchmarks/foundation_bars.py [--out assets/foundation_contact_sheet.png]
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from methods import get  # noqa: E402
from methods.images import contact_sheet, load_image, save_png  # noqa: E402

SHARED = Path(__file__).resolve().parents[2] / "shared" / "imageset"
PAIRS = (("kodim22.png", "starry_night.jpg"), ("kodim13.png", "great_wave.jpg"))


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
        rows.append([content, style, gatys.image, adain.image])
    sheet = contact_sheet(rows)
    print("contact sheet (content | style | Gatys | AdaIN):", save_png(sheet, args.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
