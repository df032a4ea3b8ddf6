"""The VAE method: ELBO, reparameterisation, per-style training, stylisation, cache, pretraining CLI.

Real networks: the project's committed generic VAE (assets/vae) on small real images.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import tensorflow as tf
from scipy import integrate, stats
from skimage import data

from methods import get
from methods.core import weights
from methods.core.backbones import STYLE_LAYERS, feature_extractor
from methods.core.files import SHARED_MIRROR
from methods.core.images import load_image
from methods.vae import finetune
from methods.vae import model as vae
from methods.vae.train import main as train_main

STYLES = SHARED_MIRROR / "styles"


@pytest.fixture(autouse=True)
def fresh_cache(tmp_path, monkeypatch):
    """Every test gets its own cache; the committed warm start is what serves the VAE."""
    monkeypatch.setenv("STYLEBENCH_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("STYLEBENCH_WEIGHTS_DIR", raising=False)
    return tmp_path / "cache"


@pytest.fixture(scope="module")
def painting():
    path = STYLES / "starry_night.jpg"
    if not path.is_file():
        raise FileNotFoundError(f"{path} missing: the tests need the shared image set beside the repo")
    return load_image(path, 96)


@pytest.fixture(scope="module")
def photo():
    return load_image(data.astronaut(), 64)


def kl_by_quadrature(mean: float, log_variance: float) -> float:
    q = stats.norm(mean, np.exp(0.5 * log_variance))
    value, _ = integrate.quad(lambda z: q.pdf(z) * (q.logpdf(z) - stats.norm.logpdf(z)), -30, 30)
    return value


def test_kl_term_matches_closed_form():
    images = np.full((1, 8, 8, 3), 0.5, np.float32)  # 192 pixel values
    mean = np.array([1.0, -0.5, 0.0], np.float32).reshape(1, 1, 1, 3)
    log_variance = np.log(np.array([1.0, 4.0, 0.25], np.float32)).reshape(1, 1, 1, 3)
    total, parts = finetune.elbo(images, images + 0.1, mean, log_variance, beta=2.0)
    expected_kl = sum(kl_by_quadrature(m, v) for m, v in zip(mean.ravel(), log_variance.ravel())) / 192
    assert float(parts["kl"]) == pytest.approx(expected_kl, rel=1e-4)
    assert float(parts["kl"]) == pytest.approx((0.5 + 0.5 * (0.25 + 4 - 1 - np.log(4))
                                                + 0.5 * (0.25 - 1 - np.log(0.25))) / 192, rel=1e-5)
    assert float(parts["reconstruction"]) == pytest.approx(0.01, rel=1e-4)
    assert float(total) == pytest.approx(0.01 + 2.0 * expected_kl, rel=1e-4)


def test_sampling_is_reparameterised_so_gradients_reach_the_encoder(photo):
    model = vae.load_generic()
    images = tf.constant(photo[None])
    noise = tf.constant(np.random.default_rng(0).standard_normal((1, 8, 8, vae.LATENT)), tf.float32)
    head = model.encoder.get_layer("log_variance").kernel
    first = model.encoder.get_layer("enc1").kernel
    with tf.GradientTape() as tape:
        mean, log_variance = model.encoder(images)
        z = finetune.reparameterise(mean, log_variance, noise)
        _, parts = finetune.elbo(images, model.decoder(z), mean, log_variance, beta=0.1)
        reconstruction = parts["reconstruction"]  # no KL: the variance is reached only through the sample
    grad_head, grad_first = tape.gradient(reconstruction, [head, first])
    assert grad_head is not None and float(tf.reduce_max(tf.abs(grad_head))) > 0
    assert grad_first is not None and float(tf.reduce_max(tf.abs(grad_first))) > 0
    np.testing.assert_allclose(z, mean + np.exp(0.5 * log_variance) * noise, rtol=1e-5)
    assert not np.allclose(z, mean)  # a sample, not the mean


@pytest.mark.slow
def test_short_training_on_a_tiny_image_lowers_reconstruction():
    style = load_image(data.colorwheel(), 96)  # a new style: the warm start never saw it
    model = vae.StyleVAE()
    model.load(weights.resolve(vae.GENERIC).path)

    def reconstruction_error():
        return float(np.mean((model.decode(model.encode(style), style.shape) - style) ** 2))

    before = reconstruction_error()
    batches = finetune.crop_sampler([style], seed=0, batch=4, crop=32, sides=(96,))
    # the warm start (trained on photos and 50 paintings) already draws it well, and the first Adam
    # steps at 1e-3 raise the error (60 steps: 0.0034 -> 0.0045): the fall shows after about 200
    final = finetune.fit(model, batches, steps=200, beta=0.1, seed=0)
    assert reconstruction_error() < 0.9 * before
    assert set(final) == {"total", "reconstruction", "kl"} and final["kl"] > 0


@pytest.mark.slow
def test_output_has_the_content_size_and_range(painting):
    content = load_image(data.chelsea(), 70)[:45]  # odd sizes, not multiples of 8
    for mode in ("auto", "gram", "style", "adain"):
        result = get("vae").stylize(content, painting, mode=mode, steps=5)
        assert result.image.shape == content.shape and result.image.dtype == np.float32
        assert 0.0 <= result.image.min() and result.image.max() <= 1.0
        assert result.info["mode"] == ("gram" if mode == "auto" else mode)  # the train photos are here
        assert np.abs(result.image - content).mean() > 0.01  # the painting changed it


def test_gram_terms_fall_while_the_decoder_learns_the_painting():
    style = load_image(STYLES / "starry_night.jpg", 128)
    model = vae.StyleVAE()
    model.load(weights.resolve(vae.GENERIC).path)
    encoder_before = [w.copy() for w in model.encoder.get_weights()]
    terms = finetune.GramTerms(finetune.STYLE_WEIGHT, finetune.CONTENT_WEIGHT, finetune.STRUCTURE_WEIGHT)
    target = terms.target(model, style)
    photos = finetune.crop_sampler(finetune.train_photos()[:4], seed=1, batch=2, crop=64, sides=(128,))
    styles = []
    final = finetune.fit(model, finetune.crop_sampler([style], seed=0, batch=2, crop=32, sides=(128,)), steps=40,
                         beta=0.1, seed=0, report=lambda index, total, parts: styles.append(float(parts["style"])),
                         photos=photos, gram_terms=terms, targets=lambda _step: target)
    assert np.mean(styles[-5:]) < 0.6 * styles[0]  # the Gram loss of decoded photos fell
    assert "structure" in final and "content" not in final  # the defaults: the structure term in the content's place
    for before, after in zip(encoder_before, model.encoder.get_weights()):
        np.testing.assert_array_equal(before, after)  # the encoder, and so the latent space, stays


@pytest.mark.slow
def test_structure_term_keeps_more_of_the_photos_structure():
    """The same 30-step fine-tune (no content term) with and without the structure term: with it, photos the
    fine-tune never saw keep more of their structure (SSIM to the photo), which the Gram loss alone draws away."""
    import keras

    from eval.metrics import ssim
    from methods.core.images import resize_max

    style = load_image(STYLES / "starry_night.jpg", 128)
    unseen = [resize_max(finetune.train_photos()[i], 128) for i in (10, 12, 14)]  # the fine-tune learns from [:8]
    params = {"mode": "gram", "strength": 1.0, "detail": 0.0, "blend": 0.0}
    kept = {}
    for weight in (0.0, 3.0):
        keras.utils.set_random_seed(0)
        model = vae.StyleVAE(downsample=vae.DOWNSAMPLE[vae.GRAM_WARM])
        model.load(weights.resolve(vae.GRAM_WARM).path)
        terms = finetune.GramTerms(finetune.STYLE_WEIGHT, 0.0, weight)
        target = terms.target(model, style)
        photos = finetune.crop_sampler(finetune.train_photos()[:8], seed=1, batch=2, crop=64, sides=(128,))
        parts = finetune.fit(model, finetune.crop_sampler([style], seed=0, batch=2, crop=32, sides=(128,)), steps=30,
                             beta=0.1, seed=0, photos=photos, gram_terms=terms,
                             targets=lambda _step, target=target: target)
        assert ("structure" in parts) == bool(weight)
        kept[weight] = np.array([ssim(vae.paint(model, photo, style, params), photo) for photo in unseen])
    assert (kept[3.0] > kept[0.0] + 0.02).all(), kept  # +0.055 to +0.067 when written


def test_bfloat16_networks_compute_what_float32_ones_do(photo):
    """gram mode computes in bfloat16 on CPUs with bfloat16 units (finetune.fine_tune_dtype): same weights, float32 out,
    features and decodings within bfloat16's precision of float32's."""
    layers = STYLE_LAYERS + (finetune.GRAM_CONTENT_LAYER,)
    exact, fast = (feature_extractor("vgg16_hed", layers, dtype)(photo[None])
                   for dtype in ("float32", "mixed_bfloat16"))
    for name in layers:
        assert fast[name].dtype == tf.float32
        error = np.linalg.norm(fast[name] - exact[name]) / np.linalg.norm(exact[name])
        assert 0 < error < 0.02, name  # rounded (0.3-0.7 % measured), not another network
    models = [vae.StyleVAE(dtype=dtype) for dtype in ("float32", "mixed_bfloat16")]
    for model in models:
        model.load(weights.resolve(vae.GENERIC).path)
    exact_image, fast_image = (m.decode(m.encode(photo), photo.shape) for m in models)
    assert fast_image.dtype == np.float32
    assert np.abs(fast_image - exact_image).mean() < 0.005  # 0.001 measured; the reconstruction itself errs by 0.1


@pytest.mark.slow
def test_gram_mode_beats_the_colour_transfer_on_texture():
    from eval import metrics
    from methods.reference import colour_transfer

    photo = load_image(data.astronaut(), 128)
    style = load_image(STYLES / "starry_night.jpg", 256)
    result = get("vae").stylize(photo, style, mode="gram", steps=60)
    assert result.info["cache"] == "miss" and result.info["elbo"]["style"] > 0
    ours = metrics.score(result.image, photo, style)
    recoloured = metrics.score(colour_transfer(photo, style), photo, style)
    assert ours["texture_ratio"] < recoloured["texture_ratio"]
    assert ours["style_loss_ratio"] < recoloured["style_loss_ratio"]


def test_gram_mode_without_train_photos_says_so_and_other_modes_still_work(photo, painting, monkeypatch, tmp_path):
    from methods.base import MethodError
    from methods.core import manifest as imageset

    monkeypatch.setattr(imageset, "SHARED_MIRROR", Path("/nonexistent"))
    # a checkout without assets/train_photos
    monkeypatch.setattr(imageset, "TRAIN_PHOTO_COPIES", tmp_path / "no-copies")
    monkeypatch.delenv("STYLEBENCH_IMAGES", raising=False)
    monkeypatch.setenv("STYLEBENCH_OFFLINE", "1")
    finetune.train_photos.cache_clear()
    try:
        with pytest.raises(MethodError, match="needs the train photos.*Modes style and adain need none"):
            get("vae").stylize(photo, painting, mode="gram", steps=5)
        assert get("vae").stylize(photo, painting, mode="style", steps=5).image.shape == photo.shape
        auto = get("vae").stylize(photo, painting, steps=5)  # the default says what it ran instead
        assert auto.info["mode"] == "style" and "ran its style mode" in auto.info["note"]
    finally:
        finetune.train_photos.cache_clear()  # the next test finds the photos again


def test_detail_follows_the_paintings_contrast():
    photo = load_image(data.astronaut(), 128)
    detail = vae.fine_detail(photo)
    flat = np.full_like(photo, 0.5) + 0.002 * np.random.default_rng(0).standard_normal(photo.shape)
    busy = photo + 0.2 * np.random.default_rng(1).standard_normal(photo.shape)
    assert vae.detail_gain(detail, vae.fine_detail(flat)) == vae.DETAIL_GAIN[0]  # a smooth painting: less texture
    assert vae.detail_gain(detail, vae.fine_detail(0.25 + 0.5 * photo)) == pytest.approx(0.5)  # half the contrast
    assert vae.detail_gain(detail, vae.fine_detail(busy)) == 1.0  # a busy one: the photo's, never amplified


@pytest.mark.slow
def test_same_seed_gives_the_same_output(photo, painting, tmp_path, monkeypatch):
    outputs = []
    for run, seed in enumerate((3, 3, 4)):
        monkeypatch.setenv("STYLEBENCH_CACHE", str(tmp_path / f"run{run}"))  # train each time
        result = get("vae").stylize(photo, painting, steps=15, seed=seed)
        assert result.info["cache"] == "miss"
        outputs.append(result.image)
    np.testing.assert_array_equal(outputs[0], outputs[1])
    assert np.abs(outputs[0] - outputs[2]).max() > 1e-3


@pytest.mark.slow
def test_the_cache_serves_the_second_photo(photo, painting, fresh_cache):
    messages = []
    first = get("vae").stylize(photo, painting, steps=20, on_progress=lambda f, m, p: messages.append((f, p)))
    assert first.info["cache"] == "miss" and first.info["elbo"]["reconstruction"] > 0
    assert list(fresh_cache.joinpath("vae").glob("*.weights.h5"))
    assert messages[-1][0] == 1.0 and messages[-1][1].shape[2] == 3  # progress with previews
    other = load_image(data.coffee(), 64)
    second = get("vae").stylize(other, painting, steps=20)
    assert second.info["cache"] == "hit" and second.info["elbo"] == first.info["elbo"]
    assert second.seconds < first.seconds
    again = get("vae").stylize(photo, painting, steps=20)
    np.testing.assert_array_equal(again.image, first.image)
    assert get("vae").stylize(photo, painting, steps=21).info["cache"] == "miss"  # parameters are in the key


def test_warm_start_is_the_committed_project_asset(tmp_path):
    resolved = weights.resolve(vae.GENERIC)
    assert resolved.source == "project"
    assert resolved.path.stat().st_size < 10e6
    assert vae.latent_width(resolved.path) == vae.LATENT
    model = vae.StyleVAE(4)  # another latent width keeps the trunk only
    loaded = model.load(resolved.path, partial=True)
    assert 0 < loaded < len(model.layers())
    np.testing.assert_array_equal(model.encoder.get_layer("enc2").kernel,
                                  vae.load_generic().encoder.get_layer("enc2").kernel)
    model.save(tmp_path / "narrow.weights.h5")
    assert vae.latent_width(tmp_path / "narrow.weights.h5") == 4  # read from the file, whatever Keras named the layers


def test_gram_warm_start_is_a_quarter_resolution_vae_from_the_generic_one():
    generic, gram = vae.load_generic(), vae.StyleVAE(downsample=vae.DOWNSAMPLE[vae.GRAM_WARM])
    gram.load(weights.resolve(vae.GRAM_WARM).path)
    assert weights.resolve(vae.GRAM_WARM).source == "project"
    photo = load_image(data.astronaut(), 96)  # 96 x 96
    assert gram.encode(photo).shape == (24, 24, vae.LATENT) and generic.encode(photo).shape == (12, 12, vae.LATENT)
    mean, log_variance = gram.encoder(photo[None])
    assert float(np.mean(np.exp(np.asarray(log_variance)))) < 1.0  # a trained posterior is narrower than the prior
    assert not np.allclose(gram.decoder.get_layer("dec4").kernel, generic.decoder.get_layer("dec4").kernel)
    assert set(weights.training_images(vae.GENERIC)) <= set(weights.training_images(vae.GRAM_WARM))


def test_residual_blocks_start_as_the_identity_and_learn(tmp_path):
    warm = weights.resolve(vae.GRAM_WARM).path
    plain, deeper = vae.StyleVAE(downsample=4), vae.StyleVAE(downsample=4, residual=1)
    plain.load(warm)
    assert deeper.load(warm, partial=True) == len(plain.layers()) < len(deeper.layers())
    latent = plain.encode(load_image(data.astronaut(), 64))
    np.testing.assert_allclose(deeper.decode(latent, (64, 64)), plain.decode(latent, (64, 64)), atol=1e-6)
    painting = load_image(data.immunohistochemistry(), 64)
    finetune.fit(deeper, finetune.crop_sampler([painting], 0, batch=2, crop=32), 3, finetune.BETA, 0)
    assert np.abs(np.asarray(deeper.decoder.get_layer("dec3_res0b").kernel)).max() > 0  # the zero start moved
    deeper.save(tmp_path / "deeper.weights.h5")
    assert vae.residual_blocks(tmp_path / "deeper.weights.h5") == 1 and vae.residual_blocks(warm) == 0


def test_gram_stage_command_trains_the_decoder_only(tmp_path):
    out = tmp_path / "gram.weights.h5"
    # a scikit-image texture stands in for the train paintings, which a fresh machine lacks
    assert train_main(["--gram", "--steps", "2", "--images", "skimage:immunohistochemistry", "--out", str(out)]) == 0
    card = (tmp_path / "gram.md").read_text()
    assert "--gram --steps 2" in card and "skimage:immunohistochemistry" in card and "kodim01" in card
    assert "style loss\nx5, content loss x3, VGG16-HED" in card  # the shipped warm start's recipe, not the fine-tune's
    trained, generic = vae.StyleVAE(), vae.load_generic()
    trained.load(out)
    for mine, theirs in zip(trained.encoder.get_weights(), generic.encoder.get_weights()):
        np.testing.assert_array_equal(mine, theirs)
    assert not np.allclose(trained.decoder.get_layer("rgb").kernel, generic.decoder.get_layer("rgb").kernel)
    assert train_main(["--gram", "--init", str(tmp_path / "none.weights.h5"), "--images", "skimage:retina",
                       "--out", str(tmp_path / "x.weights.h5")]) == 2


@pytest.mark.slow
def test_pretraining_command_writes_weights_and_card(tmp_path, capsys):
    out = tmp_path / "generic.weights.h5"
    assert train_main(["--steps", "2", "--batch", "2", "--out", str(out)]) == 0
    assert out.is_file() and "--steps 2" in (tmp_path / "generic.md").read_text()
    again = tmp_path / "again.weights.h5"
    assert train_main(["--steps", "2", "--batch", "2", "--out", str(again)]) == 0
    first, second = vae.StyleVAE(), vae.StyleVAE()
    first.load(out)
    second.load(again)
    for name, layer in first.layers().items():  # the command reproduces its weights exactly
        for mine, theirs in zip(layer.get_weights(), second.layers()[name].get_weights()):
            np.testing.assert_array_equal(mine, theirs)
    quarter = tmp_path / "quarter.weights.h5"  # a 1/4-latent VAE starts from the generic 1/8 one: same shapes
    assert train_main(["--steps", "1", "--batch", "2", "--downsample", "4", "--init",
                       str(weights.resolve(vae.GENERIC).path), "--out", str(quarter)]) == 0
    assert "at 1/4 resolution" in (tmp_path / "quarter.md").read_text()
    narrow = tmp_path / "narrow.weights.h5"
    assert train_main(["--steps", "1", "--batch", "2", "--latent-channels", "4", "--out", str(narrow)]) == 0
    assert vae.latent_width(narrow) == 4 and "4 latent channels" in (tmp_path / "narrow.md").read_text()
    assert train_main(["--steps", "2", "--out", str(tmp_path / "bad.h5")]) == 2
    assert "weights.h5" in capsys.readouterr().err
