"""What the page's events receive: uploads, read and judged by methods.core.images (not by Gradio), and
the output size, whose bounds the server enforces because API callers skip the slider's."""
from __future__ import annotations

from pathlib import Path

import gradio as gr
import numpy as np

from methods.core.images import ImageError, load_image
from ui.panels import hide_paths

STYLE_MAX_SIDE = 512
OUTPUT_SIDES = (64, 1024)  # the app's own output size bounds (long side, px), enforced for API callers too


def upload_path(payload) -> str | None:
    """The server-side path of an image component's raw value (events run with preprocess=False,
    so that our image module, not Gradio's, decodes and judges the file)."""
    if payload is None:
        return None
    if isinstance(payload, dict):
        return payload.get("path")
    return getattr(payload, "path", None) or (payload if isinstance(payload, str) else None)


def input_name(payload) -> str:
    """What the user calls an input: the uploaded or example file's own name."""
    name = payload.get("orig_name") if isinstance(payload, dict) else getattr(payload, "orig_name", None)
    return Path(name or upload_path(payload) or "?").name


def read_image(payload, label: str, max_side: int | None) -> np.ndarray:
    """The uploaded image as float32 RGB, or gr.Error saying in words what is wrong."""
    path = upload_path(payload)
    if not path:
        raise gr.Error(f"Please give a {label} image (upload, webcam, paste or pick an example).",
                       title=f"No {label} image", print_exception=False)
    try:
        return load_image(path, max_side=max_side)
    except ImageError as error:
        message = hide_paths(str(error).replace(str(path), "the uploaded file"))
        raise gr.Error(f"The {label} image cannot be used: {message}.", title=f"Bad {label} image",
                       duration=None, print_exception=False) from None


def output_side(value) -> int:
    """The app's output size (long side), checked here because API callers skip the slider's bounds."""
    low, high = OUTPUT_SIDES
    try:
        side = float(value)
    except (TypeError, ValueError):
        side = float("nan")
    if not (np.isfinite(side) and side == int(side) and low <= side <= high):
        raise gr.Error(f"The output size must be a whole number of pixels from {low} to {high}; got {value!r}.",
                       title="Bad output size", print_exception=False)
    return int(side)
