"""Fitting the VAE: the ELBO, the training loop, gram mode's Gram terms, and the per-style fine-tune
with its disk cache.

Training maximises the ELBO: reconstruction + beta * KL, with a sample drawn by the
reparameterisation trick (z = mean + exp(log_variance / 2) * noise, so gradients reach the
encoder). gram mode adds, with the encoder frozen, a Gram style loss and a structure loss
(VGG16-HED) on the decoded latents of train photos moved to the painting's latent statistics
(GramTerms). `style_vae` fine-tunes a VAE for one painting, or reads it from cache_home()/vae,
keyed by the painting's pixels and every parameter that changes training.
"""
from __future__ import annotations

import functools
import json
from pathlib import Path

import numpy as np

from methods.core import weights
from methods.core.backbones import STRUCTURE_LAYERS, STYLE_LAYERS, fast_dtype, feature_extractor
from methods.core.files import atomic_write, pixel_hash
from methods.core.images import load_image, readable_side, resize, resize_max
from methods.core.losses import content_loss, gram, structure_loss, style_loss
from methods.core.ops import channel_statistics, renormalised
from methods.core.training import train_photo_paths
from methods.vae.model import DOWNSAMPLE, GENERIC, GRAM_WARM, STYLE_SIDE, StyleVAE, latent_width, paint, residual_blocks

CROP = 64
STEPS = 100  # per-style fine-tune: as many eval wins as 300 in 40 % of the time, assets/vae/comparison.md
RESIDUAL_BLOCKS = 1  # gram mode's fine-tune: dev split, then a rule written before the eval, assets/vae/comparison.md
BATCH = 8
STYLE_SIDES = (256, 384, STYLE_SIDE)  # the style image's long side for crops: strokes at several scales
BETA = 0.1  # KL weight: higher lets less of the photo through the latent
LEARNING_RATE = 1e-3
# gram mode's fine-tune: the structure term in the content term's place won 20 more pairs of 126 on the two-fold
# check at about the same SSIM, then more pairs and SSIM on the eval (assets/vae/comparison.md); the warm start
# learnt style x5, content x3
STYLE_WEIGHT, CONTENT_WEIGHT, STRUCTURE_WEIGHT = 5.0, 0.0, 2.0
CACHE_VERSION = 3  # bump when training changes, so stale cached models are not reused
PREVIEW_SIDE = 192
GRAM_CONTENT_LAYER = "block3_conv1"  # gram mode's content term; its style and structure terms: backbones' sets
PHOTO_CROP, PHOTO_BATCH = 96, 2  # gram mode's photo crops per step


def reparameterise(mean, log_variance, noise):
    """z = mean + sigma * noise: a sample that stays differentiable in mean and log-variance."""
    import tensorflow as tf

    return mean + tf.exp(0.5 * log_variance) * noise


def elbo(images, reconstruction, mean, log_variance, beta: float):
    """Negative ELBO per pixel value: (total, {"reconstruction", "kl"}).

    reconstruction: mean squared error, the Gaussian log-likelihood with a fixed variance up
    to constants; kl: closed-form KL(N(mean, exp(log_variance)) || N(0, 1)) summed over the
    latent maps and divided by the number of pixel values, so both parts share a scale.
    """
    import tensorflow as tf

    values = tf.cast(tf.reduce_prod(tf.shape(images)[1:]), tf.float32)
    rec = tf.reduce_mean(tf.reduce_sum(tf.square(images - reconstruction), axis=[1, 2, 3]) / values)
    kl_map = 0.5 * (tf.square(mean) + tf.exp(log_variance) - 1.0 - log_variance)
    kl = tf.reduce_mean(tf.reduce_sum(kl_map, axis=[1, 2, 3]) / values)
    return rec + beta * kl, {"reconstruction": rec, "kl": kl}


