"""eval.metrics on real photos and paintings with the real judge (VGG16-HED) and Magenta."""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from skimage import data, filters

from eval import metrics
from methods import gatys, get
from methods.images import load_image, resize

IMAGES = Path(os.environ.get("STYLEBENCH_IMAGES", Path(__file__).resolve().parents[2] / "shared" / "imageset"))


@pytest.fixture(scope="module")
def photo():
    return load_image(data.chelsea(), 128)


@pytest.fixture(scope="module")
def painting():
    return load_image(IMAGES / "styles" / "starry_night.jpg", 256)


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
    stylised = get("adain").stylize(photo, painting).image
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
