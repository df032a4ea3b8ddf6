"""The fixed evaluation image set: a manifest, and where each image's bytes are found.

Every entry names its upstream URL and sha256, so any machine can fetch and verify the same
bytes. A file image is looked for, in order, in
  1. mirror folders: --images-dir, then $STYLEBENCH_IMAGES, then ../shared/imageset beside
     the repository when it exists (each as <folder>/<contents|styles>/<file> or <folder>/<file>);
  2. the download cache, methods.weights.cache_home()/images;
  3. the upstream URL (skipped offline: $STYLEBENCH_OFFLINE=1), saved into the cache.
Every file is checked against the manifest's sha256; a mismatch is refused. The
scikit-image photos ship inside the scikit-image wheel and load through skimage.data.
"""
from __future__ import annotations

import hashlib
import os
import tempfile
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from methods import weights
from methods.images import load_image

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_MIRROR = REPO_ROOT.parent / "shared" / "imageset"
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp", ".bmp", ".tif", ".tiff")
SKIMAGE_DATA = "https://gitlab.com/scikit-image/data/-/raw/5c090b56df3988d988ff97928e2ef2d2cbe38e1b"
FAST_STYLE = "https://raw.githubusercontent.com/jcjohnson/fast-neural-style/813c83441953ead2adb3f65f4cc2d5599d735fa7/images/styles"
KODAK = "https://raw.githubusercontent.com/Zelex/images/0b8a89db599a384124fb991b85d40cfd63c73d58/kodak"
KODAK_LICENCE = "Kodak Lossless True Color Image Suite, released by Eastman Kodak for unrestricted usage"
PUBLIC_DOMAIN_ART = "public domain (artist died before 1955, published before 1929)"


class ImageSetError(RuntimeError):
    """An image of the set is missing or corrupt; the message says which and how to get it."""


@dataclass(frozen=True)
class Entry:
    """One image. `skimage` names the skimage.data function for photos that ship in the wheel;
    `path` is set for a person's own images (--contents/--styles), which have no manifest row."""

    name: str
    kind: str  # "content" or "style"
    filename: str
    title: str = ""
    author: str = ""
    licence: str = ""
    url: str | None = None
    sha256: str | None = None
    skimage: str | None = None
    path: Path | None = None

    @property
    def folder(self) -> str:
        return f"{self.kind}s"


def _skimage(name, filename, title, author, licence, sha256, function=None):
    return Entry(name, "content", filename, title, author, licence, f"{SKIMAGE_DATA}/{filename}", sha256,
                 skimage=function or name)


CONTENTS: tuple[Entry, ...] = (
    _skimage("astronaut", "astronaut.png", "Astronaut Eileen Collins", "NASA", "public domain (NASA)",
             "88431cd9653ccd539741b555fb0a46b61558b301d4110412b5bc28b5e3ea6cb5"),
    _skimage("chelsea", "chelsea.png", "Chelsea the cat", "Stefan van der Walt", "CC0",
             "596aa1e7cb875eb79f437e310381d26b338a81c2da23439704a73c4651e8c4bb"),
    _skimage("coffee", "coffee.png", "A cup of coffee", "Rachel Michetti", "CC0",
             "cc02f8ca188b167c775a7101b5d767d1e71792cf762c33d6fa15a4599b5a8de7"),
    _skimage("rocket", "rocket.jpg", "DSCOVR launch on Falcon 9", "SpaceX", "public domain (SpaceX)",
             "c2dd0de7c538df8d111e479619b129464d0269d0ae5fd18ca91d33a7fdfea95c"),
    _skimage("motorcycle_left", "motorcycle_left.png", "Motorcycle (Middlebury stereo 2014, left view)",
             "Scharstein et al.", "Middlebury Stereo 2014 data set, as shipped in scikit-image",
             "db18e9c4157617403c3537a6ba355dfeafe9a7eabb6b9b94cb33f6525dd49179", "stereo_motorcycle"),
    Entry("kodim05", "content", "kodim05.png", "Motocross riders", "Eastman Kodak", KODAK_LICENCE,
          f"{KODAK}/kodim05.png", "ccf694ceb6bbf431e0009ed0d5573a8ff0915095b69ddfb527b91d8325897f5e"),
    Entry("kodim13", "content", "kodim13.png", "Mountain stream", "Eastman Kodak", KODAK_LICENCE,
          f"{KODAK}/kodim13.png", "797949ce1152ef157ff0a1231c95cb8ed7641615e0b0f5f77f851a44aee19e8d"),
    Entry("kodim22", "content", "kodim22.png", "Red barn and pond", "Eastman Kodak", KODAK_LICENCE,
          f"{KODAK}/kodim22.png", "627b76fccf714b4ddffb739b2eb63ba2817cf5b5a8e222079542dcf2cfdda939"),
)

