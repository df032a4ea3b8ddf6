"""CycleGAN (Zhu et al. 2017): a generator that translates photos into one fixed domain.

The generator is the paper's ResNet generator, trained on two unpaired collections (photos,
crops of one painting), so it cannot read an arbitrary style image: it always paints in the
domain it learned. The project trained one per shared painting (methods/cyclegan_train.py, on
the train photos only; weights and cards in assets/cyclegan, listed in methods.weights), with
the paper's losses plus a Gram style term and nearest-neighbour upsampling: on a 2-core budget
the paper's losses alone transferred colour, not texture (see methods/cyclegan_train.py). The
`checkpoint` parameter picks which:
  auto     the painting's own generator when the style image is one of them (a thumbnail
           fingerprint recognises it); otherwise the nearest by Magenta style embedding,
           named with its similarity. Only the generator used is loaded.
  train    trains a generator for this painting now, fine-tuning the nearest one of its shape
           (about 9 min on 2 cores, the first time), cached by the painting's pixels under
           cache_home()/cyclegan and resumable.
  vintage  vintagify's photo-to-old-photo generator; ignores the painting.

Peak memory at its maximum size (a 1024x1024 photo, `/usr/bin/time -v python -m methods`):
2.4 GB RSS with vintagify's generator (ngf 64, 9 blocks), 0.95 GB with a project generator (it
works at 512 px). Calling the Keras model at 1024 px took 6.8-10.6 GB, because a functional
model keeps every activation until it returns; `forward` runs the layers one by one and frees
each activation once used.
"""
from __future__ import annotations

import functools
import hashlib
import sys
import zipfile
from pathlib import Path

import numpy as np

from methods import weights
from methods.base import Method, MethodError, Param
from methods.core.ops import reflection_pad_layer
from methods.images import resize, scaled_size

EPSILON = 1e-5  # PyTorch InstanceNorm2d's, so converted checkpoints match
# Up to TILE px (the largest photo a method is given, methods.images.MAX_SIDE) one exact pass,
# layer by layer (`forward`): 2.4 GB peak at 1024x1024, where calling the Keras model took
# 6.8-10.6 GB. A larger photo goes through in TILE px tiles overlapping by OVERLAP px (see
# _tiled), so translate's memory stays that of one TILE px pass whatever the photo's size.
TILE = 1024
OVERLAP = 128
STRIDE = 4  # two stride-2 convolutions: tiles start on this grid to sample like the whole pass
# The project's generators, named as in methods.weights' one table (cyclegan_NAME)
PROJECT_MODELS = tuple(name for name, _ in weights.CYCLEGAN_PAINTINGS)
CHECKPOINTS = ("auto", "train", "vintage", *PROJECT_MODELS)
FINGERPRINT_SIDE = 16
# Mean squared difference (images in [0, 1]) below which a style image counts as the
# painting a project model was trained on. Resizing the same painting stays near 1e-4;
# the shared paintings differ from each other by more than 1e-2 (measured, see tests).
FINGERPRINT_THRESHOLD = 2e-3
# checkpoint=train may run this long (training included), against the usual 5 min cap
TRAIN_SECONDS = 720.0
IGNORED_STYLE = "CycleGAN ignored your style image; it translates into the domain it was trained on"


