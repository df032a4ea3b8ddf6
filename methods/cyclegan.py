"""CycleGAN (Zhu et al. 2017): a generator that translates photos into one fixed domain.

The generator is the paper's ResNet generator. It was trained on two unpaired image
collections, so it cannot read an arbitrary style image: it always paints in the domain
it learned. `auto` picks the project's own model trained on the chosen painting when
there is one (recognised by a thumbnail fingerprint), else vintagify's vintage-photo one.

Peak memory at its maximum size (a 1024x1024 photo, `/usr/bin/time -v python -m methods`):
2.4 GB RSS with vintagify's generator (ngf 64, 9 blocks; the official ones have the same
shape), 0.95 GB with a project generator (it works at 512 px). Calling the Keras model at
1024 px took 6.8-10.6 GB, because a functional model keeps every activation until it
returns; `forward` runs the layers one by one and frees each activation once used.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from methods import weights
from methods.base import Method, MethodError, Param
from methods.images import load_image, resize, scaled_size

EPSILON = 1e-5  # PyTorch InstanceNorm2d's, so converted checkpoints match
# Up to TILE px (the largest photo a method is given, methods.images.MAX_SIDE) one exact pass,
# layer by layer (`forward`): 2.4 GB peak at 1024x1024, where calling the Keras model took
# 6.8-10.6 GB. A larger photo goes through in TILE px tiles overlapping by OVERLAP px (see
# _tiled), so translate's memory stays that of one TILE px pass whatever the photo's size.
TILE = 1024
OVERLAP = 128
STRIDE = 4  # two stride-2 convolutions: tiles start on this grid to sample like the whole pass
UPSTREAM = ("vintage", "monet", "vangogh", "ukiyoe", "cezanne")
FINGERPRINT_SIDE = 16
# Mean squared difference (images in [0, 1]) below which a style image counts as the
# painting a project model was trained on. Resizing the same painting stays near 1e-4;
# the shared paintings differ from each other by more than 1e-2 (measured, see tests).
FINGERPRINT_THRESHOLD = 2e-3


@dataclass(frozen=True)
class ProjectModel:
    """A generator trained by methods.cyclegan_train, committed under assets/cyclegan/."""

    painting: str
    ngf: int
    n_blocks: int
    # The painting's long side in training (cyclegan_train --max-side): the generator draws its
    # strokes at that scale, so photos are translated at that size. Measured on the eval's 8 photos
    # at 256 px, The Starry Night: mean style-loss ratio 1.30 -> 0.48, SSIM 0.27 -> 0.48.
    side: int = 512


PROJECT_MODELS = {
    "starry_night": ProjectModel("Vincent van Gogh, The Starry Night (1889)", ngf=32, n_blocks=6),
    "great_wave": ProjectModel("Katsushika Hokusai, The Great Wave off Kanagawa (c. 1831)", ngf=32, n_blocks=6),
}
CHECKPOINTS = ("auto", *UPSTREAM, *PROJECT_MODELS)
IGNORED_STYLE = "CycleGAN ignored your style image; it translates into the domain it was trained on"


class CycleGAN(Method):
    name = "cyclegan"
    title = "CycleGAN"
    family = "unpaired image-to-image translation (one domain per network)"
    description = ("Zhu et al. 2017: a ResNet generator trained on two unpaired collections (photos and "
                   "paintings). One forward pass; it paints in the domain it was trained on and cannot read "
                   "a style image.")
    uses_style = False
    params = (
        Param("checkpoint", "auto", "choice",
              "which trained generator: auto (the project's model for your painting if there is one, else "
              "vintage), vintage (vintagify, photo to old photo), monet/vangogh/ukiyoe/cezanne (official "
              f"CycleGAN, downloaded once), or a project model ({', '.join(PROJECT_MODELS)})",
              choices=CHECKPOINTS),
    )

    def networks(self, params):
        if params["checkpoint"] != "auto":
            return (f"cyclegan_{params['checkpoint']}",)
        return (*(f"cyclegan_{name}" for name in PROJECT_MODELS if thumbnail_path(name).is_file()), "cyclegan_vintage")

    def load(self, params):
        if params["checkpoint"] != "auto":
            return {params["checkpoint"]: load_generator(params["checkpoint"])}
        # auto needs every candidate; a project model missing from this checkout is no candidate
        names = [name for name in PROJECT_MODELS if thumbnail_path(name).is_file()] + ["vintage"]
        return {name: load_generator(name) for name in names}

    def run(self, content, style, params, on_progress, generators):
        name, style_used = params["checkpoint"], False
        if name == "auto":
            match = match_painting(style)
            name, style_used = (match, True) if match else ("vintage", False)
        generator, source = generators[name]
        if on_progress:
            on_progress(0.0, f"translating with CycleGAN checkpoint {name}", None)
        side = PROJECT_MODELS[name].side if name in PROJECT_MODELS else None

        def on_tile(done, total):  # between tiles: where a deadline or a cancel can stop the run
            on_progress(done / (total + 1), f"translating with CycleGAN checkpoint {name}: tile {done}/{total}", None)

        image = translate(generator, content, side, on_tile)
        info = {"checkpoint": name, "weights_source": source, "style_used": style_used,
                "network": f"ResNet generator, ngf {generator.ngf}, {generator.n_blocks} residual blocks"}
        if name in PROJECT_MODELS:
            info["trained_on"] = PROJECT_MODELS[name].painting
            info["training_images"] = list(weights.training_images(f"cyclegan_{name}"))  # photos, from its card
            info["translated_at"] = f"{side} px long side (the scale it was trained at), resized back"
        if style_used:
            info["note"] = (f"CycleGAN recognised your style image as {PROJECT_MODELS[name].painting} and used "
                            f"the project's generator trained on it ({name}).")
        else:
            info["note"] = f"{IGNORED_STYLE} ({name})."
        if on_progress:
            on_progress(1.0, "done", image)
        return image, info


# --- the generator --------------------------------------------------------------------

def build_generator(ngf: int = 64, n_blocks: int = 9):
    """The paper's ResNet generator as a Keras model on (N, H, W, 3) in [-1, 1], H and W multiples of 4."""
    import keras
    from keras import layers

    def norm(name):  # instance normalisation, affine like vintagify's (identity-initialised)
        return layers.GroupNormalization(groups=-1, epsilon=EPSILON, name=name)

    ReflectionPad = _reflection_pad_layer()  # noqa: N806 (a class)
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
        # PyTorch's ConvTranspose2d(3, stride 2, padding 1, output_padding 1) is the full
        # ("valid") transposed convolution minus its first row and column.
        x = layers.Conv2DTranspose(filters, 3, strides=2, name=f"up{i}_conv")(x)
        x = layers.Cropping2D(((1, 0), (1, 0)))(x)
        x = layers.ReLU()(norm(f"up{i}_norm")(x))
    x = layers.Conv2D(3, 7, name="out_conv")(ReflectionPad(3)(x))
    model = keras.Model(inputs, layers.Activation("tanh")(x), name=f"cyclegan_resnet_{ngf}_{n_blocks}")
    model.ngf, model.n_blocks = ngf, n_blocks
    return model