def fit(vae: StyleVAE, batches, steps: int, beta: float, seed: int, report=None, learning_rate=LEARNING_RATE,
        photos=None, gram_terms=None, targets=None) -> dict:
    """Train `vae` with Adam on the negative ELBO; batches(step) -> float32 (N, h, w, 3). Returns the last parts.
    With photos(step) (crops like batches'), gram_terms (GramTerms) and targets(step) (a
    GramTerms.target, the painting batches(step) is cut from), the decoder alone is trained, on the
    ELBO plus gram_terms' losses on those photos."""
    import keras
    import tensorflow as tf

    optimizer = keras.optimizers.Adam(learning_rate)
    variables = vae.decoder.trainable_variables
    if gram_terms is None:
        variables = vae.encoder.trainable_variables + variables
    beta_t = tf.constant(beta, tf.float32)

    @tf.function(reduce_retracing=True, autograph=False)  # no tensor-dependent Python branches to convert
    def step(images, noise, photo_crops, target):
        with tf.GradientTape() as tape:
            mean, log_variance = vae.encoder(images, training=True)
            z = reparameterise(mean, log_variance, noise)
            total, parts = elbo(images, vae.decoder(z, training=True), mean, log_variance, beta_t)
            if gram_terms is not None:
                terms = gram_terms(vae, photo_crops, target)
                # summed in the terms' order: the same rounding, so the same numbers, as the cards' runs
                parts, total = {**parts, **terms}, sum(terms.values(), total)
        optimizer.apply_gradients(zip(tape.gradient(total, variables), variables))
        return total, parts

    rng = np.random.default_rng(seed + 1)
    parts = {}
    for index in range(1, steps + 1):
        images = batches(index)
        shape = (images.shape[0], images.shape[1] // vae.downsample, images.shape[2] // vae.downsample,
                 vae.latent_channels)
        crops = tf.constant(photos(index)) if photos else tf.zeros((0,))
        target = targets(index) if targets else ()
        total, parts = step(tf.constant(images), tf.constant(rng.standard_normal(shape, dtype=np.float32)), crops,
                            target)
        if report:
            report(index, float(total), parts)
    return {"total": float(total), **{k: float(v) for k, v in parts.items()}} if steps else {}


class GramTerms:
    """gram mode's losses on a batch of photo crops: their latents take a painting's latent mean and
    deviation (AdaIN), are decoded, and the decoding is scored against that painting's Gram matrices
    (style) and, each where it has a weight, the photo's features (content) and its instance-normalised
    features (structure: its layout), each times its weight. A painting enters as a
    `target` (its Gram matrices and latent statistics), so one set of terms serves many paintings."""

    def __init__(self, style_weight: float, content_weight: float, structure_weight: float = 0.0):
        dtype = fine_tune_dtype("gram")
        self.vgg = feature_extractor("vgg16_hed", STYLE_LAYERS + (GRAM_CONTENT_LAYER,), dtype)
        # the photos need no deeper layer than the content one; block1-2 come free on the way, for the structure term
        self.content_vgg = feature_extractor("vgg16_hed", STRUCTURE_LAYERS + (GRAM_CONTENT_LAYER,), dtype)
        self.style_weight, self.content_weight = style_weight, content_weight
        self.structure_weight = structure_weight

    def target(self, model: StyleVAE, painting: np.ndarray) -> tuple:
        """(Gram matrices in STYLE_LAYERS order, latent mean, latent deviation) of a painting."""
        import tensorflow as tf

        features = self.vgg(painting[None])
        mean, deviation = channel_statistics(model.encode(painting), eps=0.0, eps_in_root=False, axes=(0, 1))
        return tuple(gram(features[name]) for name in STYLE_LAYERS), tf.constant(mean), tf.constant(deviation)

    def __call__(self, model: StyleVAE, photos, target: tuple) -> dict:
        grams, latent_mean, latent_std = target
        latent, _ = model.encoder(photos, training=False)
        moved = renormalised(latent, latent_mean, latent_std, eps=1e-5, eps_in_root=False)  # latent_adain's form
        features, photo = self.vgg(model.decoder(moved, training=True)), self.content_vgg(photos)
        layer = GRAM_CONTENT_LAYER
        parts = {"style": self.style_weight * style_loss({k: features[k] for k in STYLE_LAYERS},
                                                         dict(zip(STYLE_LAYERS, grams)))[0]}
        if self.content_weight:  # a term without weight is not computed, nor reported
            parts["content"] = self.content_weight * content_loss({layer: features[layer]}, {layer: photo[layer]})[0]
        if self.structure_weight:
            parts["structure"] = self.structure_weight * structure_loss(
                {k: features[k] for k in STRUCTURE_LAYERS}, {k: photo[k] for k in STRUCTURE_LAYERS})[0]
        return parts


