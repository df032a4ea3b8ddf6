"""The example photos and paintings under the page's inputs, with requirements.txt alone.

The scikit-image photos come from its wheel (written once as PNG); every other example is the
small copy shipped in assets/examples (checked against its sha256 in manifest.json), or, where a
copy is missing, the original from a mirror, the cache or its pinned URL.
"""
from __future__ import annotations

import tempfile
from pathlib import Path

from methods.core import manifest as imageset
from methods.core import weights
from methods.core.images import load_image, save_png


def example_files() -> tuple[list[str], list[str]]:
    """(content example paths, style example paths); an example that cannot be had is left out."""
    contents, styles = [], []
    for entry in imageset.CONTENTS + imageset.STYLES:
        try:
            path = _skimage_example(entry) if entry.skimage else imageset.example_copy(entry)
            path = path or imageset.locate(entry)
        except (imageset.ImageSetError, OSError):
            continue
        (contents if entry.kind == "content" else styles).append(str(path))
    return contents, styles


def warm_pair(side: int = 128) -> tuple:
    """The page's default photo and painting at `side` px, for the server's warm-up run; (None, None)
    where either is missing."""
    contents, styles = example_files()
    if not contents or not styles:
        return None, None
    return load_image(contents[0], side), load_image(styles[0], side)


def captions() -> dict[str, str]:
    """{example file stem: "title · artist"} for the thumbnails (the parts before any bracket); every
    example file, shipped copy or original, is named after its entry."""
    def short(text: str) -> str:
        return text.split(" (")[0].strip()

    return {entry.name: f"{short(entry.title)} · {short(entry.author)}"
            for entry in imageset.CONTENTS + imageset.STYLES}


def upstream_url(path: str) -> str | None:
    """The public address of an example file (its manifest entry's URL), for API examples."""
    name = Path(path).name
    return next((entry.url for entry in imageset.CONTENTS + imageset.STYLES
                 if name in (entry.filename, f"{entry.name}.png") and entry.url and entry.url.startswith("http")), None)


def _skimage_example(entry) -> Path:
    for folder in (weights.cache_home() / "app-examples", Path(tempfile.gettempdir()) / "stylebench-examples"):
        path = folder / f"{entry.name}.png"
        try:
            if not path.is_file():
                save_png(imageset.load(entry, max_side=768), path)
            return path
        except OSError:  # a read-only cache: the temporary folder instead
            continue
    raise OSError(f"cannot write the example {entry.name}")
