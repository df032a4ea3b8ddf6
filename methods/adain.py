"""AdaIN (Huang & Belongie 2017): a VGG encoder, adaptive instance normalisation, a trained decoder.

  encoder  VGG16-HED up to block4_conv1, the equivalent of the paper's VGG19 relu4_1 (the Keras
           layer applies the ReLU); Caffe preprocessing as methods.backbones.
  AdaIN    t = sigma(s) * (f(c) - mu(c)) / sigma(c) + mu(s): per channel, over space.
  decoder  the encoder mirrored (block4_conv1 back to RGB): nearest-neighbour upsampling,
           reflection-padded 3x3 convolutions with ReLU, no normalisation; trained by
           methods.adain_train on the train split (assets/adain/decoder.md is its card).
  output   decoder((1 - alpha) f(c) + alpha t); alpha = 0 decodes the photo's own features.

Two ways to run the same networks (`precision`):
  int8   the default: onnxruntime on methods.adain_export's statically quantised graphs
         (assets/adain/*_int8.onnx): on a CPU with VNNI 1.4x faster than bfloat16, 3x float32;
         on an x86 CPU with AVX2 but no VNNI onnxruntime's int8 sums saturate (its encoder's features
         miss by 20 %), so the float encoder feeds the int8 decoder there (backbones.int8_exact_cpu);
  float  TensorFlow, what training uses: bfloat16 with float32 weights where the CPU has
         bfloat16 units (AMX or AVX-512 BF16), about 7x faster than float32; elsewhere float32.
A painting's channel statistics are kept for the last PAINTINGS_KEPT paintings, so a second
photo with the same painting encodes only the photo.

Peak memory at its maximum size (a 1024 px photo, style_size 1024, `/usr/bin/time -v python -m
methods`): 2.3 GB RSS in int8 (onnxruntime's memory arena; without it 1.6 GB but 35 % slower),
1.5 GB in bfloat16.
"""
from __future__ import annotations

import functools
import hashlib
import threading
from collections import OrderedDict
from typing import Callable, NamedTuple

import numpy as np

from methods import weights
from methods.core.backbones import fast_dtype, int8_exact_cpu
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
PAINTINGS_KEPT = 16
PRECISIONS = ("int8", "float")


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
        Param("precision", "int8", "choice", "int8: quantised networks on onnxruntime (on an x86 CPU without "
              "VNNI the encoder runs in float: its int8 saturates there); float: TensorFlow, bfloat16 where the "
              "CPU has bfloat16 units, else float32", choices=PRECISIONS),
    )

    def networks(self, params):
        if params["precision"] == "int8":
            encoder = "adain_encoder_int8" if int8_exact_cpu() else "vgg16_hed"
            return (encoder, "adain_decoder_int8")
        return ("vgg16_hed", "adain_decoder")

    def load(self, params):
        return load_int8_networks() if params["precision"] == "int8" else load_networks()

    def run(self, content, style, params, on_progress, networks):
        from methods.core.ops import keep_colour

        on_progress(0.0, "encoding")
        image = stylise(networks, content, resize_max(style, params["style_size"]), params["strength"])
        if params["preserve_color"]:
            image = keep_colour(image, content)
        info = {"network": "VGG16-HED block4_conv1 encoder + project decoder",
                "weights_source": networks.source, "precision": networks.precision}
        if " from project " in networks.source:
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
    mean, deviation = statistics(features, eps)
    return (features - mean) / deviation


def statistics(features, eps: float = EPSILON):
    """(mean, deviation) per image and channel, over space, each (N, 1, 1, C)."""
    if isinstance(features, np.ndarray):  # inference: NumPy is 3x faster than eager TensorFlow ops here
        return features.mean((1, 2), keepdims=True), np.sqrt(features.var((1, 2), keepdims=True) + eps)
    import keras

    mean, var = keras.ops.moments(features, axes=(1, 2), keepdims=True)
    return mean, keras.ops.sqrt(var + eps)


def adain(content, style, eps: float = EPSILON):
    """Content features (N, H, W, C) given the style features' channel means and deviations.
    NumPy arrays in, NumPy out (inference); tensors go through keras.ops (training)."""
    mean, deviation = statistics(style, eps)
    return instance_normalised(content, eps) * deviation + mean


def stylise(networks: "Networks", content: np.ndarray, style: np.ndarray, strength: float = 1.0) -> np.ndarray:
    """One photo, one painting (HxWx3 in [0, 1]) -> the stylised photo, the photo's size, in [0, 1]."""
    height, width = content.shape[:2]
    padded = np.pad(content, ((0, -height % DOWNSAMPLE), (0, -width % DOWNSAMPLE), (0, 0)), mode="reflect")
    features = networks.encode(padded[None].astype(np.float32))
    mean, deviation = PAINTINGS.statistics(networks, style)
    target = instance_normalised(features) * deviation + mean
    out = networks.decode(((1.0 - strength) * features + strength * target).astype(np.float32))
    return np.clip(np.asarray(out, np.float32)[0, :height, :width], 0.0, 1.0)