@functools.cache
def _reflection_pad_layer():
    """The Keras layer class, made on first use so importing this module loads no Keras."""
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
    return np.pad(image, ((0, -image.shape[0] % STRIDE), (0, -image.shape[1] % STRIDE), (0, 0)), mode="reflect")


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
    for i in (1, 2):  # PyTorch's transposed convolution: the full one minus its first row and column
        x = tf.nn.relu(norm(f"up{i}_norm", layer(f"up{i}_conv")(x)[:, 1:, 1:, :]))
    return tf.tanh(layer("out_conv")(reflect(x, 3))).numpy(), used


# --- checkpoints --------------------------------------------------------------------------

def generator_from_state_dict(state: dict):
    """A Keras generator holding a PyTorch ResNet generator's state dict (vintagify or junyanz layout).

    Parameters are matched by order: the state dict lists modules as they run, convolutions
    (4-D weight + bias) and affine instance norms (1-D weight + bias; absent when not affine).
    """
    modules: dict[str, dict[str, np.ndarray]] = {}
    for key, value in state.items():
        module, _, kind = key.rpartition(".")
        if kind in ("weight", "bias"):
            modules.setdefault(module, {})[kind] = value
    convs = [m for m in modules.values() if m.get("weight") is not None and m["weight"].ndim == 4]
    norms = [m for m in modules.values() if m.get("weight") is not None and m["weight"].ndim == 1]
    if len(convs) < 8 or (len(convs) - 6) % 2:
        raise MethodError(f"checkpoint has {len(convs)} convolutions; not a CycleGAN ResNet generator")
    ngf, n_blocks = convs[0]["weight"].shape[0], (len(convs) - 6) // 2
    generator = build_generator(ngf, n_blocks)
    keras_convs, keras_norms = conv_layers(generator), norm_layers(generator)
    if norms and len(norms) != len(keras_norms):
        raise MethodError(f"checkpoint has {len(norms)} normalisation layers, expected {len(keras_norms)}")
    for layer, params in zip(keras_convs, convs):
        kernel = params["weight"].transpose(2, 3, 1, 0)  # (out|in, in|out, kh, kw) -> Keras (kh, kw, ., .)
        bias = params.get("bias", np.zeros(layer.filters, np.float32))
        expected = tuple(v.shape for v in layer.get_weights())
        if (kernel.shape, bias.shape) != expected:
            raise MethodError(f"checkpoint layer shapes {kernel.shape}, {bias.shape} do not fit {layer.name} {expected}")
        layer.set_weights([kernel, bias])
    for layer, params in zip(keras_norms, norms):
        layer.set_weights([params["weight"], params["bias"]])
    return generator


