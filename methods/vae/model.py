"""The VAE's network (Kingma & Welling 2014) and how a trained one stylises a photo.

A small fully convolutional VAE: the encoder maps an image to per-position mean and log-variance
maps at 1/8 resolution (gram mode's: 1/4), and the decoder draws the image back from a latent
sample. `paint` encodes the photo (the mean, no sampling), moves its latent maps towards the
painting's (AdaIN: each channel takes the painting's latent mean and deviation, by `strength`),
decodes, and adds back the photo's fine detail where the decoder blurs.
"""
from __future__ import annotations

import functools
from pathlib import Path

import numpy as np

from methods.core import weights
from methods.core.files import atomic_write
from methods.core.images import resize_max
from methods.core.ops import adain, pad_to_multiple

GENERIC = "vae_generic"  # the warm start, an entry of methods.core.weights.NETWORKS
GRAM_WARM = "vae_gram_warm"  # gram mode's warm start: GENERIC at a 1/4 latent, decoder taught gram mode's losses
LATENT = 8  # latent channels of the generic VAE
# each shipped VAE's latent resolution (1/8: three stride-2 convolutions; 1/4: two). The weights file
# cannot say: both have the same shapes.
DOWNSAMPLE = {GENERIC: 8, GRAM_WARM: 4}
STYLE_SIDE = 512  # the painting's long side for its latent statistics (and gram mode's style targets)
DETAIL_SIGMA = 2.0  # px: the Gaussian blur whose residual is the photo's fine detail
DETAIL_GAIN = (0.25, 1.0)  # bounds of the painting-to-photo detail contrast ratio


