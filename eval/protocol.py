"""The evaluation protocol, in one place: which images a figure is measured on (the named
splits), how one output is scored, and what counts as a win.

- A pair is (photo, painting); an output is scored by the judge of eval.metrics at the judge's
  size (`score_pair`), and read against the colour transfer of the same pair (the baseline:
  methods.reference), which moves colour and nothing else.
- A method **wins** a pair when it beats the baseline on every one of the style scores
  (metrics.STYLE_SCORES: the Gram ratio, the texture ratio and the style gain) at once: anything
  less is what a recolouring does. It **transfers style** when it wins on more than half of the
  pairs (`transfers_style`). A report says that it does, or that it does not, only where the 95 %
  interval of that share lies wholly on one side of one half; otherwise there are not enough pairs to tell.
- Splits: `eval` is what reports and model cards state (no network trained on it); `train`,
  `validation` and `dev` are for choosing recipes and settings without looking at the eval
  images, and their figures are never reported (Split.reportable).
- CycleGAN is reported twice (`method_variant`): on paintings that have their own generator, and
  on the others, where the nearest generator stands in.
- A shipped model's card states how many times the eval set was looked at while its recipe was
  chosen (`eval_looks`); reports print it in their header.
"""
from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from eval import metrics
from eval.metrics import DIRECTIONS, STYLE_SCORES
from methods.core import manifest as imageset
from methods.core import weights
from methods.core.manifest import Entry
from methods.reference import COLOUR_TRANSFER, colour_transfer

BASELINE = COLOUR_TRANSFER
MAJORITY = 0.5  # a method transfers style when it wins on more than this share of the pairs
# Long side of the images given to the methods. 256: Gatys' own default size, the judge's size and
# the Magenta style predictor's input, so no method is judged on pixels it never made.
SIDE = 256


# -- the win rule ---------------------------------------------------------------------------------
def better(a, b, score: str):
    """a strictly better than b on `score` (elementwise)."""
    return np.asarray(a) < np.asarray(b) if DIRECTIONS[score] == "lower" else np.asarray(a) > np.asarray(b)


def missed(ours: Mapping, baseline: Mapping, scores: Sequence[str] = STYLE_SCORES) -> list[str]:
    """The scores on which `ours` does not beat `baseline` (a pair's score dicts)."""
    return [score for score in scores if not bool(better(ours[score], baseline[score], score))]


def beats(ours: Mapping, baseline: Mapping, scores: Sequence[str] = STYLE_SCORES):
    """The win rule: better on every one of `scores` at once. Values may be arrays over pairs
    (then the answer is one per pair)."""
    return np.logical_and.reduce([better(ours[score], baseline[score], score) for score in scores])


def transfers_style(win_rate: float) -> bool:
    return bool(win_rate > MAJORITY)


# -- scoring a pair -------------------------------------------------------------------------------
def score_pair(output: np.ndarray, content: np.ndarray, style: np.ndarray, judge: metrics.Judge | None = None,
               parts: bool = False) -> dict:
    """Every score of one output (metrics.SCORE_KEYS; per-layer losses too if `parts`)."""
    return metrics.score(output, content, style, judge=judge, parts=parts)


@dataclass
class Pair:
    """One output scored beside the baseline on the same pair."""

    scores: dict
    baseline: dict

    def missed(self, scores: Sequence[str] = STYLE_SCORES) -> list[str]:
        return missed(self.scores, self.baseline, scores)

    def won(self, scores: Sequence[str] = STYLE_SCORES) -> bool:
        return not self.missed(scores)


def against_baseline(output: np.ndarray, content: np.ndarray, style: np.ndarray,
                     judge: metrics.Judge | None = None) -> Pair:
    """The output's scores and the colour transfer's on the same pair."""
    judge = judge or metrics.default_judge()
    return Pair(score_pair(output, content, style, judge),
                score_pair(colour_transfer(content, style), content, style, judge))


@dataclass
class Tally:
    """Wins and SSIMs over the pairs of a benchmark, in the order they were scored."""

    names: list[str] = field(default_factory=list)
    wins: list[bool] = field(default_factory=list)
    ssims: list[float] = field(default_factory=list)

    def add(self, name: str, pair: Pair) -> bool:
        won = pair.won()
        self.names.append(name)
        self.wins.append(won)
        self.ssims.append(float(pair.scores["ssim"]))
        return won

    def only(self, names) -> Tally:
        keep = [i for i, name in enumerate(self.names) if name in set(names)]
        return Tally([self.names[i] for i in keep], [self.wins[i] for i in keep], [self.ssims[i] for i in keep])

    def __len__(self) -> int:
        return len(self.wins)

    @property
    def won(self) -> int:
        return sum(self.wins)

    @property
    def median_ssim(self) -> float:
        return float(np.median(self.ssims)) if self.ssims else float("nan")

    def summary(self) -> str:
        return f"{self.won}/{len(self)} wins, median SSIM {self.median_ssim:.3f}"


# -- the named splits -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Split:
    """Photos x paintings that a figure is measured on."""

    name: str
    photos: tuple[Entry, ...]
    paintings: tuple[Entry, ...]
    purpose: str
    reportable: bool = False  # only figures on images no network trained on are stated in reports and cards


def entries(names: Sequence[str]) -> tuple[Entry, ...]:
    """Manifest entries by name (KeyError names the unknown one)."""
    return tuple(imageset.MANIFEST[name] for name in names)