class CycleGAN(Method):
    name = "cyclegan"
    title = "CycleGAN"
    family = "unpaired image-to-image translation (one domain per network)"
    description = ("Zhu et al. 2017: a ResNet generator trained on two unpaired collections (photos and "
                   "crops of a painting), here with an added Gram style loss. One forward pass; it paints in the "
                   "domain it was trained on and cannot read a style image, so each painting needs its own "
                   "generator.")
    uses_style = False
    params = (
        Param("checkpoint", "auto", "choice",
              "which trained generator: auto (the project's generator for your painting, else the nearest one "
              "by style, named with its similarity), train (train one for your painting, starting from the "
              f"nearest of its shape: about 9 min on 2 cores the first time, capped at {TRAIN_SECONDS / 60:.0f} "
              "min and resumable, then cached), vintage (vintagify, photo to old photo), or a project generator "
              f"({', '.join(PROJECT_MODELS)})",
              choices=CHECKPOINTS),
    )

    def networks(self, params):
        name = params["checkpoint"]
        if name == "auto":
            return (*(f"cyclegan_{model}" for model in PROJECT_MODELS), "magenta_predict_onnx")
        # train: its Gram loss reads VGG16-HED, its file records the painting's Magenta embedding, and
        # it starts from the nearest project generator
        if name == "train":
            return ("vgg16_hed", "magenta_predict_onnx", *(f"cyclegan_{model}" for model in PROJECT_MODELS))
        return (f"cyclegan_{name}",)

    def time_limit(self, params):
        return TRAIN_SECONDS if params["checkpoint"] == "train" else self.max_seconds

    def load(self, params):
        name = params["checkpoint"]
        if name == "auto":
            return available_models()  # their fingerprints and embeddings; no generator yet
        return None if name == "train" else load_generator(name)

    def run(self, content, style, params, on_progress, loaded):
        name, info = params["checkpoint"], {}
        if name == "auto":
            name, info = choose_model(style, loaded)
        if name == "train":
            from methods.cyclegan_train import generator_for  # training code, loaded only to train

            path, trained = generator_for(style, on_progress)
            generator, source = _read_cached(str(path), path.stat().st_mtime_ns), f"trained for your painting ({path.parent.name})"
            info = {"style_used": True, "trained_now": trained,
                    "note": "CycleGAN used a generator trained on your painting"
                            + (" just now" if trained else " earlier (cached)") + "."}
        else:
            generator, source = load_generator(name)
        on_progress(0.0, f"translating with CycleGAN generator {name}", None)

        def on_tile(done, total):  # between tiles: where a deadline or a cancel can stop the run
            on_progress(done / (total + 1), f"translating with CycleGAN generator {name}: tile {done}/{total}", None)

        meta = generator.meta
        side = meta.get("side")
        image = translate(generator, content, side, on_tile)
        info = {"checkpoint": name, "weights_source": source, "style_used": False,
                "network": f"ResNet generator, ngf {generator.ngf}, {generator.n_blocks} residual blocks", **info}
        if meta.get("painting"):
            info["trained_on"] = meta["painting"]
            info["translated_at"] = f"{side} px long side (the scale it was trained at), resized back"
        if name in PROJECT_MODELS:
            card = weights.model_card(f"cyclegan_{name}")
            info["training_images"] = list(card.get("training_images", ()))  # photos
            measured = measured_sentence(card.get("eval_wins"))
        info.setdefault("note", f"{IGNORED_STYLE} ({name})." if name == "vintage" else
                        f"CycleGAN used the generator trained on {meta.get('painting')}; it does not read your "
                        "style image.")
        if name in PROJECT_MODELS and measured:
            info["note"] += " " + measured
        on_progress(1.0, "done", image)
        return image, info


def measured_sentence(wins: str | None) -> str:
    """What the generator's card says it achieved (benchmarks/cyclegan_bars.py), in words."""
    try:
        won, total = map(int, str(wins).split("/"))
    except ValueError:
        return ""
    weak = " A weak generator: below the project's bar of 80 %." if won < 0.8 * total else ""
    return (f"On {total} test photos it never saw, this generator beat a plain colour transfer on texture and "
            f"style gain on {won}, scored against the painting it was trained on.{weak}")


# --- the generator --------------------------------------------------------------------

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
    for i in (1, 2):
        if generator.upsample == "resize":
            x = tf.repeat(tf.repeat(x, 2, axis=1), 2, axis=2)  # nearest-neighbour doubling
            x = tf.nn.relu(norm(f"up{i}_norm", layer(f"up{i}_conv")(reflect(x, 1))))
        else:  # PyTorch's transposed convolution: the full one minus its first row and column
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


# --- the project's generator files: float16 weights plus what auto matches on ----------------

def save_generator(generator, path, *, painting: str, style: np.ndarray, side: int) -> Path:
    """Write a generator as an .npz: float16 weights (half the size; the outputs differ from
    float32 by under 1/255), its shape, its painting's name, fingerprint and style embedding."""
    from methods.core.style_embedding import style_embedding

    arrays = {f"w{i:03d}": np.asarray(w, np.float16) for i, w in enumerate(generator.get_weights())}
    path = Path(path)
    with open(path, "wb") as file:  # a file object: np.savez would add .npz to a name
        np.savez(file, ngf=generator.ngf, n_blocks=generator.n_blocks, upsample=np.str_(generator.upsample),
                 side=side, painting=np.str_(painting),
                 fingerprint=fingerprint(style), style_embedding=style_embedding(style).astype(np.float32), **arrays)
    return path


def read_meta(path) -> dict:
    """A generator file's description, without its weights."""
    with np.load(path, allow_pickle=False) as file:
        return {"ngf": int(file["ngf"]), "n_blocks": int(file["n_blocks"]), "side": int(file["side"]),
                "upsample": str(file["upsample"]) if "upsample" in file else "transpose",
                "painting": str(file["painting"]), "fingerprint": file["fingerprint"].astype(np.float32),
                "style_embedding": file["style_embedding"].astype(np.float64)}


