"""CycleGAN generators on disk: PyTorch state dicts (vintagify's, junyanz's layout) converted to
Keras, and the project's own files (float16 weights plus what checkpoint=auto matches on: the
painting's name, a thumbnail fingerprint and its Magenta style embedding). `load_generator` serves
either by name."""
from __future__ import annotations

import functools
from pathlib import Path

import numpy as np

from methods.base import MethodError
from methods.core import weights
from methods.core.images import resize
from methods.core.style_embedding import style_embedding
from methods.cyclegan.checkpoints import CheckpointError, load_state_dict
from methods.cyclegan.generator import build_generator, conv_layers, norm_layers

# The project's generators, named as in methods.core.weights' one table (cyclegan_NAME)
PROJECT_MODELS = tuple(name for name, _ in weights.CYCLEGAN_PAINTINGS)
GENERATORS = ("vintage", *PROJECT_MODELS)  # every generator load_generator serves
FINGERPRINT_SIDE = 16


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
            raise MethodError(f"checkpoint layer shapes {kernel.shape}, {bias.shape} do not fit "
                              f"{layer.name} {expected}")
        layer.set_weights([kernel, bias])
    for layer, params in zip(keras_norms, norms):
        layer.set_weights([params["weight"], params["bias"]])
    return generator


def save_generator(generator, path, *, painting: str, style: np.ndarray, side: int) -> Path:
    """Write a generator as an .npz: float16 weights (half the size; the outputs differ from
    float32 by under 1/255), its shape, its painting's name, fingerprint and style embedding."""
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
            raise MethodError(f"{Path(path).name} lacks weights {', '.join(missing[:3])}: "
                              "not a complete generator file")
        stored = [file[f"w{i:03d}"] for i in range(len(generator.weights))]
    if [w.shape for w in stored] != [tuple(v.shape) for v in generator.weights]:
        raise MethodError(f"{Path(path).name} does not hold a ngf {meta['ngf']}, {meta['n_blocks']}-block generator")
    generator.set_weights([w.astype(np.float32) for w in stored])
    generator.meta = meta
    return generator


@functools.lru_cache(maxsize=4)
def read_cached(path: str, mtime_ns: int):
    """read_generator, the last four files kept (keyed by modification time: a rewritten file is read anew)."""
    return read_generator(path)


@functools.cache
def load_generator(name: str):
    """(Keras generator, weights source description) for a named generator; cached per process."""
    if name not in GENERATORS:
        raise MethodError(f"unknown CycleGAN generator {name!r}; choose from {', '.join(GENERATORS)}")
    resolved = weights.resolve(f"cyclegan_{name}")  # WeightsError: the app labels it a missing-weights failure
    if name in PROJECT_MODELS:
        return read_generator(resolved.path), resolved.describe()
    try:
        generator = generator_from_state_dict(load_state_dict(resolved.path))
    except CheckpointError as error:
        raise MethodError(f"cannot use CycleGAN checkpoint {name}: {error}") from None
    return generator, resolved.describe()


def fingerprint(image: np.ndarray) -> np.ndarray:
    """A tiny thumbnail of the whole image: survives resizing, tells the shared paintings apart."""
    return resize(image, (FINGERPRINT_SIDE, FINGERPRINT_SIDE))