STYLES: tuple[Entry, ...] = (
    Entry("starry_night", "style", "starry_night.jpg", "The Starry Night, 1889", "Vincent van Gogh",
          PUBLIC_DOMAIN_ART, f"{FAST_STYLE}/starry_night.jpg",
          "0592ab0f7b51b3ce72608a95e53880bd93971e5b48f93a0ce8dfd3cbccf3d098"),
    Entry("great_wave", "style", "great_wave.jpg", "The Great Wave off Kanagawa, c. 1831", "Katsushika Hokusai",
          PUBLIC_DOMAIN_ART, f"{FAST_STYLE}/wave.jpg",
          "14bcf58a39b7095168f27756d76d0c615bb8954acc5eae9e62c66a9684c2ee2b"),
    Entry("the_scream", "style", "the_scream.jpg", "The Scream, 1893", "Edvard Munch", PUBLIC_DOMAIN_ART,
          f"{FAST_STYLE}/the_scream.jpg", "f3075cddeb974a9ee1d6418f7f33fd05185a7ac7dcb4288bd2805d499a9dcaee"),
    Entry("composition_vii", "style", "composition_vii.jpg", "Composition VII, 1913", "Wassily Kandinsky",
          PUBLIC_DOMAIN_ART, f"{FAST_STYLE}/composition_vii.jpg",
          "8f992ed4aecd6dd56972d7bc8166761de7c94e670ee6effa8fd05f3daeb33409"),
    Entry("shipwreck", "style", "shipwreck.jpg", "The Shipwreck of the Minotaur, c. 1810", "J. M. W. Turner",
          PUBLIC_DOMAIN_ART, "https://raw.githubusercontent.com/jcjohnson/neural-style/"
          "07c4b8299f8fbdafec0c514fc820ff1d7ff62e46/examples/inputs/shipwreck.jpg",
          "4f7cf34e3cd4a5daaf3f421f059ca9a01aaa2a3afd7243d6670c9c8bc001a213"),
    Entry("water_lilies", "style", "water_lilies.jpg", "Water Lilies, 1919", "Claude Monet", PUBLIC_DOMAIN_ART,
          "https://raw.githubusercontent.com/titu1994/Neural-Style-Transfer/"
          "d09334855211579ea1adb9ad04f09fc8a7573850/images/inputs/style/water-lilies-1919-2.jpg",
          "db4c4fe90c02be04d269f2f598357bb8cd4ea0541712a90d4913e91b1da689d7"),
)

MANIFEST: dict[str, Entry] = {entry.name: entry for entry in CONTENTS + STYLES}
QUICK_CONTENTS = ("astronaut", "chelsea")  # in the wheel: a smoke run needs no mirror for them
QUICK_STYLES = ("starry_night", "great_wave")


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def mirror_dirs(images_dir: str | os.PathLike | None = None) -> list[Path]:
    """Mirror folders in the order they are tried."""
    folders = [Path(images_dir)] if images_dir else []
    if os.environ.get("STYLEBENCH_IMAGES"):
        folders.append(Path(os.environ["STYLEBENCH_IMAGES"]))
    if SHARED_MIRROR.is_dir():
        folders.append(SHARED_MIRROR)
    return folders


