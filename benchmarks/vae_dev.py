"""The VAE on the development split of the train images: choose settings without the eval images.

    python -m benchmarks.vae_dev [--param mode=gram --param steps=300 ...] [--warm FILE]
        [--photos validation|both|folds] [--paintings NAME ... | eval-like | eval]

The `dev` split of eval.protocol: 4 train paintings x 4 train photos held out of the per-style
fine-tune (gram mode learns from the other 13 train photos), at the eval's size and judged with
the eval's judge against the colour transfer, a win being the protocol's (all three style scores
at once; targets: 80 % of pairs, median SSIM 0.5). The warm start saw these paintings and photos
(it trains on the whole train split), so the figures are optimistic beside the eval's and only rank
settings; they are never the reported ones, and they can rank two settings a few pairs apart the
other way round from the eval.

--warm scores another gram-mode warm start (a .weights.h5 from `methods.vae.train --gram`, best with
`--hold-out` of these paintings and photos; its latent at the shipped one's resolution) instead of
the shipped one.
--paintings eval-like scores one train painting like each eval painting instead
(protocol.EVAL_LIKE_PAINTINGS); --paintings eval scores the eval's own six paintings on these dev
photos (never on the eval's photos): the shipped warm start never saw them.
--photos validation scores on the validation photos, which no network saw, and fine-tunes on all 17
train photos; --photos both scores on all eight (the fine-tune then learns from 13 photos);
--photos folds scores all 21 (the 17 train photos and the 4 validation ones) in two folds, each
fold's fine-tunes learning from the other fold's train photos (protocol.photo_folds; about 11 min
on 2 cores with --paintings eval).
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from eval import metrics, protocol
from methods import get, import_tensorflow_quietly
from methods.core import files, weights
from methods.core import manifest as imageset
from methods.vae import finetune as vae


def parse(argv) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--param", action="append", default=[], help="NAME=VALUE for the vae method")
    parser.add_argument("--warm", type=Path, help="a gram-mode warm start to score instead of the shipped one")
    parser.add_argument("--paintings", nargs="+", default=list(protocol.DEV_PAINTINGS), metavar="NAME",
                        help="train paintings to score (default: the dev split's 4), eval-like for the 6 of "
                             "EVAL_LIKE_PAINTINGS, or eval for the eval's 6 paintings (on these dev photos)")
    parser.add_argument("--photos", choices=("train", "validation", "both", "folds"), default="train",
                        help="the 4 held-out train photos (default), the 4 validation photos, all 8, or all 21 "
                             "in two folds")
    args = parser.parse_args(argv)
    if args.paintings == ["eval"]:
        args.paintings = tuple(entry.name for entry in protocol.split("eval").paintings)
    else:
        allowed = {entry.name for entry in imageset.TRAIN_PAINTINGS}
        if args.paintings == ["eval-like"]:
            args.paintings = protocol.EVAL_LIKE_PAINTINGS
        if unknown := [name for name in args.paintings if name not in allowed]:
            parser.error(f"not train paintings: {' '.join(unknown)} (eval and eval-like stand alone; "
                         "methods/core/manifest.py lists the train paintings)")
    if args.warm and not args.warm.is_file():
        parser.error(f"--warm {args.warm}: no such file")
    return args


def photo_groups(choice: str) -> list[tuple[str, ...]]:
    """The photo names scored, as groups whose fine-tunes learn from the other train photos."""
    dev = tuple(entry.name for entry in protocol.split("dev").photos)
    validation = tuple(entry.name for entry in protocol.split("validation").photos)
    return {"train": [dev], "validation": [validation], "both": [dev + validation],
            "folds": list(protocol.photo_folds())}[choice]


def use_warm_start(path: Path) -> None:
    """Serve `path` as gram mode's warm start: the method finds it through methods.core.weights."""
    shipped = weights.resolve
    candidate = weights.Resolved(vae.GRAM_WARM, path, "candidate", files.file_digest(path), False)
    weights.resolve = lambda name, *a, **k: candidate if name == vae.GRAM_WARM else shipped(name, *a, **k)


def score_group(scored, photos, paintings, fine_tune, params, tally: protocol.Tally, first: list) -> None:
    """Every painting on the group's photos, with fine-tunes that learn from the other train photos."""
    # gram mode's photos without the scored ones (methods.vae looks the function up at call time)
    learnt = tuple(image for name, image in fine_tune.items() if name not in scored)
    vae.train_photos = lambda learnt=learnt: learnt
    # every fine-tune trained afresh: the cache key does not know which train photos a fine-tune learnt from
    os.environ["STYLEBENCH_CACHE"] = tempfile.mkdtemp(prefix="vae-dev-")
    method, judge = get("vae"), metrics.default_judge()
    for name, painting in paintings.items():
        row = []
        for index, photo_name in enumerate(scored):
            photo, started = photos[photo_name], time.perf_counter()
            output = method.stylize(photo, painting, **params).image
            if index == 0:
                first.append(time.perf_counter() - started)
            pair = protocol.against_baseline(output, photo, painting, judge)
            tally.add(photo_name, pair)
            lost = pair.missed()
            row.append(f"{photo_name} {'lost on ' + '+'.join(lost) if lost else 'win'}, "
                       f"ssim {pair.scores['ssim']:.2f}")
        print(f"{name}: " + "; ".join(row), flush=True)


def main(argv=None) -> int:
    args = parse(argv)
    groups = photo_groups(args.photos)
    try:  # before the cache moves below: the images may be in the usual cache
        photos = {name: imageset.load(imageset.MANIFEST[name], protocol.SIDE) for group in groups for name in group}
        paintings = {name: imageset.load(imageset.MANIFEST[name], protocol.SIDE) for name in args.paintings}
        fine_tune = {e.name: imageset.load(e, vae.STYLE_SIDES[-1]) for e in imageset.TRAIN_PHOTOS}
    except imageset.ImageSetError as error:
        print(f"vae_dev: {error}", file=sys.stderr)
        return 2
    import_tensorflow_quietly()
    if args.warm:
        use_warm_start(args.warm)
    params = dict(p.split("=", 1) for p in args.param)
    tally, first = protocol.Tally(), []
    for scored in groups:
        if len(groups) > 1:
            learnt = sum(name not in scored for name in fine_tune)
            print(f"fold: scored {' '.join(scored)}; the fine-tunes learn from {learnt} other train photos")
        score_group(scored, photos, paintings, fine_tune, params, tally, first)
    warm = f" warm {args.warm}" if args.warm else ""
    print(f"dev split ({len(paintings)} paintings, {args.photos} photos) {params or 'defaults'}{warm}: "
          f"{tally.summary()}, first photo with a painting {np.mean(first):.0f} s mean ({protocol.SIDE} px), "
          f"load {os.getloadavg()[0]:.1f}")
    named = [(f"fold {number}", group) for number, group in enumerate(groups, 1)] if len(groups) > 1 else []
    train = tuple(entry.name for entry in imageset.TRAIN_PHOTOS)
    validation = tuple(entry.name for entry in protocol.split("validation").photos)
    for label, names in named + [("held-out train", train), ("validation", validation)]:
        picked = tally.only(names)
        if len(picked) and len(picked) < len(tally):
            print(f"  {label} photos: {picked.summary()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
