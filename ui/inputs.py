"""What the page's events receive: uploads, read and judged by methods.core.images (not by Gradio), and
the output size, whose bounds the server enforces because API callers skip the slider's.

An animated or multi-page file (GIF, APNG, WebP, TIFF) is read as its first frame, as every image
reader of the project reads it: that frame is a picture in its own right, and refusing the file would
only send the user off to convert it. The user is told, once per open page and file: a warning toast
(for API callers, a log message of the event: gradio_client's job status `log`), and the input's name
in the results says "first frame". A (nearly) flat picture is refused: it has no content to keep or no
style to give, and its scores would rank a blank output above a colour transfer."""
from __future__ import annotations

import threading
from collections import OrderedDict
from pathlib import Path

import gradio as gr
import numpy as np
from gradio.context import LocalContext
from PIL import Image

from methods.core.images import ImageError, load_image
from ui.panels import hide_paths

STYLE_MAX_SIDE = 512
OUTPUT_SIDES = (64, 1024)  # the app's own output size bounds (long side, px), enforced for API callers too
# What the page calls each input, in the toasts' titles and messages
NOUNS = {"content": "photo", "style": "painting"}
# A picture whose middle 98 % of values spans less than this in every channel is flat: a blank frame,
# a solid fill (JPEG noise on one is about 2/255; the dimmest real photos span ten times more)
FLAT_SPREAD = 8 / 255
FLAT_PERCENTILES = (1, 99)
_TOLD_LIMIT = 4096  # (page, file) pairs remembered, so that a note is shown once, in bounded memory
_told: OrderedDict[tuple[str, str, str], None] = OrderedDict()
_told_lock = threading.Lock()


def upload_path(payload) -> str | None:
    """The server-side path of an image component's raw value (events run with preprocess=False,
    so that our image module, not Gradio's, decodes and judges the file)."""
    if payload is None:
        return None
    if isinstance(payload, dict):
        return payload.get("path")
    return getattr(payload, "path", None) or (payload if isinstance(payload, str) else None)


def input_name(payload) -> str:
    """What the user calls an input: the uploaded or example file's own name, with "(first frame)" for
    an animation or a multi-page file, so that every result computed from it says so."""
    name = payload.get("orig_name") if isinstance(payload, dict) else getattr(payload, "orig_name", None)
    path = upload_path(payload)
    return Path(name or path or "?").name + (" (first frame)" if path and frames_kind(path) else "")


def read_image(payload, label: str, max_side: int | None) -> np.ndarray:
    """The uploaded image as float32 RGB, or gr.Error saying in words what is wrong. `label` is
    "content" or "style"."""
    noun = NOUNS.get(label, label)
    path = upload_path(payload)
    if not path:
        raise gr.Error(f"No {noun}: please give a {label} image (upload, webcam, paste or pick an example).",
                       title=f"No {noun}", print_exception=False)
    try:
        pixels = load_image(path, max_side=max_side)
    except ImageError as error:
        message = hide_paths(str(error).replace(str(path), "the uploaded file"))
        raise gr.Error(f"{noun.capitalize()} not usable: {message}.", title=f"{noun.capitalize()} not usable",
                       duration=None, print_exception=False) from None
    kind = frames_kind(path)
    if is_flat(pixels):
        purpose = "nothing to keep in a stylisation" if label == "content" else "no style to transfer"
        frame = f" (of this {kind}, only the first frame is read)" if kind else ""
        raise gr.Error(f"{noun.capitalize()} not usable: it is (almost) one flat colour{frame}, so it has "
                       f"{purpose}. Please choose a picture with some detail.",
                       title=f"{noun.capitalize()} not usable", duration=None, print_exception=False)
    if kind and _first_time(path, label):
        gr.Warning(f"The {noun} is {_article(kind)} {kind}: only its first frame is used.",
                   title=f"{noun.capitalize()}: first frame used")
    return pixels


def frames_kind(path) -> str:
    """"animated GIF", "multi-page TIFF" and the like for a file of several frames; "" for a still image
    or an unreadable file. Reads the header and, for a GIF, how its second frame starts, no pixels."""
    try:
        with Image.open(path) as image:
            if not getattr(image, "is_animated", False):
                return ""
            return "multi-page TIFF" if image.format == "TIFF" else f"animated {image.format or 'image'}"
    except Exception:  # noqa: BLE001 - unreadable files are load_image's to explain
        return ""


def is_flat(pixels: np.ndarray) -> bool:
    """Whether a picture has (almost) no variation: each channel's middle 98 % of values spans under
    FLAT_SPREAD (a few stray pixels, such as a logo on a blank frame, do not count as content)."""
    sample = pixels[:: max(1, pixels.shape[0] // 256), :: max(1, pixels.shape[1] // 256)].reshape(-1, 3)
    low, high = np.percentile(sample, FLAT_PERCENTILES, axis=0)
    return bool(np.max(high - low) < FLAT_SPREAD)


def _article(word: str) -> str:
    return "an" if word[:1].lower() in "aeiou" else "a"


def _first_time(path: str, label: str) -> bool:
    """Whether this open page has not yet been told about this file (an upload is checked on upload, on
    Run and by each method's event: one note, not seven). Outside an event: always."""
    request = LocalContext.request.get(None)
    page = getattr(request, "session_hash", None)  # Gradio's id of the open page
    if page is None:
        return True
    key = (page, label, str(path))
    with _told_lock:
        if key in _told:
            return False
        _told[key] = None
        if len(_told) > _TOLD_LIMIT:
            _told.popitem(last=False)
    return True


def output_side(value) -> int:
    """The app's output size (long side), checked here because API callers skip the slider's bounds."""
    low, high = OUTPUT_SIDES
    try:
        side = float(value)
    except (TypeError, ValueError):
        side = float("nan")
    if not (np.isfinite(side) and side == int(side) and low <= side <= high):
        raise gr.Error(f"Output size not usable: it must be a whole number of pixels from {low} to {high}; "
                       f"got {value!r}.",
                       title="Output size not usable", print_exception=False)
    return int(side)