def build(latent_channels: int = LATENT, dtype: str = "float32", downsample: int = 8, residual: int = 0):
    """(encoder, decoder) Keras models, any input size divisible by `downsample` (8 or 4: the latent's
    resolution; the layers and their shapes are the same, enc4 strides 1 and the decoder upsamples
    one time fewer at 4, so a 1/4 VAE can start from a 1/8 one's weights). With dtype
    "mixed_bfloat16" the inner convolutions compute in bfloat16; the latent maps and the image
    come out of float32 layers, so the ELBO and the pixels keep float32 precision. `residual` adds that
    many residual blocks after dec2 and after dec3, their last convolution zero-initialised: a VAE
    without them loads into one with them and computes the same image until they train."""
    if downsample not in (4, 8):
        raise ValueError(f"downsample must be 4 or 8, not {downsample}")
    import keras
    from keras import layers

    image = keras.Input((None, None, 3))
    x = layers.Conv2D(32, 3, padding="same", activation="relu", name="enc1", dtype=dtype)(image)
    x = layers.Conv2D(64, 4, strides=2, padding="same", activation="relu", name="enc2", dtype=dtype)(x)
    x = layers.Conv2D(128, 4, strides=2, padding="same", activation="relu", name="enc3", dtype=dtype)(x)
    x = layers.Conv2D(128, 4, strides=downsample // 4, padding="same", activation="relu", name="enc4", dtype=dtype)(x)
    mean = layers.Conv2D(latent_channels, 1, name="mean")(x)
    log_variance = layers.Conv2D(latent_channels, 1, name="log_variance")(x)
    encoder = keras.Model(image, [mean, log_variance], name="encoder")

    z = keras.Input((None, None, latent_channels))
    y = layers.Conv2D(128, 3, padding="same", activation="relu", name="dec1", dtype=dtype)(z)
    for width, name in ((128, "dec2"), (64, "dec3"), (32, "dec4")):
        if name != "dec2" or downsample == 8:
            y = layers.UpSampling2D(2, interpolation="nearest", dtype=dtype)(y)  # resize-conv: no checkerboard
        y = layers.Conv2D(width, 3, padding="same", activation="relu", name=name, dtype=dtype)(y)
        for block in range(residual if name in ("dec2", "dec3") else 0):
            r = layers.Conv2D(width, 3, padding="same", activation="relu", name=f"{name}_res{block}a", dtype=dtype)(y)
            r = layers.Conv2D(width, 3, padding="same", kernel_initializer="zeros", name=f"{name}_res{block}b",
                              dtype=dtype)(r)
            y = layers.Add(dtype=dtype)([y, r])
    y = layers.Conv2D(3, 3, padding="same", activation="sigmoid", name="rgb")(y)
    decoder = keras.Model(z, y, name="decoder")
    return encoder, decoder


class StyleVAE:
    """An encoder/decoder pair: building, saving and loading, encoding and decoding
    (methods.vae.finetune.fit trains one)."""

    def __init__(self, latent_channels: int = LATENT, dtype: str = "float32", downsample: int = 8, residual: int = 0):
        self.latent_channels, self.downsample = latent_channels, downsample
        self.encoder, self.decoder = build(latent_channels, dtype, downsample, residual)
        self.source = "not loaded (random initialisation)"

    def save(self, path: Path) -> None:
        """Atomic write of both networks' weights into one .weights.h5 file."""
        atomic_write(path, lambda temp: self._joint().save_weights(str(temp)), suffix=".weights.h5")

    def load(self, path: Path, partial: bool = False) -> int:
        """Read weights saved by `save`; partial copies only the layers whose shapes match
        (a different latent width keeps the trunk; residual blocks the file lacks keep their start).
        Returns how many layers were loaded."""
        if not partial:
            self._joint().load_weights(str(path))
            return len(self.layers())
        source = StyleVAE(latent_width(path), downsample=self.downsample, residual=residual_blocks(path))
        source.load(path)
        loaded = 0
        for name, layer in self.layers().items():
            theirs = source.layers()[name].get_weights() if name in source.layers() else []
            if theirs and [w.shape for w in theirs] == [w.shape for w in layer.get_weights()]:
                layer.set_weights(theirs)
                loaded += 1
        return loaded

    def _joint(self):
        import keras

        return keras.Model(self.encoder.inputs + self.decoder.inputs, self.encoder.outputs + self.decoder.outputs)

    def layers(self) -> dict:
        return {layer.name: layer for model in (self.encoder, self.decoder) for layer in model.layers
                if layer.get_weights()}

    def encode(self, image: np.ndarray) -> np.ndarray:
        """The mean latent map of an image (padded to a multiple of the downsampling)."""
        mean, _ = self.encoder(pad_to_multiple(image, self.downsample)[None], training=False)
        return np.asarray(mean)[0]

    def decode(self, latent: np.ndarray, shape) -> np.ndarray:
        out = np.asarray(self.decoder(latent[None], training=False))[0]
        return out[:shape[0], :shape[1]]


def latent_width(path: Path) -> int:
    """The latent channels of a saved VAE: the outputs of its 1x1 kernels (mean and log-variance, the only
    1x1 convolutions of `build`; Keras names the saved layers conv2d_N, not by their names)."""
    import h5py

    with h5py.File(path, "r") as file:
        widths = []
        file.visititems(lambda name, item: widths.append(item.shape[-1])
                        if getattr(item, "ndim", 0) == 4 and item.shape[:2] == (1, 1) else None)
    if not widths:
        raise ValueError(f"{path}: not a VAE of methods.vae (no latent layer)")
    return widths[0]


def residual_blocks(path: Path) -> int:
    """`build`'s residual argument of a saved VAE: 11 convolutions without blocks, four more per block."""
    import h5py

    with h5py.File(path, "r") as file:
        kernels = []
        file.visititems(lambda name, item: kernels.append(name) if getattr(item, "ndim", 0) == 4 else None)
    if len(kernels) < 11 or (len(kernels) - 11) % 4:
        raise ValueError(f"{path}: not a VAE of methods.vae ({len(kernels)} convolutions)")
    return (len(kernels) - 11) // 4


def load_generic() -> StyleVAE:
    """The project's generic VAE (resolved through methods.core.weights), loaded once per process."""
    return _generic(str(weights.resolve(GENERIC).path))


@functools.cache
def _generic(path: str) -> StyleVAE:
    vae = StyleVAE(LATENT, downsample=DOWNSAMPLE[GENERIC])
    vae.load(Path(path))
    vae.source = weights.resolve(GENERIC).describe()
    return vae


def paint(model: StyleVAE, content: np.ndarray, style: np.ndarray, params: dict) -> np.ndarray:
    """Encode the photo, move its latent statistics to the painting's, decode, add detail, blend."""
    latent = model.encode(content)
    if params["strength"]:
        target = latent_adain(latent, model.encode(resize_max(style, STYLE_SIDE)))
        latent = (1.0 - params["strength"]) * latent + params["strength"] * target
    image = model.decode(latent, content.shape)
    if params["detail"] and params["mode"] != "gram":  # a gram decoder draws its own detail
        detail = fine_detail(content)
        painting = fine_detail(resize_max(style, max(content.shape[:2])))  # at the photo's scale
        image = image + params["detail"] * detail_gain(detail, painting) * detail
    if params["blend"]:
        image = (1.0 - params["blend"]) * image + params["blend"] * content
    return np.clip(image, 0.0, 1.0).astype(np.float32)


def fine_detail(image: np.ndarray, sigma: float = DETAIL_SIGMA) -> np.ndarray:
    """The image minus its Gaussian blur: what a 1/8-resolution latent cannot carry."""
    from skimage.filters import gaussian

    return image - gaussian(image, sigma=sigma, channel_axis=-1, preserve_range=True)


def detail_gain(photo_detail: np.ndarray, painting_detail: np.ndarray) -> float:
    """The painting's fine-detail contrast over the photo's (ratio of deviations), within DETAIL_GAIN."""
    ratio = painting_detail.std() / max(float(photo_detail.std()), 1e-6)
    return float(np.clip(ratio, *DETAIL_GAIN))


def latent_adain(content_latent: np.ndarray, style_latent: np.ndarray) -> np.ndarray:
    """Per-channel mean and deviation of a latent map (H, W, C) replaced by the style map's; the deviations are
    sqrt(variance) + 1e-5 for the content's and sqrt(variance) for the style's, as the fine-tune learnt them."""
    return adain(content_latent, style_latent, eps=1e-5, eps_in_root=False, axes=(0, 1), style_eps=0.0)
