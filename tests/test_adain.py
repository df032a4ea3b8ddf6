"""AdaIN proper (methods/adain, methods.core.ops.adain): the formula, the committed decoder, the method's knobs."""
import numpy as np
import pytest
from skimage import data

from eval import metrics
from methods import get
from methods.adain.method import (
    PAINTINGS,
    PRECISIONS,
    load_int8_networks,
    load_networks,
    measured_sentence,
    onnx_network,
    stylise,
)
from methods.core import weights
from methods.core.backbones import int8_exact_cpu
from methods.core.images import load_image
from methods.core.ops import EPSILON, adain


@pytest.fixture(scope="module")
def method():
    return get("adain")


@pytest.fixture(scope="module", params=PRECISIONS)
def networks(request):
    return load_int8_networks() if request.param == "int8" else load_networks()


def test_adain_layer_matches_the_papers_formula():
    rng = np.random.default_rng(0)
    content = rng.normal(2.0, 3.0, (2, 5, 7, 4)).astype(np.float32)
    style = rng.normal(-1.0, 0.5, (2, 6, 3, 4)).astype(np.float32) * np.arange(1, 5, dtype=np.float32)
    mu = lambda x: x.mean((1, 2), keepdims=True)  # noqa: E731
    sigma = lambda x: np.sqrt(x.var((1, 2), keepdims=True) + EPSILON)  # noqa: E731
    expected = sigma(style) * (content - mu(content)) / sigma(content) + mu(style)
    out = np.asarray(adain(content, style))
    np.testing.assert_allclose(out, expected, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(out.mean((1, 2)), style.mean((1, 2)), atol=1e-4)  # the style's statistics
    np.testing.assert_allclose(out.std((1, 2)), style.std((1, 2)), rtol=1e-3)
    import keras  # tensors (training) take keras.ops, arrays (inference) NumPy: the same formula

    tensors = adain(keras.ops.convert_to_tensor(content), keras.ops.convert_to_tensor(style))
    assert not isinstance(tensors, np.ndarray)
    np.testing.assert_allclose(np.asarray(tensors), expected, rtol=1e-4, atol=1e-4)


def test_decoder_inverts_the_encoder_on_a_held_out_photo(networks):
    photo = load_image(data.astronaut(), 128)  # an eval photo: never in the decoder's training
    other = load_image(data.chelsea(), 192)[:128, :128]
    features = networks.encode(photo[None])
    decoded = np.clip(networks.decode(features), 0, 1)[0]
    error = np.mean((networks.encode(decoded[None]) - features) ** 2)
    chance = np.mean((networks.encode(other[None]) - features) ** 2)  # another photo's features in its place
    assert error < 0.6 * chance  # measured: 0.27 of chance, in float and int8 alike


def test_int8_networks_compute_what_the_float_ones_do(starry):
    # also fails when the decoder is retrained and not re-exported (python -m methods.adain.export)
    int8, float_ = load_int8_networks(), load_networks()
    photo = load_image(data.astronaut(), 128)
    features = float_.encode(photo[None])
    encoder_error = np.abs(onnx_network("adain_encoder_int8")(photo[None]) - features).mean()
    if int8_exact_cpu():
        assert encoder_error < 0.08 * np.abs(features).mean()  # measured 0.028
        assert "float encoder" not in int8.precision
    else:  # AVX2 without VNNI: the int8 encoder saturates, so the float one stands in
        assert encoder_error > 0.08 * np.abs(features).mean()  # measured 0.197
        assert np.array_equal(int8.encode(photo[None]), features)
    decoded = [np.clip(n.decode(features), 0, 1) for n in (int8, float_)]
    assert np.abs(decoded[0] - decoded[1]).mean() < 0.02  # measured 0.008
    stylised = [stylise(n, photo, starry) for n in (int8, float_)]
    assert np.abs(stylised[0] - stylised[1]).mean() < 0.03  # measured 0.014


def test_a_paintings_statistics_are_computed_once(starry):
    networks, encoded = load_int8_networks(), []
    counting = networks._replace(encode=lambda x: encoded.append(x.shape) or networks.encode(x))
    photo, other = load_image(data.astronaut(), 64), load_image(data.chelsea(), 64)
    PAINTINGS.clear()
    first = stylise(counting, photo, starry)
    again = stylise(counting, photo, starry)
    stylise(counting, other, starry)
    assert len(encoded) == 4  # the painting once, then the photo three times
    np.testing.assert_array_equal(first, again)
    stylise(counting, photo, starry[::-1])  # another painting is encoded
    assert len(encoded) == 6


def test_alpha_zero_moves_back_toward_the_photo(method, photo, starry):
    # A near-reconstruction at alpha 0 is the target; the committed decoder does not give one
    # (here SSIM 0.14, mean error 0.25: it learned to decode painted features, not the photo's). This
    # checks what holds: alpha 0 keeps more structure than alpha 1 and less error (measured in int8: SSIM
    # 0.143 against 0.110, error 0.255 against 0.272; its structure term keeps more at alpha 1 too).
    zero = method.stylize(photo, starry, strength=0.0).image
    full = method.stylize(photo, starry).image
    assert zero.shape == photo.shape and zero.dtype == np.float32
    assert metrics.ssim(zero, photo) > 1.15 * metrics.ssim(full, photo)
    assert np.abs(zero - photo).mean() < 0.98 * np.abs(full - photo).mean()


def test_output_moves_toward_the_painting(method, photo, starry):
    half = method.stylize(photo, starry, strength=0.5).image
    full = method.stylize(photo, starry).image
    assert 0 <= full.min() and full.max() <= 1
    judge = metrics.default_judge(128)
    losses = [metrics.style_loss(image, starry, judge) for image in (photo, half, full)]
    assert losses[2] < losses[1] < losses[0]
    scores = metrics.score(full, photo, starry, judge)
    assert scores["texture_ratio"] < 0.9 and scores["style_gain"] > 0.1


def test_preserve_colour_keeps_the_photos_chroma(method, photo, starry):
    from skimage.color import rgb2yuv

    kept = method.stylize(photo, starry, preserve_color=True).image
    plain = method.stylize(photo, starry).image
    chroma = lambda img: rgb2yuv(img)[..., 1:]  # noqa: E731
    distance = lambda a, b: float(np.abs(a - b).mean())  # noqa: E731
    assert distance(chroma(kept), chroma(photo)) < 0.5 * distance(chroma(plain), chroma(photo))


def test_any_content_size_runs_and_the_decoder_is_the_verified_project_file(method, starry):
    for shape in ((17, 40, 3), (203, 64, 3)):
        image = np.random.default_rng(0).random(shape, dtype=np.float32)
        result = method.stylize(image, starry, style_size=128)
        assert result.image.shape == shape
    assert result.info["weights_source"].startswith("adain_decoder_int8 from project")
    assert result.info["precision"].startswith("int8")
    assert ("float encoder" in result.info["precision"]) == (not int8_exact_cpu())  # why: test_int8_networks_...
    assert "unverified" not in result.info["weights_source"]
    # the page says what the card measured (benchmarks/adain_quality.py --card), weak or not
    assert result.info["note"] == measured_sentence(weights.model_card("adain_decoder"))
    assert "beat a plain colour transfer on all three style scores on" in result.info["note"]


def test_float_precision_runs_the_tensorflow_networks(method, photo, starry):
    result = method.stylize(photo, starry, precision="float", style_size=128)
    assert result.info["weights_source"].startswith("adain_decoder from project")
    assert result.info["precision"] in ("bfloat16", "float32") and "note" in result.info


def test_the_measured_note_calls_a_decoder_below_either_target_weak():
    assert "A weak decoder" not in measured_sentence({"eval_wins": "40/48", "eval_ssim": "0.40"})
    assert "A weak decoder" in measured_sentence({"eval_wins": "40/48", "eval_ssim": "0.20"})
    assert "A weak decoder" in measured_sentence({"eval_wins": "31/48", "eval_ssim": "0.40"})
    assert measured_sentence({}) == ""
