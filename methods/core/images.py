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

from methods.core.files import atomic_write

MIN_SIDE = 16
DEFAULT_MAX_SIDE = 512
# The largest long side a method is given (methods.base refuses larger arrays): every method's
# peak memory is measured there and stays under 3 GB per request (see each method's docstring).
MAX_SIDE = 1024
# Output formats by extension; JPEG at a stated quality (95: no visible loss on stylised images).
JPEG_QUALITY = 95
SAVE_FORMATS = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG"}
# File names read as images where a folder is given (a person's own images, a training domain)
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp", ".bmp", ".tif", ".tiff")
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
            name = Path(source).name  # not the folder: messages reach app users, and it is a server's
            if not Path(source).is_file():
                raise ImageError(f"{name}: no such file")
        else:
            name = "the given file"
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error", Image.DecompressionBombWarning)
                image = Image.open(source)
        except UnidentifiedImageError:
            raise ImageError(f"{name} is not an image file in a known format (PNG, JPEG, WebP, GIF, TIFF)") from None
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise ImageError(f"{name} is too large to decode safely (over {MAX_PIXELS:,} pixels)") from None
        except OSError as error:  # strerror: "Permission denied" without the path it names
            raise ImageError(f"cannot read {name}: {getattr(error, 'strerror', None) or error}") from None
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
    if image.mode.startswith("I;16"):
        return _array_to_rgb(np.asarray(image, dtype=np.float32) / 65535.0)
    if image.mode in ("I", "F"):
        return _array_to_rgb(_real_range(np.asarray(image, dtype=np.float64), image.mode))
    if image.mode == "P" or image.mode in ("LA", "PA", "RGBA", "La", "RGBa"):
        image = image.convert("RGBA")
        white = Image.new("RGBA", image.size, (255, 255, 255, 255))
        image = Image.alpha_composite(white, image)
    return np.asarray(image.convert("RGB"), dtype=np.float32) / 255.0


def _real_range(gray: np.ndarray, mode: str) -> np.ndarray:
    """32-bit grey (TIFF modes I and F) to [0, 1] by the range its values really use, not clipped.

    Integers that fit 8 or 16 bits are read as such (16-bit PNGs decode as I); floats already in
    [0, 1] stay; anything else (scientific or HDR data) is stretched from its minimum to its maximum.
    """
    if not np.isfinite(gray).all():
        raise ImageError("image holds NaN or infinite values")
    low, high = float(gray.min()), float(gray.max())
    if mode == "I" and low >= 0 and high <= 255:
        return (gray / 255.0).astype(np.float32)
    if mode == "I" and low >= 0 and high <= 65535:
        return (gray / 65535.0).astype(np.float32)
    if mode == "F" and low >= 0 and high <= 1:
        return gray.astype(np.float32)
    if high == low:  # a flat image has no range to stretch
        return np.full(gray.shape, 0.5 if not 0 <= low <= 1 else low, np.float32)
    return ((gray - low) / (high - low)).astype(np.float32)


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
    """Shrink so the long side is at most max_side (Lanczos, antialiased); never enlarges.

    A shrink that would leave the short side under MIN_SIDE is refused (ImageError): a 4000x16
    strip capped at 512 px would be 512x2, which no network can read."""
    height, width = image.shape[:2]
    if max(height, width) <= max_side:
        return image
    scale = max_side / max(height, width)
    return resize(image, scaled_size((height, width), scale, f"capped at {max_side} px"))


def readable_side(shape, side: int) -> int:
    """The smallest long side, at least `side`, at which the short side keeps MIN_SIDE px: for
    previews and other internal shrinks of a thin (but valid) image, which must not refuse it."""
    return max(side, -(-MIN_SIDE * max(shape[:2]) // min(shape[:2])))


def scaled_size(shape, scale: float, how: str) -> tuple[int, int]:
    """(height, width) scaled and rounded, refused when a side would fall under MIN_SIDE.
    Every resize that shrinks a photo goes through this check, so a thin strip gets a clear
    message instead of a network's shape error."""
    height, width = (max(1, round(side * scale)) for side in shape[:2])
    if min(height, width) < MIN_SIDE:
        raise ImageError(f"the image is {shape[1]}x{shape[0]}; {how} it would be {width}x{height}, but both sides "
                         f"need at least {MIN_SIDE} px: crop it to a less elongated shape")
    return height, width


def resize(image: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Resize a float RGB image to (height, width) with Pillow's Lanczos, channel by channel."""
    height, width = size
    channels = [Image.fromarray(np.ascontiguousarray(image[..., c], dtype=np.float32)).resize(
        (width, height), Image.Resampling.LANCZOS) for c in range(image.shape[2])]
    return np.clip(np.stack([np.asarray(c) for c in channels], axis=-1), 0.0, 1.0).astype(np.float32)


def to_uint8(image: np.ndarray) -> np.ndarray:
    return (np.clip(image, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)


def check_output(path) -> Path:
    """Refuse an output path we would not write: an extension we cannot encode, or something that
    is not a regular file (a device such as /dev/null, a folder, a symlink: renaming over it would
    replace it). Returns the path; raises ImageError."""
    path = Path(path)
    if path.is_symlink() or (path.exists() and not path.is_file()):
        kind = "a symbolic link" if path.is_symlink() else "not a regular file"
        raise ImageError(f"refusing to write {path}: it is {kind}; give the path of a new or regular file")
    if path.suffix.lower() not in SAVE_FORMATS:
        raise ImageError(f"cannot write {path.name!r}: the extension must be one of {', '.join(SAVE_FORMATS)} "
                         f"(PNG, or JPEG at quality {JPEG_QUALITY})")
    return path


def check_writable(path) -> Path:
    """check_output, then prove the folder takes a file (create and remove a temporary one), so a
    command can fail before its work rather than after it. os.access would say yes to root on a
    read-only file system. Raises ImageError or OSError."""
    path = check_output(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(handle)
    os.unlink(temp)
    return path


def save_image(image: np.ndarray, path, quality: int = JPEG_QUALITY) -> Path:
    """Write an image in the format its extension names (.png, or .jpg/.jpeg at `quality`),
    atomically (files.atomic_write): a reader never sees a half-written file. Only regular files
    are written: check_output refuses devices, folders and symlinks."""
    path = check_output(path)
    fmt = SAVE_FORMATS[path.suffix.lower()]
    options = {"quality": quality} if fmt == "JPEG" else {}
    return atomic_write(path, lambda temp: Image.fromarray(to_uint8(image)).save(temp, format=fmt, **options))


save_png = save_image  # the older name, kept for its callers: the extension picks the format


def contact_sheet(rows: list[list[np.ndarray]], height: int = 180, gap: int = 4) -> np.ndarray:
    """Images in rows, each scaled to `height`, rows padded with white to the widest."""
    strips = [np.concatenate([resize(image, (height, round(image.shape[1] * height / image.shape[0])))
                              for image in row], axis=1) for row in rows]
    width = max(strip.shape[1] for strip in strips)
    return np.concatenate([np.pad(strip, ((0, gap), (0, width - strip.shape[1]), (0, 0)), constant_values=1.0)
                           for strip in strips])