def read_generator(path):
    """The Keras generator in a file save_generator wrote; its read_meta dict is its `meta`."""
    meta = read_meta(path)
    generator = build_generator(meta["ngf"], meta["n_blocks"], meta["upsample"])
    with np.load(path, allow_pickle=False) as file:
        missing = [f"w{i:03d}" for i in range(len(generator.weights)) if f"w{i:03d}" not in file]
        if missing:
            raise MethodError(f"{Path(path).name} lacks weights {', '.join(missing[:3])}: not a complete generator file")
        stored = [file[f"w{i:03d}"] for i in range(len(generator.weights))]
    if [w.shape for w in stored] != [tuple(v.shape) for v in generator.weights]:
        raise MethodError(f"{Path(path).name} does not hold a ngf {meta['ngf']}, {meta['n_blocks']}-block generator")
    generator.set_weights([w.astype(np.float32) for w in stored])
    generator.meta = meta
    return generator


@functools.lru_cache(maxsize=4)
def _read_cached(path: str, mtime_ns: int):
    return read_generator(path)


@functools.cache
def load_generator(name: str):
    """(Keras generator, weights source description) for a named checkpoint; cached per process."""
    from methods.torch_state import CheckpointError, load_state_dict

    if name not in CHECKPOINTS or name in ("auto", "train"):
        raise MethodError(f"unknown CycleGAN checkpoint {name!r}; choose from {', '.join(CHECKPOINTS)}")
    resolved = weights.resolve(f"cyclegan_{name}")  # WeightsError: the app labels it a missing-weights failure
    if name in PROJECT_MODELS:
        return read_generator(resolved.path), resolved.describe()
    try:
        generator = generator_from_state_dict(load_state_dict(resolved.path))
    except CheckpointError as error:
        raise MethodError(f"cannot use CycleGAN checkpoint {name}: {error}") from None
    return generator, resolved.describe()


# --- which generator for this painting? ---------------------------------------------------------

def fingerprint(image: np.ndarray) -> np.ndarray:
    """A tiny thumbnail of the whole image: survives resizing, tells the shared paintings apart."""
    return resize(image, (FINGERPRINT_SIDE, FINGERPRINT_SIDE))


@functools.cache
def available_models() -> dict[str, dict]:
    """{name: meta} of the project generators whose files resolve (hash-checked), weights not loaded."""
    found = {}
    for name in PROJECT_MODELS:
        try:
            found[name] = read_meta(weights.resolve(f"cyclegan_{name}").path)
        except (weights.WeightsError, OSError, KeyError, ValueError, zipfile.BadZipFile) as error:
            print(f"cyclegan: skipping generator {name}: {error}", file=sys.stderr)  # auto uses the others
    return found


def choose_model(style: np.ndarray, models: dict[str, dict]) -> tuple[str, dict]:
    """(generator name, info): the painting's own generator, else the nearest by style embedding."""
    from methods.core.style_embedding import style_embedding

    if not models:
        raise weights.WeightsError("no project CycleGAN generator is available: restore assets/cyclegan "
                                   "(git checkout -- assets/cyclegan), or pick checkpoint=vintage or train")
    probe = fingerprint(style)
    distances = {name: float(np.mean((meta["fingerprint"] - probe) ** 2)) for name, meta in models.items()}
    own = min(distances, key=distances.get)
    if distances[own] < FINGERPRINT_THRESHOLD:
        return own, {"style_used": True, "note": f"CycleGAN recognised your style image as {models[own]['painting']} "
                                                 f"and used the generator trained on it ({own})."}
    embedding = style_embedding(style)
    similarity = {name: _cosine(embedding, meta["style_embedding"]) for name, meta in models.items()}
    nearest = max(similarity, key=similarity.get)
    return nearest, {"style_used": True, "nearest_similarity": round(similarity[nearest], 3),
                     "note": f"No generator was trained on your painting: closest generator: "
                             f"{models[nearest]['painting']}, style similarity {similarity[nearest]:.2f} "
                             "(Magenta style embeddings, cosine). checkpoint=train trains one for it."}


def _cosine(a: np.ndarray, b: np.ndarray) -> float:
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b) + 1e-12))


def painting_key(style: np.ndarray) -> str:
    """A cache key for a painting: sha256 of its pixels at 8 bits (any file holding them agrees)."""
    return hashlib.sha256(np.round(np.asarray(style) * 255).astype(np.uint8).tobytes()
                          + repr(style.shape).encode()).hexdigest()[:16]