@functools.cache
def load_generator(name: str):
    """(Keras generator, weights source description) for a checkpoint name; cached per process."""
    from methods.torch_state import CheckpointError, load_state_dict

    if name not in CHECKPOINTS or name == "auto":
        raise MethodError(f"unknown CycleGAN checkpoint {name!r}; choose from {', '.join(CHECKPOINTS[1:])}")
    try:
        resolved = weights.resolve(f"cyclegan_{name}")
    except weights.WeightsError as error:
        raise MethodError(str(error)) from None
    if name in PROJECT_MODELS:
        spec = PROJECT_MODELS[name]
        generator = build_generator(spec.ngf, spec.n_blocks)
        generator.load_weights(str(resolved.path))
    else:
        try:
            generator = generator_from_state_dict(load_state_dict(resolved.path))
        except CheckpointError as error:
            raise MethodError(f"cannot use CycleGAN checkpoint {name}: {error}") from None
    return generator, resolved.describe()


# --- which painting is this? --------------------------------------------------------------

def fingerprint(image: np.ndarray) -> np.ndarray:
    """A tiny thumbnail of the whole image: survives resizing, tells the shared paintings apart."""
    return resize(image, (FINGERPRINT_SIDE, FINGERPRINT_SIDE))


def thumbnail_path(name: str):
    return weights.asset_path(f"cyclegan/{name}.thumb.png")


def match_painting(style: np.ndarray) -> str | None:
    """The project model trained on this painting, or None."""
    probe = fingerprint(style)
    best, best_distance = None, FINGERPRINT_THRESHOLD
    for name in PROJECT_MODELS:
        path = thumbnail_path(name)
        if not path.is_file():
            continue
        distance = float(np.mean((load_image(path, max_side=None) - probe) ** 2))
        if distance < best_distance:
            best, best_distance = name, distance
    return best
