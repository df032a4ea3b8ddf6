"""The project's only image I/O: decode, validate, orient, convert to RGB float, cap size, save.

Every image crosses module boundaries as a float32 HxWx3 array in [0, 1].
"""
from __future__ import annotations

import io
import os
import tempfile
import warnings
from pathlib import Path

import numpy as np
from PIL import Image, ImageFile, ImageOps, UnidentifiedImageError

MIN_SIDE = 16
DEFAULT_MAX_SIDE = 512
# Decoding more than this many pixels is refused before the bitmap is allocated: 50 MP
# covers any camera photo and stops decompression bombs (a tiny file claiming huge sizes).
MAX_PIXELS = 50_000_000

ImageFile.LOAD_TRUNCATED_IMAGES = False


class ImageError(ValueError):
    """The input is not a usable image; the message says why, in words for the user."""


def load_image(source, max_side: int | None = DEFAULT_MAX_SIDE) -> np.ndarray:
    """Path, bytes, file object, PIL image or array -> float32 HxWx3 RGB in [0, 1].

    The long side is reduced to `max_side` (antialiased); None keeps the size.
    """
    if isinstance(source, np.ndarray):
        image = _array_to_rgb(source)
    else:
        image = _pil_to_rgb(_open(source))
    _check_size(image.shape[1], image.shape[0])
    return resize_max(image, max_side) if max_side else image


def _open(source) -> Image.Image:
    if isinstance(source, Image.Image):
        image = source
    else:
        if isinstance(source, (bytes, bytearray, memoryview)):
            source, name = io.BytesIO(bytes(source)), "the uploaded data"
        elif isinstance(source, (str, os.PathLike)):
            name = str(source)
            if not Path(source).is_file():
                raise ImageError(f"{name}: no such file")
        else:
            name = "the given file"
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error", Image.DecompressionBombWarning)
                image = Image.open(source)
        except UnidentifiedImageError:
            raise ImageError(f"{name} is not an image file Pillow can read") from None
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise ImageError(f"{name} is too large to decode safely (over {MAX_PIXELS:,} pixels)") from None
        except OSError as error:
            raise ImageError(f"cannot read {name}: {error}") from None
        _check_size(*image.size)
        try:
            image.load()
        except (OSError, SyntaxError, ValueError) as error:
            raise ImageError(f"{name} is damaged or truncated ({error})") from None
    _check_size(*image.size)
    try:
        return ImageOps.exif_transpose(image)
    except Exception:  # a broken EXIF block should not cost the picture
        return image


def _check_size(width: int, height: int) -> None:
    if width * height > MAX_PIXELS:
        raise ImageError(f"image is {width}x{height}: too large to decode safely (limit {MAX_PIXELS:,} pixels)")
    if min(width, height) < MIN_SIDE:
        raise ImageError(f"image is {width}x{height}: both sides need at least {MIN_SIDE} px")


def _pil_to_rgb(image: Image.Image) -> np.ndarray:
    if image.mode in ("I;16", "I;16L", "I;16B", "I;16N", "I"):
        gray = np.asarray(image, dtype=np.float32)
        scale = 65535.0 if image.mode.startswith("I;16") or gray.max() > 255 else 255.0
        return _array_to_rgb(np.clip(gray / scale, 0.0, 1.0))
    if image.mode == "F":
        return _array_to_rgb(np.clip(np.asarray(image, dtype=np.float32), 0.0, 1.0))
    if image.mode == "P" or image.mode in ("LA", "PA", "RGBA", "La", "RGBa"):
        image = image.convert("RGBA")
        white = Image.new("RGBA", image.size, (255, 255, 255, 255))
        image = Image.alpha_composite(white, image)
    return np.asarray(image.convert("RGB"), dtype=np.float32) / 255.0


def _array_to_rgb(array: np.ndarray) -> np.ndarray:
    array = np.asarray(array)
    if array.ndim == 3 and array.shape[2] == 1:
        array = array[..., 0]
    if not (array.ndim == 2 or (array.ndim == 3 and array.shape[2] in (3, 4))):
        raise ImageError(f"an image array must be HxW, HxWx3 or HxWx4; got shape {array.shape}")
    if array.dtype == np.uint8:
        array = array.astype(np.float32) / 255.0
    elif array.dtype == np.uint16:
        array = array.astype(np.float32) / 65535.0
    elif array.dtype == bool:
        array = array.astype(np.float32)
    elif np.issubdtype(array.dtype, np.floating):
        array = array.astype(np.float32)
        if not np.isfinite(array).all():
            raise ImageError("image array holds NaN or infinite values")
        if array.min() < -1e-3 or array.max() > 1 + 1e-3:
            raise ImageError(f"a float image must be in [0, 1]; got [{array.min():.3g}, {array.max():.3g}]")
        array = np.clip(array, 0.0, 1.0)
    else:
        raise ImageError(f"unsupported image array type {array.dtype}")
    if array.ndim == 2:
        array = np.repeat(array[..., None], 3, axis=2)
    elif array.shape[2] == 4:
        alpha = array[..., 3:]
        array = array[..., :3] * alpha + (1.0 - alpha)
    return np.ascontiguousarray(array, dtype=np.float32)


def resize_max(image: np.ndarray, max_side: int) -> np.ndarray:
    """Shrink so the long side is at most max_side (Lanczos, antialiased); never enlarges."""
    height, width = image.shape[:2]
    if max(height, width) <= max_side:
        return image
    scale = max_side / max(height, width)
    return resize(image, (max(1, round(height * scale)), max(1, round(width * scale))))


def resize(image: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Resize a float RGB image to (height, width) with Pillow's Lanczos, channel by channel."""
    height, width = size
    channels = [Image.fromarray(np.ascontiguousarray(image[..., c], dtype=np.float32)).resize(
        (width, height), Image.Resampling.LANCZOS) for c in range(image.shape[2])]
    return np.clip(np.stack([np.asarray(c) for c in channels], axis=-1), 0.0, 1.0).astype(np.float32)


def to_uint8(image: np.ndarray) -> np.ndarray:
    return (np.clip(image, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)


def save_png(image: np.ndarray, path) -> Path:
    """Write a PNG atomically: a reader never sees a half-written file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as file:
            Image.fromarray(to_uint8(image)).save(file, format="PNG")
        os.chmod(temp, 0o644)  # mkstemp makes it private; an output is meant to be shared
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return path


def contact_sheet(rows: list[list[np.ndarray]], height: int = 180, gap: int = 4) -> np.ndarray:
    """Images in rows, each scaled to `height`, rows padded with white to the widest."""
    strips = [np.concatenate([resize(image, (height, round(image.shape[1] * height / image.shape[0])))
                              for image in row], axis=1) for row in rows]
    width = max(strip.shape[1] for strip in strips)
    return np.concatenate([np.pad(strip, ((0, gap), (0, width - strip.shape[1]), (0, 0)), constant_values=1.0)
                           for strip in strips])
