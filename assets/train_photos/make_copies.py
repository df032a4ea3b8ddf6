"""Rebuild the 512 px copies of the image set's 17 train photos (assets/train_photos/) from the originals.

    .venv/bin/python -m assets.train_photos.make_copies   (from the repository root)

VAE gram mode's fine-tune reads the train photos at a long side of 512 px (methods.vae.train_photos; its
crops are cut at that size or smaller), so a 512 px copy is all it needs where the originals cannot be had:
a Space without ../shared or a network. methods.core.manifest.locate serves a copy to a reader that asks for at most
imageset.COPY_SIDE px when no mirror, cache or package holds the original, before it would download it.

Each original is found by its manifest name through imageset.locate (a mirror folder, the cache, else its
pinned URL; always sha256-checked), read as the fine-tune reads it (methods.core.images.load_image: Lanczos in
float to the long side), rounded to 8 bits and written as JPEG quality 95 without chroma subsampling (1.6 MB
for all 17; PNG would be 5.1 MB). manifest.json lists per copy the original's URL and sha256 and the copy's
own sha256, which locate checks before serving it; README.md gets the same table.
"""
from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path

from PIL import Image

from methods.core import manifest as imageset
from methods.core.images import load_image, to_uint8

HERE = Path(__file__).resolve().parent

QUALITY = 95


def copy(entry: imageset.Entry) -> dict:
    pixels = to_uint8(load_image(imageset.locate(entry), imageset.COPY_SIDE))
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, "JPEG", quality=QUALITY, subsampling=0, optimize=True)
    target = HERE / f"{entry.name}.jpg"
    target.write_bytes(buffer.getvalue())
    return {"name": entry.name, "file": target.name, "title": entry.title, "licence": entry.licence,
            "source_url": entry.url, "source_sha256": entry.sha256,
            "sha256": hashlib.sha256(buffer.getvalue()).hexdigest(), "size": f"{pixels.shape[1]}x{pixels.shape[0]}",
            "made_by": f"methods.core.images.load_image (Lanczos in float) to a {imageset.COPY_SIDE} px long side, "
                       f"8 bits, Pillow {Image.__version__} JPEG quality {QUALITY}, 4:4:4, optimised, no metadata"}


def main() -> int:
    rows = [copy(entry) for entry in imageset.TRAIN_PHOTOS]
    (HERE / "manifest.json").write_text(json.dumps(rows, indent=1) + "\n")
    table = "\n".join(f"| `{row['file']}` | {row['title']} | {row['size']} | `{row['sha256']}` | {row['source_url']} | "
                      f"`{row['source_sha256']}` |" for row in rows)
    readme = HERE / "README.md"
    head = readme.read_text().split("<!-- table -->")[0]
    readme.write_text(f"{head}<!-- table -->\n| copy | image | size | sha256 of the copy | original (pinned URL) | "
                      f"sha256 of the original |\n|---|---|---|---|---|---|\n{table}\n")
    print(f"wrote {len(rows)} copies, {sum((HERE / row['file']).stat().st_size for row in rows) / 1024:.0f} KiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
