"""Which CycleGAN generator paints a given painting: its own (recognised by a thumbnail fingerprint),
else the nearest project generator by Magenta style embedding; and the key a painting's on-demand
generator is cached under."""
from __future__ import annotations

import functools
import sys
import zipfile

import numpy as np

from methods.core import weights
from methods.core.files import pixel_key
from methods.core.style_embedding import style_embedding
from methods.cyclegan.generator_files import PROJECT_MODELS, fingerprint, read_meta

# Mean squared difference (images in [0, 1]) below which a style image counts as the
# painting a project model was trained on. Resizing the same painting stays near 1e-4;
# the shared paintings differ from each other by more than 1e-2 (measured, see tests).
FINGERPRINT_THRESHOLD = 2e-3


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
    return pixel_key(np.round(np.asarray(style) * 255).astype(np.uint8), 16)
