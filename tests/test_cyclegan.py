from pathlib import Path

import numpy as np
import pytest

from methods import cyclegan, get
from methods.images import load_image
from tests.conftest import SHARED_STYLES
from tests.conftest import painting as painting_image

FIXTURE = Path(__file__).parent / "fixtures" / "cyclegan_vintage_reference.npz"


def test_converted_vintage_reproduces_pytorch_reference():
    reference = np.load(FIXTURE)
    generator, source = cyclegan.load_generator("vintage")
    output = cyclegan.translate(generator, reference["input"])
    assert np.abs(output - reference["output"]).max() < 1e-4


def test_official_layout_in_legacy_format_reproduces_pytorch(tmp_path):
    """The junyanz checkpoints (non-affine norms, pre-1.6 torch.save) cannot be downloaded here;
    a small generator of their layout, saved by torch the same way, stands in for them."""
    from methods.torch_state import load_state_dict

    reference = np.load(Path(__file__).parent / "fixtures" / "cyclegan_junyanz_reference.npz")
    path = tmp_path / "latest_net_G.pth"
    path.write_bytes(reference["state"].tobytes())
    generator = cyclegan.generator_from_state_dict(load_state_dict(path))
    assert (generator.ngf, generator.n_blocks) == (4, 2)
    output = cyclegan.translate(generator, reference["input"])
    assert np.abs(output - reference["output"]).max() < 1e-4


def test_training_writes_a_checkpoint_and_resumes(tmp_path):
    import json

    from methods import cyclegan_train

    common = ["--domain-a", "skimage:camera", "--domain-b", "skimage:coffee", "--out", str(tmp_path / "run"),
              "--crop", "32", "--ngf", "8", "--n-blocks", "2", "--ndf", "8", "--no-progress",
              "--checkpoint-every", "2", "--sample-every", "2"]
    assert cyclegan_train.main([*common, "--steps", "2"]) == 0
    state = json.loads((tmp_path / "run" / "checkpoint" / "state.json").read_text())
    assert state["step"] == 2
    with np.load(tmp_path / "run" / "checkpoint" / "history.npz") as history:  # the buffers resume too
        assert history["a"].shape == (2, 32, 32, 3) and history["b"].shape == (2, 32, 32, 3)
    assert cyclegan_train.main([*common, "--steps", "3", "--export", str(tmp_path / "g.weights.h5")]) == 0
    assert json.loads((tmp_path / "run" / "checkpoint" / "state.json").read_text())["step"] == 3
    assert (tmp_path / "g.weights.h5").is_file() and (tmp_path / "run" / "samples" / "step_000002.png").is_file()


@pytest.mark.parametrize("checkpoint", ["vintage", *cyclegan.PROJECT_MODELS])
def test_each_checkpoint_turns_a_photo_into_something_else(checkpoint, photo, starry):
    result = get("cyclegan").stylize(photo, starry, checkpoint=checkpoint)
    assert result.image.shape == photo.shape and 0 <= result.image.min() and result.image.max() <= 1
    assert np.abs(result.image - photo).mean() > 0.02
    assert result.info["checkpoint"] == checkpoint
    source = "project" if checkpoint in cyclegan.PROJECT_MODELS else "package"
    assert f"from {source}" in result.info["weights_source"]


@pytest.mark.parametrize("painting", list(cyclegan.PROJECT_MODELS))
def test_auto_uses_the_project_model_of_its_painting_and_moves_toward_it(painting):
    from skimage import data

    from eval import metrics

    photo = load_image(data.coffee(), 256)  # held out of the training photos
    style = painting_image(f"{painting}.jpg", 256)
    result = get("cyclegan").stylize(photo, style)
    assert result.info["checkpoint"] == painting and result.info["style_used"] is True
    assert metrics.score(result.image, photo, style)["style_loss_ratio"] < 0.7


def test_auto_says_it_ignored_a_style_it_has_no_model_for(photo):
    result = get("cyclegan").stylize(photo, painting_image("shipwreck.jpg", 256))
    assert result.info["checkpoint"] == "vintage" and result.info["style_used"] is False
    assert "ignored your style image" in result.info["note"]


def test_project_model_paints_a_small_photo_at_its_training_scale():
    from eval import metrics

    starry = painting_image("starry_night.jpg", 256)
    photo = load_image(SHARED_STYLES.parent / "contents" / "kodim05.png", 256)
    result = get("cyclegan").stylize(photo, starry, checkpoint="starry_night")
    assert result.image.shape == photo.shape and result.info["translated_at"].startswith("512 px")
    at_photo_size = cyclegan.translate(cyclegan.load_generator("starry_night")[0], photo)
    scaled, direct = metrics.score(result.image, photo, starry), metrics.score(at_photo_size, photo, starry)
    assert scaled["style_loss_ratio"] < 0.8 * direct["style_loss_ratio"]  # strokes the painting's size
    assert scaled["ssim"] > direct["ssim"]