def fine_tune_dtype(mode: str) -> str:
    """The per-style fine-tune's compute dtype, for its VGG and its VAE. gram mode: bfloat16 where the
    CPU has bfloat16 units (13.4 s instead of 25.4 s to a first photo on a 2-core Xeon with AMX, 53 s instead of
    80 s on a 2-core AMD EPYC; assets/vae/comparison.md); the other modes, measured in float32, stay so.
    Weights stay float32 either way."""
    return fast_dtype() if mode == "gram" else "float32"


def crop_sampler(images, seed: int, batch: int = BATCH, crop: int = CROP, sides=STYLE_SIDES):
    """batches(step) -> random flipped crops of the images, each at a random scale."""
    # scales that would make a thin image thinner than a crop are skipped (resize_max refuses them)
    pyramid = [resize_max(image, side) if max(image.shape[:2]) > side else image
               for image in images for side in sides
               if min(image.shape[:2]) * min(1.0, side / max(image.shape[:2])) >= crop]
    pyramid = [p for p in pyramid if min(p.shape[:2]) >= crop] or [
        resize(images[0], (crop, crop))]
    rng = np.random.default_rng(seed)

    def batches(_step):
        out = np.empty((batch, crop, crop, 3), np.float32)
        for i in range(batch):
            source = pyramid[rng.integers(len(pyramid))]
            top = rng.integers(source.shape[0] - crop + 1)
            left = rng.integers(source.shape[1] - crop + 1)
            patch = source[top:top + crop, left:left + crop]
            if rng.random() < 0.5:
                patch = patch[:, ::-1]
            if rng.random() < 0.5:
                patch = patch[::-1]
            out[i] = patch
        return out

    return batches


def style_key(style: np.ndarray, params: dict) -> str:
    """Cache key: the style image's pixels, every parameter that changes training, gram mode's train photos' pixels."""
    digest = pixel_hash(style, dtype=np.float32)
    trained = {k: params[k] for k in ("mode", "steps", "beta", "latent_channels", "seed")}
    if params["mode"] == "gram":  # structure_weight only when used: models cached before it keep their keys
        trained.update(style_weight=params["style_weight"], content_weight=params["content_weight"],
                       **({"structure_weight": params["structure_weight"]} if params["structure_weight"] else {}),
                       residual_blocks=params["residual_blocks"], dtype=fine_tune_dtype("gram"),  # copy or original
                       photos=pixel_hash(*train_photos(), shape=False).hexdigest()[:16])
    warm = weights.resolve(warm_start(params["mode"])).sha256[:16]  # hashed once per process by the resolver
    digest.update(json.dumps({"version": CACHE_VERSION, "warm": warm, **trained}, sort_keys=True).encode())
    return digest.hexdigest()[:32]


def warm_start(mode: str) -> str:
    """The network a mode's per-style model starts from (and adain mode runs as it is)."""
    return GRAM_WARM if mode == "gram" else GENERIC


def cache_dir() -> Path:
    return weights.cache_home() / "vae"


