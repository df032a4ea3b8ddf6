"""Rebuild the app's small example copies (assets/examples/) from the image set's originals.

    .venv/bin/python -m assets.examples.make_copies   (from the repository root)

Reads every file example of methods/core/manifest.py (the Kodak photos and the paintings; the
scikit-image photos ship in its wheel and need no copy) through imageset.locate: a mirror
folder, the cache, else the pinned upstream URL, always sha256-checked. Writes a JPEG per
image, long side capped (photos 768 px, their native size; paintings 512 px, the largest the
app reads a style image at), plus manifest.json and the table in README.md. Pillow only.
"""
from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path

from PIL import Image

from methods.core import manifest as imageset

HERE = Path(__file__).resolve().parent

LONG_SIDE = {"content": 768, "style": 512}
QUALITY = 88


def copy(entry: imageset.Entry) -> dict:
    source = imageset.locate(entry)
    with Image.open(source) as image:
        image = image.convert("RGB")
        scale = LONG_SIDE[entry.kind] / max(image.size)
        if scale < 1:
            image = image.resize((round(image.width * scale), round(image.height * scale)), Image.LANCZOS)
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=QUALITY, optimize=True)
    target = HERE / f"{entry.kind}s" / f"{entry.name}.jpg"
    target.parent.mkdir(exist_ok=True)
    target.write_bytes(buffer.getvalue())
    return {"name": entry.name, "kind": entry.kind, "file": f"{entry.kind}s/{target.name}", "title": entry.title,
            "author": entry.author, "licence": entry.licence, "source_url": entry.url,
            "source_sha256": entry.sha256, "sha256": hashlib.sha256(buffer.getvalue()).hexdigest(),
            "size": f"{image.width}x{image.height}",
            "made_by": f"Pillow {Image.__version__}: RGB, LANCZOS to a {LONG_SIDE[entry.kind]} px long side "
                       f"(never enlarged), JPEG quality {QUALITY}, optimised, no metadata"}


def main() -> int:
    rows = [copy(entry) for entry in imageset.CONTENTS + imageset.STYLES if not entry.skimage]
    (HERE / "manifest.json").write_text(json.dumps(rows, indent=1) + "\n")
    table = "\n".join(f"| `{row['file']}` | {row['title']} ({row['author']}) | {row['size']} | {row['licence']} | "
                      f"{row['source_url']} | `{row['source_sha256']}` |" for row in rows)
    readme = HERE / "README.md"
    head = readme.read_text().split("<!-- table -->")[0]
    readme.write_text(f"{head}<!-- table -->\n| copy | image | size | licence | original (pinned URL) | "
                      f"sha256 of the original |\n|---|---|---|---|---|---|\n{table}\n")
    print(f"wrote {len(rows)} copies, {sum((HERE / row['file']).stat().st_size for row in rows) / 1024:.0f} KiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
