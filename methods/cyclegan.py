"""CycleGAN (Zhu et al. 2017): a generator that translates photos into one fixed domain.

The generator is the paper's ResNet generator. It was trained on two unpaired image
collections, so it cannot read an arbitrary style image: it always paints in the domain
it learned. `auto` picks the project's own model trained on the chosen painting when
there is one (recognised by a thumbnail fingerprint), else vintagify's vintage-photo one.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from methods import weights
from methods.base import Method, MethodError, Param
from methods.images import load_image, resize

EPSILON = 1e-5  # PyTorch InstanceNorm2d's, so converted checkpoints match
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
        image = translate(generator, content, side)
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


def translate(generator, image: np.ndarray, side: int | None = None) -> np.ndarray:
    """float32 HxWx3 in [0, 1] -> the generator's translation, same size (reflect-padded to x4).
    side: translate at this long side and resize the result back (a generator's training scale)."""
    height, width = image.shape[:2]
    if side and max(height, width) != side:
        scale = side / max(height, width)
        scaled = resize(image, (max(4, round(height * scale)), max(4, round(width * scale))))
        return resize(translate(generator, scaled), (height, width))
    padded = np.pad(image, ((0, -height % 4), (0, -width % 4), (0, 0)), mode="reflect")
    output = generator(_to_network(padded)[None], training=False)
    return _from_network(output)[0, :height, :width]


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
