"""AdaIN (Huang & Belongie 2017): a VGG encoder, adaptive instance normalisation, a trained decoder.

  encoder  VGG16-HED up to block4_conv1 (methods.adain.model).
  AdaIN    t = sigma(s) * (f(c) - mu(c)) / sigma(c) + mu(s): per channel, over space (methods.core.ops).
  decoder  the encoder mirrored, trained by methods.adain.train on the train split
           (assets/adain/decoder.md is its card).
  output   decoder((1 - alpha) f(c) + alpha t); alpha = 0 decodes the photo's own features.

Two ways to run the same networks (`precision`):
  int8   the default: onnxruntime on methods.adain.export's statically quantised graphs
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
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from methods.adain.model import CONTENT_LAYER, DOWNSAMPLE, build_encoder, read_decoder
from methods.base import Method, Param
from methods.core import weights
from methods.core.backbones import fast_dtype, int8_exact_cpu
from methods.core.files import pixel_key
from methods.core.images import resize_max
from methods.core.ops import channel_statistics, keep_colour, pad_to_multiple, renormalised

PAINTINGS_KEPT = 16
PRECISIONS = ("int8", "float")


class AdaIN(Method):
    name = "adain"
    title = "AdaIN (Huang & Belongie)"
    family = "fast arbitrary feed-forward (encoder, AdaIN, decoder)"
    description = ("Huang & Belongie 2017: VGG16-HED features to block4_conv1, their channel means and "
                   "deviations replaced by the painting's, decoded by a decoder this project trained (4.6 h on 2 CPU "
                   "cores). A weak decoder so far: it puts strokes on the photo but keeps little of its detail; each "
                   "output's note gives its measured figures against the project's targets.")
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
    """What the decoder's card says benchmarks/adain_quality.py measured, in words."""
    try:
        (won, total), ssim = map(int, card["eval_wins"].split("/")), float(card["eval_ssim"])
    except (KeyError, ValueError):
        return ""
    weak = " A weak decoder: below the project's targets." if won < 0.8 * total or ssim < 0.35 else ""
    return (f"On {total} pairs of paintings and photos it never saw, this decoder beat a plain colour transfer on all "
            f"three style scores on {won} (target: 80 %), median SSIM {ssim:.2f} (target: 0.35).{weak}")


def stylise(networks: Networks, content: np.ndarray, style: np.ndarray, strength: float = 1.0) -> np.ndarray:
    """One photo, one painting (HxWx3 in [0, 1]) -> the stylised photo, the photo's size, in [0, 1]."""
    height, width = content.shape[:2]
    padded = pad_to_multiple(content, DOWNSAMPLE)
    features = networks.encode(padded[None].astype(np.float32))
    mean, deviation = PAINTINGS.statistics(networks, style)
    target = renormalised(features, mean, deviation)
    out = networks.decode(((1.0 - strength) * features + strength * target).astype(np.float32))
    return np.clip(np.asarray(out, np.float32)[0, :height, :width], 0.0, 1.0)


class PaintingStatistics:
    """The block4_conv1 (mean, deviation) of the last `kept` paintings per set of networks."""

    def __init__(self, kept: int):
        self.kept, self.lock, self.entries = kept, threading.Lock(), OrderedDict()

    def statistics(self, networks: Networks, painting: np.ndarray):
        painting = np.ascontiguousarray(painting, np.float32)
        key = (networks.source, networks.precision, painting.shape, pixel_key(painting))
        with self.lock:
            if key in self.entries:
                self.entries.move_to_end(key)
                return self.entries[key]
        found = tuple(np.asarray(v, np.float32) for v in channel_statistics(networks.encode(painting[None])))
        with self.lock:
            self.entries[key] = found
            while len(self.entries) > self.kept:
                self.entries.popitem(last=False)
        return found

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()


PAINTINGS = PaintingStatistics(PAINTINGS_KEPT)


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
    """methods.adain.export's int8 graphs on onnxruntime; the float encoder where they are not exact."""
    decoder = onnx_network("adain_decoder_int8")
    source = weights.resolve("adain_decoder_int8").describe()
    if not int8_exact_cpu():  # the decoder's int8 stays within 0.01 of float there; the encoder does not
        return Networks(float_encoder(), decoder, "int8 decoder, float encoder (this CPU has no VNNI, "
                        "on which onnxruntime's int8 encoder saturates)", source)
    return Networks(onnx_network("adain_encoder_int8"), decoder, "int8 (onnxruntime)", source)


def onnx_network(name: str):
    """An int8 graph of methods.adain.export on onnxruntime, as a function of NHWC batches (NCHW inside)."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.log_severity_level = 3
    network = ort.InferenceSession(str(weights.resolve(name).path), options)
    nchw = lambda x: np.ascontiguousarray(x.transpose(0, 3, 1, 2))  # noqa: E731
    return lambda x: network.run(None, {"x": nchw(x)})[0].transpose(0, 2, 3, 1)
