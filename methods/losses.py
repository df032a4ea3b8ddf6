"""Perceptual losses as pure TensorFlow functions; each returns (total, {part: value}).

Every layer's loss is divided by its target's mean square, so each is a relative error
near 1 for unrelated images whatever the backbone's activation scale: the same weights
suit VGG16-HED and VGG19, and every layer counts alike (Gatys et al. weight them equally).
"""
from __future__ import annotations

import tensorflow as tf


def gram(features: tf.Tensor) -> tf.Tensor:
    """(N, H, W, C) -> (N, C, C), averaged over positions so image size does not matter."""
    positions = tf.cast(tf.shape(features)[1] * tf.shape(features)[2], features.dtype)
    return tf.einsum("nhwc,nhwd->ncd", features, features) / positions


def relative_mse(value: tf.Tensor, target: tf.Tensor) -> tf.Tensor:
    return tf.reduce_mean(tf.square(value - target)) / (tf.reduce_mean(tf.square(target)) + 1e-8)


def content_loss(features: dict, targets: dict):
    parts = {f"content_{name}": relative_mse(features[name], target) for name, target in targets.items()}
    return tf.add_n(list(parts.values())) / len(parts), parts


def style_loss(features: dict, target_grams: dict):
    """Mean over layers of the relative Gram error; targets are precomputed Gram matrices."""
    parts = {f"style_{name}": relative_mse(gram(features[name]), target) for name, target in target_grams.items()}
    return tf.add_n(list(parts.values())) / len(parts), parts


def tv_loss(images: tf.Tensor) -> tf.Tensor:
    """Mean absolute difference of neighbouring pixels (anisotropic total variation)."""
    dy = tf.reduce_mean(tf.abs(images[:, 1:] - images[:, :-1]))
    dx = tf.reduce_mean(tf.abs(images[:, :, 1:] - images[:, :, :-1]))
    return dx + dy
