import io
import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from methods.core.images import ImageError, load_image, save_png, to_uint8


def encode(image: Image.Image, fmt="PNG", **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def gradient(width=40, height=30) -> np.ndarray:
    y, x = np.mgrid[0:height, 0:width]
    return np.stack([x / (width - 1), y / (height - 1), np.full((height, width), 0.25)], -1).astype(np.float32)


def test_sources_all_give_the_same_rgb_float(tmp_path):
    rgb = to_uint8(gradient())
    pil = Image.fromarray(rgb)
    path = tmp_path / "g.png"
    pil.save(path)
    expected = rgb.astype(np.float32) / 255
    for source in (path, str(path), path.read_bytes(), pil, rgb, expected):
        image = load_image(source, None)
        assert image.dtype == np.float32 and image.shape == (30, 40, 3)
        np.testing.assert_allclose(image, expected, atol=1e-6)


def test_exif_orientation_is_applied():
    pil = Image.fromarray(to_uint8(gradient(40, 30)))
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise to display
    image = load_image(encode(pil, "JPEG", exif=exif.tobytes()), None)
    assert image.shape == (40, 30, 3)


@pytest.mark.parametrize("mode", ["L", "P", "CMYK", "1"])
def test_modes_convert_to_rgb(mode):
    pil = Image.fromarray(to_uint8(gradient())).convert(mode)
    image = load_image(encode(pil, "TIFF" if mode == "CMYK" else "PNG"), None)
    assert image.shape == (30, 40, 3) and 0 <= image.min() and image.max() <= 1
    if mode in ("L", "1"):
        np.testing.assert_array_equal(image[..., 0], image[..., 2])  # gray stays gray


def test_rgba_is_composited_on_white():
    rgba = np.zeros((20, 20, 4), np.uint8)
    rgba[..., 0] = 255
    rgba[:, :10, 3] = 255  # left half opaque red, right half fully transparent
    image = load_image(encode(Image.fromarray(rgba, "RGBA")), None)
    np.testing.assert_allclose(image[0, 0], [1, 0, 0])
    np.testing.assert_allclose(image[0, 15], [1, 1, 1])


def test_sixteen_bit_keeps_its_range():
    gray = (np.linspace(0, 65535, 32 * 32).reshape(32, 32)).astype(np.uint16)
    image = load_image(encode(Image.fromarray(gray)), None)
    assert image.shape == (32, 32, 3)
    assert image.min() == 0 and image.max() == pytest.approx(1.0)
    assert len(np.unique(image[..., 0])) > 256  # finer than 8 bits
    np.testing.assert_allclose(load_image(gray, None), image, atol=1e-6)


def test_long_side_is_capped_with_antialiasing():
    stripes = np.zeros((100, 400), np.float32)
    stripes[:, ::2] = 1.0  # one-pixel stripes alias badly without a low-pass filter
    image = load_image(stripes, 100)
    assert image.shape == (25, 100, 3)
    assert abs(image.mean() - 0.5) < 0.02 and image.std() < 0.05


@pytest.mark.parametrize("data, message", [
    (b"this is not an image at all", "not an image"),
    (encode(Image.new("RGB", (10, 40))), "at least 16"),
    (encode(Image.new("RGB", (1, 1))), "at least 16"),
])
def test_bad_bytes_are_refused(data, message):
    with pytest.raises(ImageError, match=message):
        load_image(data)


def test_truncated_file_is_refused():
    data = encode(Image.fromarray(to_uint8(np.random.default_rng(0).random((64, 64, 3)))), "JPEG")
    with pytest.raises(ImageError, match="truncated|damaged|cannot read"):
        load_image(data[: len(data) // 2])


def test_decompression_bomb_is_refused():
    # A valid PNG header claiming 30000 x 30000 pixels: refused before any bitmap is allocated.
    def chunk(kind, payload):
        return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))
    header = chunk(b"IHDR", struct.pack(">IIBBBBB", 30000, 30000, 8, 2, 0, 0, 0))
    data = b"\x89PNG\r\n\x1a\n" + header + chunk(b"IDAT", zlib.compress(b"\0" * 100)) + chunk(b"IEND", b"")
    with pytest.raises(ImageError, match="too large"):
        load_image(data)


def test_missing_file_and_bad_arrays_are_refused(tmp_path):
    with pytest.raises(ImageError, match="no such file"):
        load_image(tmp_path / "nope.png")
    with pytest.raises(ImageError, match=r"\[0, 1\]"):
        load_image(np.full((20, 20, 3), 2.0, np.float32))
    with pytest.raises(ImageError, match="NaN"):
        load_image(np.full((20, 20, 3), np.nan, np.float32))
    with pytest.raises(ImageError, match="shape"):
        load_image(np.zeros((20, 20, 5), np.float32))


def test_save_png_is_atomic_and_round_trips(tmp_path):
    image = gradient()
    path = save_png(image, tmp_path / "sub" / "out.png")
    assert [p.name for p in path.parent.iterdir()] == ["out.png"]  # no temp file left behind
    np.testing.assert_allclose(load_image(path, None), image, atol=1 / 255)


def test_contact_sheet_scales_rows_and_pads_with_white():
    from methods.core.images import contact_sheet

    sheet = contact_sheet([[np.zeros((50, 80, 3), np.float32), np.zeros((30, 30, 3), np.float32)],
                           [np.zeros((10, 40, 3), np.float32)]], height=20, gap=4)
    assert sheet.shape == (48, 80, 3)
    assert sheet[0, 60:].min() == 1.0 and sheet[0, :52].max() == 0.0  # row 1 is 32 + 20 px wide