# Train photos held out of the VAE's per-painting fine-tune (it learns from the other 13).
DEV_PHOTOS = ("kodim04", "kodim10", "kodim15", "kodim19")
DEV_PAINTINGS = ("impression_sunrise_monet", "mont_sainte_victoire_cezanne", "toyokawa_bridge_hiroshige",
                 "bouquet_of_sunflowers_monet")
# One train painting like each of six eval paintings (Starry Night, Great Wave, Scream, Composition VII,
# Shipwreck, Water Lilies), in that order: a development split that resembles the eval more than DEV_PAINTINGS.
EVAL_LIKE_PAINTINGS = ("wheat_field_cypresses_van_gogh", "toyokawa_bridge_hiroshige", "night_cafe_van_gogh",
                       "composition_viii_kandinsky", "wreckers_northumberland_turner", "impression_sunrise_monet")

SPLITS: dict[str, Split] = {split.name: split for split in (
    Split("eval", imageset.CONTENTS, imageset.STYLES, "the reported figures: no network trained on these", True),
    Split("quick", entries(imageset.QUICK_CONTENTS), entries(imageset.QUICK_STYLES),
          "a smoke run of the eval: 2 photos x 2 paintings that need no mirror", True),
    # slices spread the picks over the lists, fixed
    Split("train", imageset.TRAIN_PHOTOS[::2][:8], imageset.TRAIN_PAINTINGS[::4][:6],
          "choosing between training runs on images every candidate trained on: not held out"),
    Split("validation", imageset.VALIDATION_PHOTOS, imageset.TRAIN_PAINTINGS[::4][:12],
          "choosing on photos no network trained on, with train paintings"),
    Split("dev", entries(DEV_PHOTOS), entries(DEV_PAINTINGS),
          "choosing the VAE's settings: train photos held out of its fine-tune, train paintings"),
)}


def split(name: str) -> Split:
    if name not in SPLITS:
        raise ValueError(f"unknown split {name!r}; choose from {', '.join(SPLITS)}")
    return SPLITS[name]


def selection(quick: bool = False, contents: str | None = None, styles: str | None = None
              ) -> tuple[list[Entry], list[Entry]]:
    """The eval's photos and paintings: the eval split (--quick: the quick one), or a person's own
    folders of images in their place."""
    chosen = split("quick" if quick else "eval")
    return (imageset.folder_entries(contents, "content") if contents else list(chosen.photos),
            imageset.folder_entries(styles, "style") if styles else list(chosen.paintings))


def photo_folds() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The 21 train and validation photos in two folds, each scored while the VAE's fine-tunes learn
    from the other fold's train photos: every train photo is scored without its painting's fine-tune
    having seen it."""
    train = tuple(entry.name for entry in imageset.TRAIN_PHOTOS)
    validation = tuple(entry.name for entry in imageset.VALIDATION_PHOTOS)
    return train[:8] + validation[:2], train[8:] + validation[2:]


# -- what a results row is reported as -----------------------------------------------------------
CYCLEGAN = "cyclegan"
OWN_GENERATOR = f"{CYCLEGAN} (own generator)"
STAND_IN = f"{CYCLEGAN} (stand-in)"
GENERATOR_PAINTINGS = tuple(painting for painting, _ in weights.CYCLEGAN_PAINTINGS)  # those with their own


def method_variant(method: str, info, style: str | None = None) -> str:
    """The name a results row is summarised under: its method, except CycleGAN's rows. A CycleGAN
    generator paints the one painting it was trained on: on a painting with its own generator (or one
    trained for it on demand) that is the painting asked for; on any other the nearest generator
    stands in. The two are reported apart, as OWN_GENERATOR and STAND_IN. info: the row's info, a dict
    or its JSON, where the method says which generator ran; a row without it (a failed job) is placed
    by its painting's name (`style`), and keeps its method when that is not given either."""
    if method != CYCLEGAN:
        return method
    try:
        info = json.loads(info) if isinstance(info, str) else info
    except ValueError:
        info = None
    if not isinstance(info, dict) or not info:
        return method if style is None else (OWN_GENERATOR if style in GENERATOR_PAINTINGS else STAND_IN)
    if "nearest_similarity" in info:
        return STAND_IN
    return OWN_GENERATOR if info.get("style_used") else method


# -- model cards ----------------------------------------------------------------------------------
def eval_looks(networks: Iterable[str] | None = None) -> dict[str, str]:
    """{shipped model: how many times the eval set was looked at while its recipe was chosen}, as the
    model card beside its weights states it (front matter `eval_looks`). Models whose card does not say
    are left out. networks: the weights names to ask about (default: every model the project ships)."""
    shipped = [name for name, network in weights.NETWORKS.items() if network.asset]
    names = shipped if networks is None else [name for name in networks if name in shipped]
    looks = {name: weights.model_card(name).get("eval_looks") for name in names}
    return {name: str(value) for name, value in looks.items() if value not in (None, "")}


def write_card(card: Path, heading: str, measured_on: Split, text: str, **fields) -> Path:
    """Put a benchmark's figures under `heading` in a model card (fields into its front matter, which
    the app shows). Only figures measured on a reportable split are written."""
    if not measured_on.reportable:
        raise ValueError(f"the {measured_on.name} split is for choosing ({measured_on.purpose}): a model card "
                         "states figures on the eval images only")
    weights.write_measured(card, heading, text, **fields)
    return card
