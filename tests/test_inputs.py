"""What the methods accept, whoever calls them: every parameter within its declared bounds, the
output size within MAX_SIDE, both image sides at least 16 px after every resize, and image files
with unusual pixel formats read at their real range. Real networks on small images."""
import io

import numpy as np
import pytest
from PIL import Image

from methods import REGISTRY, MethodError, get
from methods.__main__ import main as cli
from methods.core.images import MAX_SIDE, ImageError, load_image, save_image
from tests.conftest import SHARED_STYLES, one_error_line


def test_every_parameter_and_the_output_size_are_bounded_for_any_caller(photo, starry):
    for name, cls in REGISTRY.items():
        method = get(name)
        for param in cls.params:
            if param.kind in ("int", "float"):
                for bad in (param.low - 1, param.high + 1, float("nan"), "lots"):
                    with pytest.raises(MethodError, match=param.name):
                        method.resolve_params({param.name: bad})
            if param.kind == "int":  # steps=2.7 is refused, not truncated
                with pytest.raises(MethodError, match="whole number"):
                    method.resolve_params({param.name: param.default + 0.7})
                with pytest.raises(MethodError, match="whole number"):
                    method.resolve_params({param.name: True})
                assert method.resolve_params({param.name: f"{param.default}.0"})[param.name] == param.default
            if param.kind == "bool":
                for junk in ("maybe", 2, 0.5, None, [1]):
                    with pytest.raises(MethodError, match=param.name):
                        method.resolve_params({param.name: junk})
                assert method.resolve_params({param.name: "no"})[param.name] is False
    # the output-size bound holds whoever calls: an API call that skips the page's checks too
    for name in REGISTRY:
        for content, style in ((np.zeros((MAX_SIDE + 1, 64, 3), np.float32), starry),
                               (photo, np.zeros((40, 6000, 3), np.float32)), (photo[:10], starry)):
            with pytest.raises(MethodError, match=f"{MAX_SIDE} px"):
                get(name).stylize(content, style)


def test_both_sides_keep_at_least_16_px_after_every_resize(starry, capsys, tmp_path):
    strip = np.random.default_rng(0).uniform(0, 1, (16, 4000, 3)).astype(np.float32)
    with pytest.raises(ImageError, match="512x2"):
        load_image(strip, 512)  # a 4000x16 photo capped to 512 px
    save_image(strip, tmp_path / "strip.png")
    assert cli(["--method", "cyclegan", "--content", str(tmp_path / "strip.png"),
                "--style", str(SHARED_STYLES / "great_wave.jpg"), "--out", str(tmp_path / "o.png")]) == 2
    assert "both sides need at least 16 px" in one_error_line(capsys)
    thin = strip[:, :1000]  # 1000x16: a method may take it, not shrink it to nothing
    with pytest.raises(ImageError, match="256x4"):
        get("gatys").stylize(thin, starry, size=256, steps=1, levels=1)
    with pytest.raises(ImageError, match="512x8"):  # a project generator works at 512 px
        get("cyclegan").stylize(thin, starry, checkpoint="starry_night")
    result = get("cyclegan").stylize(thin, starry, checkpoint="vintage")  # full size: it fits, in tiles
    assert result.image.shape == thin.shape


@pytest.mark.parametrize("mode, values", [
    ("F", np.linspace(0.0, 1000.0, 64 * 64, dtype=np.float32)),  # HDR/scientific floats
    ("I", np.linspace(-70000, 900000, 64 * 64).astype(np.int32)),  # beyond 16 bits, negative too
])
def test_32_bit_tiffs_keep_their_real_range(mode, values):
    buffer = io.BytesIO()
    Image.fromarray(values.reshape(64, 64)).save(buffer, "TIFF")
    assert Image.open(buffer).mode == mode
    gray = load_image(buffer.getvalue(), None)[..., 0].ravel()
    assert gray.min() == 0 and gray.max() == pytest.approx(1.0)
    assert (np.diff(gray) >= 0).all() and len(np.unique(gray)) > 2000  # a ramp, not clipped to white