class PaintingStatistics:
    """The block4_conv1 (mean, deviation) of the last `kept` paintings per set of networks."""

    def __init__(self, kept: int):
        self.kept, self.lock, self.entries = kept, threading.Lock(), OrderedDict()

    def statistics(self, networks: "Networks", painting: np.ndarray):
        painting = np.ascontiguousarray(painting, np.float32)
        key = (networks.source, networks.precision, painting.shape, hashlib.sha1(painting.data).hexdigest())
        with self.lock:
            if key in self.entries:
                self.entries.move_to_end(key)
                return self.entries[key]
        found = tuple(np.asarray(v, np.float32) for v in statistics(networks.encode(painting[None])))
        with self.lock:
            self.entries[key] = found
            while len(self.entries) > self.kept:
                self.entries.popitem(last=False)
        return found

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()


PAINTINGS = PaintingStatistics(PAINTINGS_KEPT)


def _forward(encoder, decoder, content, style, strength):
    import keras

    features = keras.ops.cast(encoder(content)[CONTENT_LAYER], "float32")  # statistics in float32
    target = adain(features, keras.ops.cast(encoder(style)[CONTENT_LAYER], "float32"))
    return decoder((1.0 - strength) * features + strength * target)


def build_encoder(dtype: str = "float32"):
    """VGG16-HED to block4_conv1 as a Keras model: RGB [0, 1] in, {layer: features / its
    FEATURE_MEANS} out (all ENCODER_LAYERS), weights from methods.backbones' VGG16-HED, frozen."""
    import keras

    from methods.core.backbones import CAFFE_MEAN_BGR, full_vgg

    vgg, _ = full_vgg("vgg16_hed")
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

    from methods.core.ops import reflection_pad_layer

    pad = reflection_pad_layer()
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
    encode: Callable  # RGB batch (N, H, W, 3) in [0, 1] -> block4_conv1 features / FEATURE_MEANS, float32
    decode: Callable  # such features -> RGB batch, unclipped
    precision: str
    source: str  # where the decoder came from


@functools.cache
def load_networks(decoder_path: str | None = None) -> Networks:
    """The Keras networks (precision "float"), built once per process; the decoder from the
    weights chain unless a path is given (a training checkpoint's, to score it)."""
    import tensorflow as tf

    dtype = fast_dtype()
    precision = "bfloat16" if dtype == "mixed_bfloat16" else "float32"
    if decoder_path is None:
        resolved = weights.resolve("adain_decoder")
        decoder_path, source = resolved.path, resolved.describe()
    else:
        source = str(decoder_path)
    decoder = read_decoder(decoder_path, dtype)
    decode = tf.function(lambda x: decoder(x), reduce_retracing=True)
    return Networks(float_encoder(), lambda x: np.asarray(decode(x)), precision, source)


@functools.cache
def float_encoder() -> Callable:
    """The Keras encoder (bfloat16 where the CPU has bfloat16 units), built once per process and
    shared by every decoder, the int8 one included where its int8 encoder is not exact."""
    import keras
    import tensorflow as tf

    encoder = build_encoder(fast_dtype())
    encode = tf.function(lambda x: keras.ops.cast(encoder(x)[CONTENT_LAYER], "float32"), reduce_retracing=True)
    return lambda x: np.asarray(encode(x))


@functools.cache
def load_int8_networks() -> Networks:
    """methods.adain_export's int8 graphs on onnxruntime; the float encoder where they are not exact."""
    decoder = onnx_network("adain_decoder_int8")
    source = weights.resolve("adain_decoder_int8").describe()
    if not int8_exact_cpu():  # the decoder's int8 stays within 0.01 of float there; the encoder does not
        return Networks(float_encoder(), decoder, "int8 decoder, float encoder (this CPU has no VNNI, "
                        "on which onnxruntime's int8 encoder saturates)", source)
    return Networks(onnx_network("adain_encoder_int8"), decoder, "int8 (onnxruntime)", source)


def onnx_network(name: str):
    """An int8 graph of methods.adain_export on onnxruntime, as a function of NHWC batches (NCHW inside)."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.log_severity_level = 3
    session = ort.InferenceSession(str(weights.resolve(name).path), options)
    nchw = lambda x: np.ascontiguousarray(x.transpose(0, 3, 1, 2))  # noqa: E731
    return lambda x: session.run(None, {"x": nchw(x)})[0].transpose(0, 2, 3, 1)
