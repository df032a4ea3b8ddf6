import json
from pathlib import Path

import numpy as np
import pytest

from methods import Cancelled, get
from methods.core import weights
from methods.core.images import load_image
from methods.cyclegan import on_demand
from methods.cyclegan import train as cyclegan_train
from methods.cyclegan.checkpoints import load_state_dict
from methods.cyclegan.choice import painting_key
from methods.cyclegan.generator import build_generator, translate
from methods.cyclegan.generator_files import (
    PROJECT_MODELS,
    generator_from_state_dict,
    load_generator,
    read_generator,
    save_generator,
)
from tests.conftest import SHARED_STYLES
from tests.conftest import painting as painting_image

FIXTURE = Path(__file__).parent / "fixtures" / "cyclegan_vintage_reference.npz"


def starry_detail() -> np.ndarray:
    """A detail of The Starry Night: not the painting itself (its fingerprint differs), nearest to it by style."""
    starry = painting_image("starry_night.jpg", 256)
    return np.ascontiguousarray(starry[starry.shape[0] // 4:, starry.shape[1] // 3:])


def test_converted_vintage_reproduces_pytorch_reference():
    reference = np.load(FIXTURE)
    generator, source = load_generator("vintage")
    output = translate(generator, reference["input"])
    assert np.abs(output - reference["output"]).max() < 1e-4


def test_junyanz_layout_in_legacy_format_reproduces_pytorch(tmp_path):
    """The state-dict reader also takes the junyanz layout (non-affine norms, pre-1.6 torch.save).
    Their official generators are not offered (no hash could be pinned); a small generator of that
    layout, saved by torch the same way, stands in."""
    reference = np.load(Path(__file__).parent / "fixtures" / "cyclegan_junyanz_reference.npz")
    path = tmp_path / "latest_net_G.pth"
    path.write_bytes(reference["state"].tobytes())
    generator = generator_from_state_dict(load_state_dict(path))
    assert (generator.ngf, generator.n_blocks) == (4, 2)
    output = translate(generator, reference["input"])
    assert np.abs(output - reference["output"]).max() < 1e-4


@pytest.mark.slow
def test_training_writes_a_checkpoint_and_resumes(tmp_path):
    common = ["--domain-a", "skimage:camera", "--domain-b", "skimage:coffee", "--out", str(tmp_path / "run"),
              "--crop", "32", "--ngf", "8", "--n-blocks", "2", "--ndf", "8", "--no-progress",
              "--checkpoint-every", "2", "--sample-every", "2"]
    assert cyclegan_train.main([*common, "--steps", "2"]) == 0
    state = json.loads((tmp_path / "run" / "checkpoint" / "state.json").read_text())
    assert state["step"] == 2
    with np.load(tmp_path / "run" / "checkpoint" / "history.npz") as history:  # the buffers resume too
        assert history["a"].shape == (2, 32, 32, 3) and history["b"].shape == (2, 32, 32, 3)
    assert cyclegan_train.main([*common, "--steps", "3", "--export", str(tmp_path / "g.npz")]) == 0
    assert json.loads((tmp_path / "run" / "checkpoint" / "state.json").read_text())["step"] == 3
    assert (tmp_path / "run" / "samples" / "step_000002.png").is_file()
    generator = read_generator(tmp_path / "g.npz")
    assert (generator.ngf, generator.n_blocks) == (8, 2) and "coffee" in generator.meta["painting"]
    assert generator.meta["style_embedding"].shape == (100,)
    assert (tmp_path / "g.md").is_file()  # its model card
    # a snapshot chosen on validation photos is exported instead of the last generator, and the card says so
    exported = str(tmp_path / "g2.npz")
    assert cyclegan_train.main([*common, "--steps", "3", "--export-step", "2", "--export", exported]) == 0
    snapshot = build_generator(8, 2, "resize")
    snapshot.load_weights(str(tmp_path / "run" / "snapshots" / "g_ab_step_000002.weights.h5"))
    exported = read_generator(tmp_path / "g2.npz")
    as_stored = [w.astype(np.float16).astype(np.float32) for w in snapshot.get_weights()]  # files keep float16
    assert all(np.array_equal(a, b) for a, b in zip(exported.get_weights(), as_stored))
    assert not all(np.array_equal(a, b) for a, b in zip(generator.get_weights(), as_stored))  # step 3's differs
    assert "exported: the generator of step 2" in (tmp_path / "g2.md").read_text()
    with pytest.raises(SystemExit):  # not a checkpoint step
        cyclegan_train.main([*common, "--steps", "3", "--export-step", "1", "--export", str(tmp_path / "g3.npz")])


@pytest.mark.slow
def test_training_can_start_from_a_project_generator(tmp_path, capsys):
    """--init-generator, checkpoint=train's warm start: training starts at that generator's weights
    (one Adam step at 2e-4 stays far closer to them than a fresh network); another shape: one line, exit 2."""
    scream = weights.resolve("cyclegan_the_scream").path
    common = ["--domain-a", "skimage:camera", "--domain-b", "skimage:coffee", "--crop", "32", "--ndf", "8",
              "--steps", "1", "--no-progress", "--no-snapshots", "--init-generator", str(scream)]
    assert cyclegan_train.main([*common, "--out", str(tmp_path / "run"), "--export", str(tmp_path / "g.npz")]) == 0
    start, tuned = read_generator(scream), read_generator(tmp_path / "g.npz")
    assert 0 < max(np.abs(a - b).max() for a, b in zip(start.get_weights(), tuned.get_weights())) < 0.01
    fresh = build_generator(32, 6, "resize")
    assert max(np.abs(a - b).max() for a, b in zip(start.get_weights(), fresh.get_weights())) > 0.05
    assert cyclegan_train.main([*common, "--ngf", "8", "--out", str(tmp_path / "narrow")]) == 2
    assert "not this run's shape" in capsys.readouterr().err


def test_checkpoint_train_starts_from_the_nearest_project_generator_of_its_shape():
    args = cyclegan_train.parse_args(["--domain-a", "a", "--domain-b", "b", "--out", "run", *on_demand.ON_DEMAND])
    detail = starry_detail()
    path, description = on_demand.nearest_of_shape(detail, args)
    assert path.name == "starry_night.npz" and "The Starry Night, 1889 (style similarity 0." in description
    path, _ = on_demand.nearest_of_shape(painting_image("great_wave.jpg", 256), args)
    assert path.name != "great_wave.npz"  # ngf 24, 9 blocks: not the recipe's shape
    args.ngf = 8
    assert on_demand.nearest_of_shape(detail, args) == (None, "")


def test_float16_generator_files_translate_like_float32(tmp_path, photo):
    generator, _ = load_generator("vintage")
    stored = read_generator(save_generator(generator, tmp_path / "v.npz", painting="vintage photos", style=photo,
                                           side=512))
    assert np.abs(translate(stored, photo) - translate(generator, photo)).max() < 2 / 255


def test_project_generator_files_are_small_and_pinned(weights_env):
    # no mirror folder and an empty cache home: a same-named file there would be found before the project's own
    for name in PROJECT_MODELS:
        network = weights.NETWORKS[f"cyclegan_{name}"]
        path = weights.PROJECT_ROOT / network.asset
        assert path.stat().st_size <= 4_000_000, name
        resolved = weights.resolve(f"cyclegan_{name}", download=False)
        assert resolved.source == "project" and resolved.verified and network.file_hash, name
        assert weights.card_path(path).is_file()


@pytest.mark.parametrize("checkpoint", ["vintage", *PROJECT_MODELS])
def test_each_checkpoint_turns_a_photo_into_something_else(checkpoint, photo, starry):
    result = get("cyclegan").stylize(photo, starry, checkpoint=checkpoint)
    assert result.image.shape == photo.shape and 0 <= result.image.min() and result.image.max() <= 1
    assert np.abs(result.image - photo).mean() > 0.02
    assert result.info["checkpoint"] == checkpoint
    source = "project" if checkpoint in PROJECT_MODELS else "package"
    assert f"from {source}" in result.info["weights_source"]


@pytest.mark.parametrize("painting", list(PROJECT_MODELS))
def test_auto_uses_the_project_model_of_its_painting_and_moves_toward_it(painting):
    from skimage import data

    from eval import metrics

    photo = load_image(data.coffee(), 256)  # held out of the training photos
    style = painting_image(f"{painting}.jpg", 256)
    result = get("cyclegan").stylize(photo, style)
    assert result.info["checkpoint"] == painting and result.info["style_used"] is True
    assert metrics.score(result.image, photo, style)["style_loss_ratio"] < 0.7
    won, total = map(int, weights.model_card(f"cyclegan_{painting}")["eval_wins"].split("/"))
    assert f"this generator beat a plain colour transfer on texture and style gain on {won}," in result.info["note"]
    assert ("A weak generator" in result.info["note"]) == (won < 0.8 * total)  # the panel says so


def test_auto_names_the_nearest_generator_for_a_painting_it_has_none_for(photo):
    """A detail of The Starry Night is not the painting (its fingerprint differs) but its nearest
    generator by style is Starry Night's; auto says so, with the similarity."""
    result = get("cyclegan").stylize(photo, starry_detail())
    assert result.info["checkpoint"] == "starry_night" and result.info["style_used"] is True
    assert "closest generator: Vincent van Gogh, The Starry Night" in result.info["note"]
    assert "style similarity" in result.info["note"]
    assert 0.8 < result.info["nearest_similarity"] <= 1.0


@pytest.mark.slow
@pytest.mark.parametrize("stop_at", [1, 2])  # between checkpoints, and on one
def test_checkpoint_train_trains_resumes_after_a_stop_then_serves_the_cache(weights_env, monkeypatch, photo, stop_at):
    """checkpoint=train with a tiny recipe (the real one takes minutes): the first run is stopped at
    a step, the second resumes from that step and finishes, the third is served from the cache."""
    import methods.base

    monkeypatch.setattr(methods.base, "PROGRESS_INTERVAL", 0.0)  # every report gets through
    monkeypatch.setattr(on_demand, "ON_DEMAND", [
        "--steps", "4", "--crop", "32", "--ngf", "8", "--n-blocks", "2", "--ndf", "8",
        "--checkpoint-every", "2", "--sample-every", "4", "--no-progress", "--no-snapshots"])
    style = painting_image("the_scream.jpg", 96)
    stopped_at = []

    def stop(fraction, message, preview):
        if f"step {stop_at}/" in message:
            stopped_at.append(stop_at)
            raise Cancelled()

    with pytest.raises(Cancelled):
        get("cyclegan").stylize(photo, style, checkpoint="train", on_progress=stop)
    folder = weights.cache_home() / "cyclegan" / painting_key(style)
    state = folder / "run" / "checkpoint" / "state.json"
    assert json.loads(state.read_text())["step"] == stopped_at[0]  # saved at the stop

    messages = []
    result = get("cyclegan").stylize(photo, style, checkpoint="train", on_progress=lambda f, m, p: messages.append(m))
    assert result.info["trained_now"] is True and result.info["checkpoint"] == "train"
    assert any("step 4/4" in m for m in messages) and not any(f"step {stopped_at[0]}/4" in m for m in messages)
    assert result.image.shape == photo.shape and not (folder / "run").exists()  # the checkpoint is gone
    again = get("cyclegan").stylize(photo, style, checkpoint="train")
    assert again.info["trained_now"] is False and np.array_equal(again.image, result.image)


def test_project_model_paints_a_small_photo_at_its_training_scale():
    from eval import metrics

    starry = painting_image("starry_night.jpg", 256)
    photo = load_image(SHARED_STYLES.parent / "contents" / "kodim05.png", 256)
    result = get("cyclegan").stylize(photo, starry, checkpoint="starry_night")
    assert result.image.shape == photo.shape and result.info["translated_at"].startswith("512 px")
    at_photo_size = translate(load_generator("starry_night")[0], photo)
    scaled, direct = metrics.score(result.image, photo, starry), metrics.score(at_photo_size, photo, starry)
    # at 256 px its 512 px strokes come out twice too big: noise over the photo, no nearer the painting
    # (measured: style gain 0.47 against 0.07, SSIM 0.56 against 0.32)
    assert scaled["style_gain"] > direct["style_gain"] + 0.2 and scaled["ssim"] > direct["ssim"]


def test_the_default_path_works_without_vintagify(weights_env, monkeypatch, photo):
    """As on a Space: the vintagify package is not installed and (here) there is no network. auto still
    serves a shared painting and, by the nearest generator, a painting without one; only
    checkpoint=vintage fails, and it says what it could not download and where to put the file."""
    def no_network(*args, **kwargs):
        raise OSError("no network in this test")

    installed = weights.package_file

    def without_vintagify(distribution, relative):
        return None if distribution == "vintagify" else installed(distribution, relative)

    monkeypatch.setattr(weights, "package_file", without_vintagify)
    monkeypatch.setattr(weights.urllib.request, "urlopen", no_network)
    load_generator.cache_clear()  # a vintage generator loaded by an earlier test must not serve
    try:
        starry = painting_image("starry_night.jpg", 256)
        assert get("cyclegan").stylize(photo, starry).info["checkpoint"] == "starry_night"
        result = get("cyclegan").stylize(photo, starry_detail())
        assert result.info["checkpoint"] == "starry_night" and "closest generator" in result.info["note"]
        with pytest.raises(weights.WeightsError, match="could not download .*vintagify-0.1.2"):
            get("cyclegan").stylize(photo, starry, checkpoint="vintage")
    finally:
        load_generator.cache_clear()
