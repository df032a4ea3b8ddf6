"""CycleGAN's ResNet generator (Zhu et al. 2017) and how a photo goes through it.

`build_generator` is the paper's network as a Keras model; `translate` runs it on a photo of any
size. Calling the Keras model at 1024 px took 6.8-10.6 GB, because a functional model keeps every
activation until it returns; `forward` runs the layers one by one and frees each activation once
used (2.4 GB peak at 1024x1024 with vintagify's generator, ngf 64, 9 blocks). Up to TILE px (the
largest photo a method is given, methods.core.images.MAX_SIDE) a photo goes through in one exact pass;
a larger one in TILE px tiles overlapping by OVERLAP px (see _tiled), so translate's memory stays
that of one TILE px pass whatever the photo's size.
"""
from __future__ import annotations

import numpy as np

from methods.core.images import resize, scaled_size
from methods.core.ops import pad_to_multiple, reflection_pad_layer

EPSILON = 1e-5  # PyTorch InstanceNorm2d's, so converted checkpoints match
TILE = 1024
OVERLAP = 128
STRIDE = 4  # two stride-2 convolutions: tiles start on this grid to sample like the whole pass


def build_generator(ngf: int = 64, n_blocks: int = 9, upsample: str = "transpose"):
    """The paper's ResNet generator as a Keras model on (N, H, W, 3) in [-1, 1], H and W multiples of 4.

    upsample "transpose": the paper's stride-2 transposed convolutions (vintagify's layout);
    "resize": nearest-neighbour doubling then a 3x3 convolution (Odena et al. 2016), the
    project's generators: same parameters, no checkerboard. On 2-core training budgets the
    transposed version still drew a pixel grid that the texture score reads as texture.
    """
    import keras
    from keras import layers

    def norm(name):  # instance normalisation, affine like vintagify's (identity-initialised)
        return layers.GroupNormalization(groups=-1, epsilon=EPSILON, name=name)

    ReflectionPad = reflection_pad_layer()  # noqa: N806 (a class)
    inputs = keras.Input((None, None, 3))
    x = ReflectionPad(3)(inputs)
    x = layers.Conv2D(ngf, 7, name="stem_conv")(x)
    x = layers.ReLU()(norm("stem_norm")(x))
    for i, filters in enumerate((ngf * 2, ngf * 4), 1):
        x = layers.ZeroPadding2D(1)(x)
        x = layers.Conv2D(filters, 3, strides=2, name=f"down{i}_conv")(x)
        x = layers.ReLU()(norm(f"down{i}_norm")(x))
    for i in range(n_blocks):
        y = layers.Conv2D(ngf * 4, 3, name=f"res{i}_conv1")(ReflectionPad(1)(x))
        y = layers.ReLU()(norm(f"res{i}_norm1")(y))
        y = layers.Conv2D(ngf * 4, 3, name=f"res{i}_conv2")(ReflectionPad(1)(y))
        x = layers.Add()([x, norm(f"res{i}_norm2")(y)])
    for i, filters in enumerate((ngf * 2, ngf), 1):
        if upsample == "resize":
            x = layers.UpSampling2D(2, interpolation="nearest")(x)
            x = layers.Conv2D(filters, 3, name=f"up{i}_conv")(ReflectionPad(1)(x))
        else:
            # PyTorch's ConvTranspose2d(3, stride 2, padding 1, output_padding 1) is the full
            # ("valid") transposed convolution minus its first row and column.
            x = layers.Conv2DTranspose(filters, 3, strides=2, name=f"up{i}_conv")(x)
            x = layers.Cropping2D(((1, 0), (1, 0)))(x)
        x = layers.ReLU()(norm(f"up{i}_norm")(x))
    x = layers.Conv2D(3, 7, name="out_conv")(ReflectionPad(3)(x))
    model = keras.Model(inputs, layers.Activation("tanh")(x), name=f"cyclegan_resnet_{ngf}_{n_blocks}")
    model.ngf, model.n_blocks, model.upsample = ngf, n_blocks, upsample
    model.meta = {}  # what a project file says of it
    return model


def conv_layers(model):
    return [layer for layer in model.layers if layer.name.endswith(("_conv", "_conv1", "_conv2"))]


def norm_layers(model):
    return [layer for layer in model.layers if "_norm" in layer.name]


def _to_network(image: np.ndarray) -> np.ndarray:
    return image * 2.0 - 1.0


def _from_network(output: np.ndarray) -> np.ndarray:
    return np.clip((np.asarray(output) + 1.0) / 2.0, 0.0, 1.0).astype(np.float32)


def translate(generator, image: np.ndarray, side: int | None = None, on_tile=None) -> np.ndarray:
    """float32 HxWx3 in [0, 1] -> the generator's translation, same size.

    side: translate at this long side and resize the result back (a generator's training scale).
    Over TILE px the photo goes through in overlapping tiles (see _tiled); on_tile(done, total)
    is called before each tile pass.
    """
    height, width = image.shape[:2]
    if side and max(height, width) != side:
        size = scaled_size((height, width), side / max(height, width), f"at the generator's {side} px scale")
        return resize(translate(generator, resize(image, size), on_tile=on_tile), (height, width))
    if max(height, width) <= TILE:
        return _whole(generator, image)
    return _tiled(generator, image, on_tile)


def _whole(generator, image: np.ndarray, stats=None) -> np.ndarray:
    """One pass over the image (reflect-padded to a multiple of STRIDE)."""
    height, width = image.shape[:2]
    output, _ = forward(generator, _to_network(_pad(image))[None], stats)
    return _from_network(output)[0, :height, :width]