def cache_dir() -> Path:
    return weights.cache_home() / "images"


def locate(entry: Entry, mirrors: list[Path] | None = None, download: bool | None = None) -> Path:
    """The verified local file of a file entry (mirror, cache, then download into the cache)."""
    if entry.path is not None:
        return entry.path
    mirrors = mirror_dirs() if mirrors is None else mirrors
    for folder in mirrors:
        for candidate in (folder / entry.folder / entry.filename, folder / entry.filename):
            if candidate.is_file():
                return _verified(entry, candidate)
    cached = cache_dir() / entry.filename
    if cached.is_file():
        return _verified(entry, cached)
    download = (not weights.offline()) if download is None else download
    if entry.url and download:
        return _download(entry, cached)
    raise ImageSetError(
        f"image {entry.name} ({entry.filename}) not found: put it in "
        f"{' or '.join(str(folder / entry.folder) for folder in mirrors) or '--images-dir DIR/' + entry.folder}"
        f" or {cache_dir()}, or download {entry.url} (sha256 {entry.sha256})"
        + ("" if download else "; downloads are off (STYLEBENCH_OFFLINE)"))


def _verified(entry: Entry, path: Path) -> Path:
    actual = sha256_file(path)
    if entry.sha256 and actual != entry.sha256:
        raise ImageSetError(f"image {entry.name}: {path} has sha256 {actual}, the manifest expects "
                            f"{entry.sha256}; refusing it (replace it with the bytes of {entry.url})")
    return path


def _download(entry: Entry, target: Path) -> Path:
    """Fetch into a temporary file, keep it only if its sha256 matches."""
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    try:
        with os.fdopen(handle, "wb") as file, urllib.request.urlopen(entry.url, timeout=60) as response:
            while block := response.read(1 << 20):
                file.write(block)
        _verified(entry, Path(temp))
        os.replace(temp, target)
    except ImageSetError:
        raise
    except OSError as error:
        raise ImageSetError(f"image {entry.name}: could not download {entry.url} ({error}); put "
                            f"{entry.filename} in {target.parent} or a mirror folder to work offline") from None
    finally:
        Path(temp).unlink(missing_ok=True)
    return target


def load(entry: Entry, max_side: int | None, mirrors: list[Path] | None = None) -> np.ndarray:
    """The image of an entry as float32 HxWx3 in [0, 1], long side capped at max_side."""
    if entry.skimage:
        from skimage import data

        pixels = getattr(data, entry.skimage)()
        pixels = pixels[0] if isinstance(pixels, tuple) else pixels  # stereo_motorcycle: (left, right, disp)
        return load_image(pixels, max_side)
    return load_image(locate(entry, mirrors), max_side)


def select(names: list[str] | None, kind: str) -> list[Entry]:
    """Manifest entries of one kind, all or the named ones (unknown names raise ImageSetError)."""
    entries = CONTENTS if kind == "content" else STYLES
    if not names:
        return list(entries)
    known = {entry.name: entry for entry in entries}
    unknown = [name for name in names if name not in known]
    if unknown:
        raise ImageSetError(f"unknown {kind} image {', '.join(unknown)}; the set has {', '.join(known)}")
    return [known[name] for name in names]


def folder_entries(folder: str | os.PathLike, kind: str) -> list[Entry]:
    """A person's own images: every image file directly in `folder`, sorted by name."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ImageSetError(f"--{kind}s {folder}: no such folder")
    files = sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)
    if not files:
        raise ImageSetError(f"--{kind}s {folder}: no image files ({', '.join(IMAGE_SUFFIXES)})")
    return [Entry(p.stem, kind, p.name, title=p.name, licence="supplied by the user", path=p) for p in files]
