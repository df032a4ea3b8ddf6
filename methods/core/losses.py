"""Perceptual losses as pure Keras-ops functions (any Keras backend); each returns (total, {part: value}).
Keras loads on the first call, so importing this module loads nothing.

Every layer's content and style loss is divided by its target's mean square, so each is a
relative error near 1 for unrelated images whatever the backbone's activation scale: the same
weights suit VGG16-HED and VGG19, and every layer counts alike (Gatys et al. weight them
equally). The structure loss normalises the features instead (near 2 for unrelated images).
"""
from __future__ import annotations

from methods.core.ops import instance_normalised


def gram(features, dtype: str | None = None):
    """(N, H, W, C) -> (N, C, C) float32, averaged over positions so image size does not matter.
    dtype "bfloat16" multiplies in bfloat16 (features cast to it; the sums come back as float32): on a
    CPU with bfloat16 units about twice as fast as float32, for an optimisation that computes Grams at
    every step."""
    from keras import ops

    shape = ops.shape(features)
    if dtype is not None:
        features = ops.cast(features, dtype)
    positions = ops.cast(shape[1] * shape[2], "float32")
    return ops.cast(ops.einsum("nhwc,nhwd->ncd", features, features), "float32") / positions


def relative_mse(value, target):
    from keras import ops

    return ops.mean(ops.square(value - target)) / (ops.mean(ops.square(target)) + 1e-8)


def content_loss(features: dict, targets: dict):
    parts = {f"content_{name}": relative_mse(features[name], target) for name, target in targets.items()}
    return sum(parts.values()) / len(parts), parts


def style_loss(features: dict, target_grams: dict, dtype: str | None = None):
    """Mean over layers of the relative Gram error; targets are precomputed Gram matrices (float32);
    `dtype` is the precision of the image's Gram products (see gram)."""
    parts = {f"style_{name}": relative_mse(gram(features[name], dtype), target)
             for name, target in target_grams.items()}
    return sum(parts.values()) / len(parts), parts


def structure_loss(features: dict, targets: dict):
    """Mean over layers of the squared error of instance-normalised features (zero mean, unit deviation per
    channel over space): the target's layout whatever its feature statistics, which a style loss moves
    (as StyTr2's content loss; near 2 for unrelated images, 0 for the same layout)."""
    from keras import ops

    def normalised(x):
        return instance_normalised(ops.cast(x, "float32"))

    parts = {f"structure_{name}": ops.mean(ops.square(normalised(features[name]) - normalised(target)))
             for name, target in targets.items()}
    return sum(parts.values()) / len(parts), parts


def tv_loss(images):
    """Mean absolute difference of neighbouring pixels (anisotropic total variation)."""
    from keras import ops

    dy = ops.mean(ops.abs(images[:, 1:] - images[:, :-1]))
    dx = ops.mean(ops.abs(images[:, :, 1:] - images[:, :, :-1]))
    return dx + dy
