"""Channel statistics, instance normalisation, AdaIN, reflection padding and colour keeping.

NumPy arrays take NumPy (inference: 3x faster than eager TensorFlow ops at these sizes), tensors
take keras.ops (training, inside compiled steps); Keras loads on the first tensor. Features are
(N, H, W, C) with their statistics over space, axes (1, 2); a single map (H, W, C) passes
axes=(0, 1). Statistics keep their reduced axes, so they broadcast against the features.

A channel's deviation takes one of two forms, and each network keeps the one it was trained with:
  sqrt(variance + eps)  eps_in_root=True, the default: Huang & Belongie's AdaIN and its decoder;
  sqrt(variance) + eps  eps_in_root=False: the VAE's AdaIN on its latent maps.
"""
from __future__ import annotations

import functools

import numpy as np

EPSILON = 1e-5  # PyTorch's InstanceNorm2d's, and AdaIN's
SPATIAL = (1, 2)  # the height and width axes of (N, H, W, C)


def channel_statistics(features, eps: float = EPSILON, eps_in_root: bool = True, axes=SPATIAL):
    """(mean, deviation) of each channel over `axes`, reduced axes kept: (N, 1, 1, C) for (N, H, W, C)."""
    if isinstance(features, np.ndarray):
        mean, variance, sqrt = features.mean(axes, keepdims=True), features.var(axes, keepdims=True), np.sqrt
    else:
        import keras

        mean, variance = keras.ops.moments(features, axes=axes, keepdims=True)
        sqrt = keras.ops.sqrt
    return mean, (sqrt(variance + eps) if eps_in_root else sqrt(variance) + eps)


def instance_normalised(features, eps: float = EPSILON, eps_in_root: bool = True, axes=SPATIAL):
    """Features with zero mean and unit deviation per image and channel, over space."""
    mean, deviation = channel_statistics(features, eps, eps_in_root, axes)
    return (features - mean) / deviation


def renormalised(features, mean, deviation, eps: float = EPSILON, eps_in_root: bool = True, axes=SPATIAL):
    """Features whose channels take the given mean and deviation: AdaIN with the style's statistics at hand."""
    return instance_normalised(features, eps, eps_in_root, axes) * deviation + mean


def adain(content, style, eps: float = EPSILON, eps_in_root: bool = True, axes=SPATIAL, style_eps: float | None = None):
    """Adaptive instance normalisation (Huang & Belongie 2017): the content features with each channel's
    mean and deviation replaced by the style features'. style_eps: the style deviation's eps, if not eps."""
    mean, deviation = channel_statistics(style, eps if style_eps is None else style_eps, eps_in_root, axes)
    return renormalised(content, mean, deviation, eps, eps_in_root, axes)


def pad_to_multiple(image: np.ndarray, multiple: int) -> np.ndarray:
    """An HxWx3 image reflect-padded at the bottom and right to sides that are multiples of `multiple`
    (a network's total stride); crop its output back to HxW."""
    height, width = image.shape[:2]
    return np.pad(image, ((0, -height % multiple), (0, -width % multiple), (0, 0)), mode="reflect")


@functools.cache
def reflection_pad_layer():
    """The Keras layer class ReflectionPad(pad): PyTorch's ReflectionPad2d on (N, H, W, C). Made on
    first use, so importing this module loads no Keras."""
    import keras

    class ReflectionPad(keras.layers.Layer):
        def __init__(self, pad: int, **kwargs):
            super().__init__(**kwargs)
            self.pad = pad

        def call(self, x):
            p = self.pad
            return keras.ops.pad(x, ((0, 0), (p, p), (p, p), (0, 0)), mode="reflect")

        def compute_output_shape(self, shape):
            return (shape[0], *(None if side is None else side + 2 * self.pad for side in shape[1:3]), shape[3])

        def get_config(self):
            return {**super().get_config(), "pad": self.pad}

    return ReflectionPad


def keep_colour(stylised: np.ndarray, content: np.ndarray) -> np.ndarray:
    """Luminance from the stylised image, chrominance from the content (YUV)."""
    from skimage.color import rgb2yuv, yuv2rgb

    yuv = rgb2yuv(content)
    yuv[..., 0] = rgb2yuv(stylised)[..., 0]
    return np.clip(yuv2rgb(yuv), 0.0, 1.0).astype(np.float32)