def _tiled(generator, image: np.ndarray, on_tile=None) -> np.ndarray:
    """Overlapping TILE px tiles normalised with statistics pooled over all the tiles.

    Instance normalisation makes every layer depend on statistics over the whole image; a
    tile's own statistics differ from them (a sky tile, a field tile) and tiles would differ
    in tone. Statistics of the photo shrunk to TILE px are no cure: features change with
    scale. So a first pass runs every tile with its own statistics and pools them, area
    weighted, into each norm layer's mean and variance over the photo at full size; the
    second pass normalises every tile with those. Tiles start on the STRIDE grid so they
    downsample exactly as the whole pass does, and overlap by OVERLAP px (more than the
    generator's reach of about 90 px), blended with a linear ramp that gives a tile's border
    pixels, computed against reflection padding instead of their neighbours, the least
    weight. Measured against one whole pass (vintage, a 640 px photo, 320 px tiles, 64 px
    overlap): mean absolute difference 0.008 pooled, 0.015 with each tile's own statistics,
    0.025 with statistics of the photo at 320 px; 0.0005 given the exact statistics.
    """
    height, width = image.shape[:2]
    padded = _pad(image)
    tiles = [(top, left) for top in _starts(padded.shape[0]) for left in _starts(padded.shape[1])]
    sums, pixels = None, 0
    for done, (top, left) in enumerate(tiles):
        if on_tile:
            on_tile(done, 2 * len(tiles))
        tile = padded[top:top + TILE, left:left + TILE]
        _, own = forward(generator, _to_network(tile)[None])
        area = tile.shape[0] * tile.shape[1]
        parts = [(area * mean, area * (variance + mean * mean)) for mean, variance in own]
        sums = parts if sums is None else [(a + m, b + v) for (a, b), (m, v) in zip(sums, parts)]
        pixels += area
    pooled = [(m / pixels, v / pixels - (m / pixels) ** 2) for m, v in sums]
    output = np.zeros(padded.shape, np.float32)
    weight = np.zeros((*padded.shape[:2], 1), np.float32)
    for done, (top, left) in enumerate(tiles, len(tiles)):
        if on_tile:
            on_tile(done, 2 * len(tiles))
        tile = padded[top:top + TILE, left:left + TILE]
        ramp = _ramp(tile.shape[0])[:, None, None] * _ramp(tile.shape[1])[None, :, None]
        output[top:top + TILE, left:left + TILE] += _whole(generator, tile, pooled) * ramp
        weight[top:top + TILE, left:left + TILE] += ramp
    return (output / weight)[:height, :width]


def _pad(image: np.ndarray) -> np.ndarray:
    return pad_to_multiple(image, STRIDE)


def _starts(length: int) -> list[int]:
    """Tile offsets along a side (a multiple of STRIDE): as few tiles as overlap by at least
    OVERLAP px, evenly spread, each on the STRIDE grid."""
    if length <= TILE:
        return [0]
    count = -(-(length - OVERLAP) // (TILE - OVERLAP))
    return [STRIDE * round(i * (length - TILE) / (count - 1) / STRIDE) for i in range(count)]


def _ramp(length: int) -> np.ndarray:
    """Blending weights along a tile side: rising over the first OVERLAP px, falling over the last."""
    index = np.arange(length, dtype=np.float32)
    return np.clip(np.minimum(index + 1, length - index) / (OVERLAP + 1), 1e-3, 1.0)


def forward(generator, x, stats=None):
    """The generator's layers run one by one on x (1, H, W, 3) in [-1, 1], H and W multiples of 4.

    Same arithmetic as calling the Keras model (tests compare it with PyTorch), but each
    activation is freed as soon as the next layer has read it, which a functional model's call
    does not do; and the instance norms can take given statistics (`stats`, as returned) instead
    of the input's own, which tiling needs. Returns (output, [(mean, variance) per norm layer]).
    """
    import tensorflow as tf

    layer, used = generator.get_layer, []

    def norm(name, y):
        if stats is None:
            mean, variance = tf.nn.moments(y, axes=[1, 2], keepdims=True)
        else:
            mean, variance = stats[len(used)]
        used.append((mean, variance))
        params = layer(name)
        scale = tf.math.rsqrt(variance + params.epsilon) * params.gamma  # per channel: folded first, so
        return y * scale + (params.beta - mean * scale)  # the full-size map is touched twice, not four times

    def reflect(y, pad):
        return tf.pad(y, [[0, 0], [pad, pad], [pad, pad], [0, 0]], mode="REFLECT")

    x = tf.nn.relu(norm("stem_norm", layer("stem_conv")(reflect(tf.constant(x, tf.float32), 3))))
    for i in (1, 2):
        x = tf.nn.relu(norm(f"down{i}_norm", layer(f"down{i}_conv")(tf.pad(x, [[0, 0], [1, 1], [1, 1], [0, 0]]))))
    for i in range(generator.n_blocks):
        y = tf.nn.relu(norm(f"res{i}_norm1", layer(f"res{i}_conv1")(reflect(x, 1))))
        x = x + norm(f"res{i}_norm2", layer(f"res{i}_conv2")(reflect(y, 1)))
    for i in (1, 2):
        if generator.upsample == "resize":
            x = tf.repeat(tf.repeat(x, 2, axis=1), 2, axis=2)  # nearest-neighbour doubling
            x = tf.nn.relu(norm(f"up{i}_norm", layer(f"up{i}_conv")(reflect(x, 1))))
        else:  # PyTorch's transposed convolution: the full one minus its first row and column
            x = tf.nn.relu(norm(f"up{i}_norm", layer(f"up{i}_conv")(x)[:, 1:, 1:, :]))
    return tf.tanh(layer("out_conv")(reflect(x, 3))).numpy(), used


