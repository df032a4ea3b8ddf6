"""eval.metrics on real photos and paintings with the real judge (VGG16-HED) and Magenta."""
from __future__ import annotations

import numpy as np
import pytest
from skimage import data, filters

from eval import metrics, protocol
from methods import gatys, get
from methods.core import manifest as imageset
from methods.core.images import load_image, resize
from methods.reference import colour_transfer


@pytest.fixture(scope="module")
def photo():
    return load_image(data.chelsea(), 128)


@pytest.fixture(scope="module")
def painting():
    return imageset.load(imageset.MANIFEST["starry_night"], 256)


def blur(image, sigma):
    return filters.gaussian(image, sigma=sigma, channel_axis=-1).astype(np.float32)


def test_an_image_against_itself_has_zero_content_loss_and_ssim_one(photo):
    assert metrics.content_loss(photo, photo) == pytest.approx(0.0, abs=1e-6)
    assert metrics.ssim(photo, photo) == pytest.approx(1.0, abs=1e-6)


def test_a_style_against_itself_has_zero_style_loss_and_similarity_one(painting):
    assert metrics.style_loss(painting, painting) == pytest.approx(0.0, abs=1e-6)
    assert metrics.style_similarity(painting, painting) == pytest.approx(1.0, abs=1e-6)


def test_the_content_image_scores_ratio_one_and_the_painting_content_ratio_one(photo, painting):
    own = metrics.score(photo, photo, painting)
    assert set(own) == set(metrics.SCORE_KEYS)
    assert own["style_loss_ratio"] == pytest.approx(1.0, abs=1e-6)
    assert own["content_loss_ratio"] == pytest.approx(0.0, abs=1e-6)
    assert own["ssim"] == pytest.approx(1.0, abs=1e-6)
    # the reference of the content ratio: the painting in the photo's place scores 1
    assert metrics.score(painting, photo, painting)["content_loss_ratio"] == pytest.approx(1.0, abs=1e-4)


def test_more_blur_moves_content_loss_up_and_ssim_down(photo, painting):
    light, heavy = (metrics.score(blur(photo, s), photo, painting) for s in (1.0, 3.0))
    assert 0.0 < light["content_loss"] < heavy["content_loss"]
    assert 1.0 > light["ssim"] > heavy["ssim"]


def test_a_stylised_image_moves_towards_the_style(photo, painting):
    stylised = get("magenta").stylize(photo, painting).image
    own, styled = metrics.score(photo, photo, painting), metrics.score(stylised, photo, painting)
    assert styled["style_loss_ratio"] < 0.9 * own["style_loss_ratio"]
    assert styled["style_similarity"] > own["style_similarity"]
    assert 0.0 < styled["content_loss_ratio"] < 1.0
    assert styled["ssim"] < own["ssim"]


def test_an_output_of_another_size_is_judged_at_the_contents_size(photo, painting):
    bigger = resize(photo, (photo.shape[0] * 2, photo.shape[1] * 2))
    scores = metrics.score(bigger, photo, painting, parts=True)
    assert scores["ssim"] > 0.9 and scores["content_loss_ratio"] < 0.05
    assert {"content_block4_conv3", "style_block1_conv2", "style_block5_conv3"} <= set(scores)


def test_the_judge_is_fixed_named_cached_and_not_gatys_own_objective():
    judge = metrics.default_judge()
    assert judge is metrics.default_judge()
    assert "VGG16-HED" in judge.name and judge.content_layer in judge.name
    assert set(judge.style_layers).isdisjoint(gatys.STYLE_LAYERS)
    assert judge.content_layer not in gatys.CONTENT_LAYERS


# -- calibrated style scores: what the photo, a recolouring and the painting score ---------------
def test_the_photo_scores_zero_gain_and_a_recolouring_keeps_texture_ratio_one(photo, painting):
    own = metrics.score(photo, photo, painting)
    assert own["texture_ratio"] == pytest.approx(1.0, abs=1e-6) and own["style_gain"] == pytest.approx(0.0, abs=1e-6)
    recoloured = metrics.score(colour_transfer(photo, painting), photo, painting)
    assert 0.95 <= recoloured["texture_ratio"] <= 1.05  # colour taken out: nothing else changed
    assert recoloured["style_loss_ratio"] < 1.0  # the plain Gram ratio rewards the colour alone
    assert 0.0 < recoloured["style_gain"] < 0.5


def test_the_painting_itself_scores_gain_one_and_texture_near_zero(painting):
    # at the judge size the painting is not shrunk; only its aspect is bent to the photo's
    photo = load_image(data.chelsea(), metrics.JUDGE_SIDE)
    itself = metrics.score(painting, photo, painting)
    assert itself["style_gain"] > 0.85 and itself["texture_ratio"] < 0.2 and itself["style_loss_ratio"] < 0.2


def test_a_blur_does_not_pass_as_a_stylisation(photo, painting):
    reference = metrics.score(colour_transfer(photo, painting), photo, painting)
    for sigma in (1.0, 2.0, 4.0):
        missed = protocol.missed(metrics.score(blur(photo, sigma), photo, painting), reference)
        assert missed, sigma


def test_gatys_beats_the_colour_transfer_on_all_three_style_scores(photo, painting):
    content = load_image(data.coffee(), 128)
    stylised = get("gatys").stylize(content, painting, size=128, steps=40, levels=2).image
    pair = protocol.against_baseline(stylised, content, painting)
    assert pair.won(), pair.missed()


def test_every_calibrated_score_is_documented_with_a_direction():
    assert set(metrics.STYLE_SCORES) | set(metrics.CONTENT_SCORES) <= set(metrics.DIRECTIONS) <= set(metrics.SCORE_KEYS)
    assert set(metrics.SCORE_DOCS) == set(metrics.DIRECTIONS)
    for name in metrics.STYLE_SCORES:
        assert "photo" in metrics.SCORE_DOCS[name] and "painting" in metrics.SCORE_DOCS[name]