def style_vae(style: np.ndarray, params: dict, on_progress=None, content=None):
    """The VAE fine-tuned on `style` with these parameters: from the disk cache or trained now."""
    import keras

    key = style_key(style, params)
    path, card = cache_dir() / f"{key}.weights.h5", cache_dir() / f"{key}.json"
    warm_name = warm_start(params["mode"])
    resolved = weights.resolve(warm_name)
    blocks = params["residual_blocks"] if params["mode"] == "gram" else residual_blocks(resolved.path)
    keras.utils.set_random_seed(params["seed"])  # before the build: it draws the layers the warm start lacks
    vae = StyleVAE(params["latent_channels"], fine_tune_dtype(params["mode"]), DOWNSAMPLE[warm_name], blocks)
    if path.is_file() and card.is_file():
        try:
            vae.load(path)
            if on_progress:
                on_progress(1.0, f"style model loaded from the cache ({path.name})", None)
            return vae, {**json.loads(card.read_text()), "cache": "hit", "cache_file": path.name}
        except Exception:  # a damaged cache file is retrained, never fatal
            pass
    warm = _start_from(vae, resolved, blocks)
    final = _fine_tune(vae, style, params, _progress_report(vae, style, params, on_progress, content))
    info = {"steps": params["steps"], "beta": params["beta"], "warm_start": warm, "elbo": final}
    try:
        vae.save(path)
        atomic_write(card, json.dumps(info))
    except OSError as error:  # a read-only cache costs speed, not the result
        info["cache_error"] = error.strerror or type(error).__name__
    return vae, {**info, "cache": "miss", "cache_file": path.name}


def _start_from(vae: StyleVAE, resolved, blocks: int) -> str:
    """Load a warm start into `vae` (the layers of its shapes where widths or blocks differ); its description."""
    wider = vae.latent_channels != latent_width(resolved.path)
    added = blocks - residual_blocks(resolved.path)
    vae.load(resolved.path, partial=wider or added != 0)
    blocks_added = f" (+{added} residual block{'s' * (added > 1)} per level, starting as the identity)"
    return (resolved.describe() + (" (trunk only: latent width differs)" if wider else "")
            + (blocks_added if added > 0 else ""))


def _progress_report(vae: StyleVAE, style: np.ndarray, params: dict, on_progress, content):
    """fit's report(index, total, parts) as the caller's on_progress: every step, with a preview at every tenth."""
    steps = params["steps"]
    # a preview of a thin photo keeps its short side readable (resize_max refuses under MIN_SIDE)
    preview = resize_max(content, readable_side(content.shape, PREVIEW_SIDE)) if content is not None else None
    every = max(1, steps // 10)

    def report(index, total, parts):
        if not on_progress:
            return
        # every step, so the request's deadline and a cancel land within one step; a preview
        # (a full encode and decode) only every tenth of the run, and only for a listener
        wanted = (index % every == 0 or index == steps) and getattr(on_progress, "listening", True)
        image = paint(vae, preview, style, params) if wanted and preview is not None else None
        gram_parts = "".join(f", {name} {float(parts[name]):.4f}" for name in ("style", "content", "structure")
                             if name in parts)
        on_progress(index / steps, f"training on the style: step {index}/{steps}, "
                    f"ELBO loss {total:.4f} (reconstruction {float(parts['reconstruction']):.4f}, "
                    f"KL {float(parts['kl']):.4f}{gram_parts})", image)

    return report


def _fine_tune(vae: StyleVAE, style: np.ndarray, params: dict, report) -> dict:
    """fit on the painting's crops; in gram mode also on train photos with the Gram terms."""
    photos, gram_terms, targets = None, None, None
    if params["mode"] == "gram":
        photos = crop_sampler(train_photos(), params["seed"] + 1, PHOTO_BATCH, PHOTO_CROP)
        painting = resize_max(style, STYLE_SIDE)
        gram_terms = GramTerms(params["style_weight"], params["content_weight"], params["structure_weight"])
        target = gram_terms.target(vae, painting)
        targets = lambda _step: target  # noqa: E731 (one painting)
    return fit(vae, crop_sampler([style], params["seed"]), params["steps"], params["beta"], params["seed"], report,
               photos=photos, gram_terms=gram_terms, targets=targets)


@functools.cache
def train_photos() -> tuple:
    """gram mode's photos: the image set's train split at 512 px (never an eval photo)."""
    paths = train_photo_paths("VAE mode gram", "Modes style and adain need none.", STYLE_SIDE)
    return tuple(load_image(path, STYLE_SIDE) for path in paths)


