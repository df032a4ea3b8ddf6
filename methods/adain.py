"""AdaIN (Huang & Belongie 2017): a VGG encoder, adaptive instance normalisation, a trained decoder.

  encoder  VGG16-HED up to block4_conv1, the equivalent of the paper's VGG19 relu4_1 (the Keras
           layer applies the ReLU); Caffe preprocessing as methods.backbones.
  AdaIN    t = sigma(s) * (f(c) - mu(c)) / sigma(c) + mu(s): per channel, over space.
  decoder  the encoder mirrored (block4_conv1 back to RGB): nearest-neighbour upsampling,
           reflection-padded 3x3 convolutions with ReLU, no normalisation; trained by
           methods.adain_train on the train split (assets/adain/decoder.md is its card).
  output   decoder((1 - alpha) f(c) + alpha t); alpha = 0 decodes the photo's own features.

Where the CPU has bfloat16 matrix units (AMX or AVX-512 BF16) the networks compute in
bfloat16 with float32 weights, about 7x faster than float32 on 2 cores; elsewhere in float32.

Peak memory at its maximum size (a 1024 px photo, style_size 1024, `/usr/bin/time -v python -m
methods`): 1.35 GB RSS (bfloat16).
"""
from __future__ import annotations

import functools
from typing import Any, Callable, NamedTuple

import numpy as np

from methods import weights
from methods.backbones import fast_dtype
from methods.base import Method, Param
from methods.images import resize_max

ENCODER_LAYERS = ("block1_conv1", "block1_conv2", "block2_conv1", "block2_conv2",
                  "block3_conv1", "block3_conv2", "block3_conv3", "block4_conv1")
STYLE_LAYERS = ("block1_conv1", "block2_conv1", "block3_conv1", "block4_conv1")  # the paper's relu1_1..relu4_1
CONTENT_LAYER = "block4_conv1"
# Mean activation of each layer over random 256 px crops of the train photos and paintings.
# The encoder divides its outputs by these, as the paper's normalised VGG does in its weights
# (Gatys et al.): every layer then counts about equally in the style loss and the content and
# style weights mean what they mean in the paper. Unnormalised, block1's 14x larger
# activations made the style loss swamp the content loss, and the decoder hardly learned to
# reconstruct the photo (2000 steps, SSIM 0.1).
FEATURE_MEANS = {"block1_conv1": 14.09, "block1_conv2": 17.05, "block2_conv1": 13.40, "block2_conv2": 4.21,
                 "block3_conv1": 7.95, "block3_conv2": 6.82, "block3_conv3": 2.49, "block4_conv1": 4.33}
DOWNSAMPLE = 8  # three 2x2 max-pools
EPSILON = 1e-5


class AdaIN(Method):
    name = "adain"
    title = "AdaIN (Huang & Belongie)"
    family = "fast arbitrary feed-forward (encoder, AdaIN, decoder)"
    description = ("Huang & Belongie 2017: VGG16-HED features to block4_conv1, their channel means and "
                   "deviations replaced by the painting's, decoded by a decoder this project trained (4.6 h on 2 CPU "
                   "cores). A weak decoder so far: it puts strokes on the photo but keeps little of its detail; each "
                   "output's note gives its measured figures against the project's bars.")
    params = (
        Param("strength", 1.0, "float", "alpha: 0 decodes the photo's own features, 1 the fully "
              "re-normalised ones", 0.0, 1.0),
        Param("preserve_color", False, "bool", "keep the photo's colours, transfer luminance only"),
        Param("style_size", 512, "int", "the painting's long side before encoding: larger reads finer strokes",
              128, 1024),
    )

    def networks(self, params):
        return ("vgg16_hed", "adain_decoder")

    def load(self, params):
        return load_networks()

    def run(self, content, style, params, on_progress, networks):
        from methods.magenta import keep_colour

        on_progress(0.0, "encoding")
        image = stylise(networks.forward, content, resize_max(style, params["style_size"]), params["strength"])
        if params["preserve_color"]:
            image = keep_colour(image, content)
        info = {"network": "VGG16-HED block4_conv1 encoder + project decoder",
                "weights_source": networks.source, "precision": networks.precision}
        if networks.source.startswith("adain_decoder from project"):
            info["note"] = project_decoder_note()
        return image, info


@functools.cache
def project_decoder_note() -> str:
    """The shipped decoder's measured figures in words, read once per process like its weights."""
    return measured_sentence(weights.model_card("adain_decoder"))


def measured_sentence(card: dict) -> str:
    """What the decoder's card says benchmarks/adain_bars.py measured, in words; the bars are the issue's."""
    try:
        (won, total), ssim = map(int, card["eval_wins"].split("/")), float(card["eval_ssim"])
    except (KeyError, ValueError):
        return ""
    weak = " A weak decoder: below the project's bars." if won < 0.8 * total or ssim < 0.35 else ""
    return (f"On {total} pairs of paintings and photos it never saw, this decoder beat a plain colour transfer on all "
            f"three style scores on {won} (bar: 80 %), median SSIM {ssim:.2f} (bar 0.35).{weak}")


def instance_normalised(features, eps: float = EPSILON):
    """Features (N, H, W, C) with zero mean and unit deviation per image and channel, over space."""
    import keras

    mean, var = keras.ops.moments(features, axes=(1, 2), keepdims=True)
    return (features - mean) / keras.ops.sqrt(var + eps)


def adain(content, style, eps: float = EPSILON):
    """Content features (N, H, W, C) given the style features' channel means and deviations.
    Works on NumPy arrays and tensors alike (keras.ops)."""
    import keras

    s_mean, s_var = keras.ops.moments(style, axes=(1, 2), keepdims=True)
    return instance_normalised(content, eps) * keras.ops.sqrt(s_var + eps) + s_mean


