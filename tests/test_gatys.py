import numpy as np
import pytest
import tensorflow as tf

from methods import get
from methods.core import losses
from methods.core.backbones import fast_dtype, feature_extractor
from methods.gatys import CONTENT_LAYERS, STYLE_LAYERS

FAST = {"size": 96, "steps": 15, "levels": 1}


def judge_losses(image, photo, starry):
    """The Gatys objective's own content and style terms, on VGG16-HED."""
    extract = feature_extractor("vgg16_hed", CONTENT_LAYERS + STYLE_LAYERS)
    features = extract(image[None])
    content_targets = {k: v for k, v in extract(photo[None]).items() if k in CONTENT_LAYERS}
    grams = {k: losses.gram(v) for k, v in extract(starry[None]).items() if k in STYLE_LAYERS}
    return float(losses.content_loss(features, content_targets)[0]), float(losses.style_loss(features, grams)[0])


@pytest.fixture(scope="module")
def result(photo, starry):
    return get("gatys").stylize(photo, starry, **FAST)


def test_style_loss_falls_and_content_stays_bounded(result, photo, starry):
    _, style_before = judge_losses(photo, photo, starry)
    content_after, style_after = judge_losses(result.image, photo, starry)
    assert style_after < 0.5 * style_before
    assert content_after < 1.0  # relative error: the photo's layout is still there
    assert result.info["losses"]["style"] < 0.5 * style_before


def test_output_is_a_changed_image_of_the_right_shape(result, photo):
    assert result.image.shape == photo.shape and result.image.dtype == np.float32
    assert 0.0 <= result.image.min() and result.image.max() <= 1.0
    assert np.abs(result.image - photo).mean() > 0.02
    assert result.info["backbone"] == "vgg16_hed" and result.info["weights_source"] == "package"
    assert result.info["precision"] == fast_dtype()  # bfloat16 only where the CPU has bfloat16 units
    assert result.seconds > 0 and result.load_seconds >= 0


def test_same_seed_gives_the_same_image(photo, starry):
    gatys = get("gatys")
    first = gatys.stylize(photo, starry, init="noise", seed=3, **FAST)
    second = gatys.stylize(photo, starry, init="noise", seed=3, **FAST)
    other = gatys.stylize(photo, starry, init="noise", seed=4, **FAST)
    np.testing.assert_array_equal(first.image, second.image)
    assert np.abs(first.image - other.image).mean() > 1e-3


def test_pyramid_adam_and_progress(photo, starry):
    seen = []
    result = get("gatys").stylize(photo, starry, size=96, steps=10, levels=2,
                                  on_progress=lambda f, m, p: seen.append((f, m, p)))
    assert [level["size"] for level in result.info["levels"]] == ["48x48", "96x96"]
    assert result.info["steps"] == 10 + 20  # the coarser level takes twice the steps by default
    assert seen and all(0 <= f <= 1 for f, _, _ in seen) and seen[-1][0] == pytest.approx(1.0)
    assert all(p is not None and p.ndim == 3 for _, _, p in seen)
    adam = get("gatys").stylize(photo, starry, optimizer="adam", **FAST)
    _, style_before = judge_losses(photo, photo, starry)
    assert adam.info["losses"]["style"] < style_before


def test_bfloat16_vgg_gives_the_float32_objective_within_a_few_percent(photo, starry):
    """The mixed-precision extractor (what `precision` auto runs on a CPU with bfloat16 units) computes
    the same loss and gradient direction as float32, so L-BFGS follows the same path."""
    from methods.core.images import resize
    from methods.gatys import GatysObjective

    gatys = get("gatys")
    params = gatys.resolve_params({"size": 96})
    image = tf.constant(np.clip(photo + 0.1 * (resize(starry, photo.shape[:2]) - 0.5), 0, 1)[None])
    values = {}
    for dtype in ("float32", "mixed_bfloat16"):
        extractor = feature_extractor("vgg16_hed", CONTENT_LAYERS + STYLE_LAYERS, dtype)
        objective = GatysObjective(extractor, params)
        content = {k: v for k, v in extractor(photo[None]).items() if k in CONTENT_LAYERS}
        grams = gatys._style_grams(extractor, starry, 128)
        with tf.GradientTape() as tape:
            tape.watch(image)
            total, _ = objective.losses(image, content, grams)
        values[dtype] = (float(total), tape.gradient(total, image).numpy().ravel())
    (exact, exact_grad), (fast, fast_grad) = values["float32"], values["mixed_bfloat16"]
    assert abs(fast - exact) < 0.03 * exact
    assert np.dot(exact_grad, fast_grad) / (np.linalg.norm(exact_grad) * np.linalg.norm(fast_grad)) > 0.95


def test_gram_and_losses_are_what_they_claim():
    features = tf.random.stateless_normal((1, 5, 7, 4), seed=(1, 2))
    flat = tf.reshape(features, (35, 4))
    np.testing.assert_allclose(losses.gram(features)[0], tf.transpose(flat) @ flat / 35, rtol=1e-5)
    fast = losses.gram(features, "bfloat16")  # bfloat16 products, a float32 Gram within bfloat16's precision
    assert fast.dtype == tf.float32 and not np.array_equal(fast, losses.gram(features))
    np.testing.assert_allclose(fast[0], tf.transpose(flat) @ flat / 35, rtol=0.03, atol=0.03)
    total, parts = losses.style_loss({"a": features}, {"a": losses.gram(features)})
    assert float(total) == 0 and set(parts) == {"style_a"}
    assert float(losses.tv_loss(tf.ones((1, 8, 8, 3)))) == 0


def test_structure_loss_sees_the_layout_not_the_feature_statistics(photo, starry):
    from methods.core.images import resize

    extract = feature_extractor("vgg16_hed", ("block1_conv1", "block2_conv1", "block3_conv1"))
    ours = extract(photo[None])
    total, parts = losses.structure_loss({name: 3.0 * value + 1.0 for name, value in ours.items()}, ours)
    assert float(total) < 1e-3 and set(parts) == {f"structure_{name}" for name in ours}
    # the photo darkened and tinted keeps its layout; the painting at the photo's size has another
    tinted = float(losses.structure_loss(extract((photo * np.float32([0.5, 0.8, 1.0]) + 0.1)[None]), ours)[0])
    painting = float(losses.structure_loss(extract(resize(starry, photo.shape[:2])[None]), ours)[0])
    assert tinted < 0.3 * painting, (tinted, painting)


def test_small_images_skip_pyramid_levels_vgg_cannot_pool(photo, starry):
    result = get("gatys").stylize(photo, starry, size=96, steps=3, levels=3, coarse_factor=1.5)
    assert [level["size"] for level in result.info["levels"]] == ["48x48", "96x96"]
    assert result.info["steps"] == 3 + 4  # 1.5 x 3 steps at the coarser level, rounded
    thin = get("gatys").stylize(photo[:20], starry, size=96, steps=3, levels=3)
    assert thin.image.shape == (20, 96, 3)