def stylise(forward, content: np.ndarray, style: np.ndarray, strength: float = 1.0) -> np.ndarray:
    """One photo, one painting (HxWx3 in [0, 1]) -> the stylised photo, the photo's size, in [0, 1].
    `forward` is Networks.forward."""
    height, width = content.shape[:2]
    padded = np.pad(content, ((0, -height % DOWNSAMPLE), (0, -width % DOWNSAMPLE), (0, 0)), mode="reflect")
    out = forward(padded[None].astype(np.float32), style[None].astype(np.float32),
                   np.float32(strength))
    return np.clip(np.asarray(out, np.float32)[0, :height, :width], 0.0, 1.0)


def _forward(encoder, decoder, content, style, strength):
    import keras

    features = keras.ops.cast(encoder(content)[CONTENT_LAYER], "float32")  # statistics in float32
    target = adain(features, keras.ops.cast(encoder(style)[CONTENT_LAYER], "float32"))
    return decoder((1.0 - strength) * features + strength * target)


def build_encoder(dtype: str = "float32"):
    """VGG16-HED to block4_conv1 as a Keras model: RGB [0, 1] in, {layer: features / its
    FEATURE_MEANS} out (all ENCODER_LAYERS), weights from methods.backbones' VGG16-HED, frozen."""
    import keras

    from methods.backbones import CAFFE_MEAN_BGR, _vgg

    vgg, _ = _vgg("vgg16_hed")
    inputs = keras.Input((None, None, 3))
    x = keras.ops.flip(inputs, axis=-1) * 255.0 - CAFFE_MEAN_BGR
    outputs = {}
    for name in ENCODER_LAYERS:
        if name.endswith("_conv1") and name != "block1_conv1":
            x = keras.layers.MaxPooling2D(2, name=name.replace("_conv1", "_pool_in"), dtype=dtype)(x)
        source = vgg.get_layer(name)
        layer = keras.layers.Conv2D(source.filters, 3, padding="same", activation="relu", name=name, dtype=dtype)
        x = layer(x)
        layer.set_weights(source.get_weights())
        outputs[name] = x * (1.0 / FEATURE_MEANS[name])
    encoder = keras.Model(inputs, outputs, name="adain_encoder")
    encoder.trainable = False
    return encoder


def build_decoder(dtype: str = "float32"):
    """block4_conv1 features (512 channels, normalised as the encoder's) -> RGB: the encoder's convolutions in reverse order, a
    nearest-neighbour 2x upsampling where the encoder pools; the last convolution is linear."""
    import keras

    from methods.cyclegan import _reflection_pad_layer

    pad = _reflection_pad_layer()
    widths = [(256, "block4"), "up", (256, "block3_3"), (256, "block3_2"), (128, "block3_1"), "up",
              (128, "block2_2"), (64, "block2_1"), "up", (64, "block1_2"), (3, "block1_1")]
    inputs = keras.Input((None, None, 512))
    x, ups = inputs, 0
    for spec in widths:
        if spec == "up":
            ups += 1
            x = keras.layers.UpSampling2D(2, interpolation="nearest", name=f"up{ups}", dtype=dtype)(x)
            continue
        filters, mirrored = spec
        x = pad(1, name=f"dec_{mirrored}_pad", dtype=dtype)(x)
        x = keras.layers.Conv2D(filters, 3, activation=None if filters == 3 else "relu",
                                name=f"dec_{mirrored}", dtype=dtype)(x)
    outputs = keras.layers.Activation("linear", dtype="float32", name="rgb")(x)
    return keras.Model(inputs, outputs, name="adain_decoder")


def save_decoder(decoder, path, **meta) -> None:
    """float16 weights (half the size; outputs differ from float32 by under 1/255) plus `meta`."""
    arrays = {f"w{i:03d}": np.asarray(w, np.float16) for i, w in enumerate(decoder.get_weights())}
    with open(path, "wb") as file:  # a file object: np.savez would add .npz to a name
        np.savez(file, **{k: np.asarray(v) for k, v in meta.items()}, **arrays)


def read_decoder(path, dtype: str = "float32"):
    """A decoder from save_decoder's .npz, or from a training checkpoint's .weights.h5."""
    decoder = build_decoder(dtype)
    if str(path).endswith(".weights.h5"):
        decoder.load_weights(str(path))
        return decoder
    with np.load(path, allow_pickle=False) as file:
        decoder.set_weights([file[f"w{i:03d}"].astype(np.float32) for i in range(len(decoder.weights))])
    return decoder


class Networks(NamedTuple):
    encoder: Any
    decoder: Any
    forward: Callable  # (content batch, style batch, alpha) -> decoded batch, one compiled graph
    precision: str
    source: str  # where the decoder came from


@functools.cache
def load_networks(decoder_path: str | None = None) -> Networks:
    """Built once per process; the decoder from the weights chain unless a path is given (a
    training checkpoint's, to score it)."""
    import tensorflow as tf

    dtype = fast_dtype()
    precision = "bfloat16" if dtype == "mixed_bfloat16" else "float32"
    encoder = build_encoder(dtype)
    if decoder_path is None:
        resolved = weights.resolve("adain_decoder")
        decoder_path, source = resolved.path, resolved.describe()
    else:
        source = str(decoder_path)
    decoder = read_decoder(decoder_path, dtype)
    forward = tf.function(lambda c, s, a: _forward(encoder, decoder, c, s, a), reduce_retracing=True)
    return Networks(encoder, decoder, forward, precision, source)
