"""Pretrain the generic VAE, the warm start of methods.vae, and write its model card.

    python -m methods.vae.train --steps 5000 --images PAINTINGS --out assets/vae/vae_generic.weights.h5
    python -m methods.vae.train --downsample 4 --init assets/vae/vae_generic.weights.h5 --steps 2000 \
        --images PAINTINGS --out vae_generic_quarter.weights.h5
    python -m methods.vae.train --gram --downsample 4 --init vae_generic_quarter.weights.h5 --steps 8000 \
        --images PAINTINGS --out assets/vae/vae_gram_warm.weights.h5

--downsample 4 builds the VAE with its latent at 1/4 of the image's size instead of 1/8 (same layers
and shapes, so --init can be a 1/8 VAE: the second command retrains the generic VAE so).

--gram trains gram mode's warm start instead: from --init (the generic VAE), the decoder alone, on
gram mode's losses (methods.vae.finetune.GramTerms: the Gram style loss and, in the shipped recipe, a content
loss where the fine-tune has a structure loss) with a random one of the --images paintings each step,
so a new painting's fine-tune starts from a decoder that already draws texture from moved latents.
Its photos are the train photos; --hold-out NAME drops photos and paintings by card name (for
choosing settings with benchmarks/vae_dev.py, which scores held-out ones).

Data: random crops (flips, several scales) of the train split of the image set (the 17 Kodak
photos of train/photos, methods/core/manifest.py's TRAIN_PHOTOS) and of scikit-image sample photos
that are not eval images, plus any --images. Eval images (recognised by sha256 or scikit-image
name) are refused unless --allow-eval-images; reserved images always. The card's front matter
lists the training images by manifest name and says whether the model is held out.
"""
from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np
from skimage import data

from methods.core import files, weights
from methods.core import manifest as imageset
from methods.core.images import load_image
from methods.core.quiet import import_tensorflow_quietly
from methods.core.training import train_photo_paths
from methods.vae.finetune import PHOTO_BATCH, PHOTO_CROP, GramTerms, crop_sampler, fine_tune_dtype, fit
from methods.vae.model import GENERIC, StyleVAE, latent_width

SKIMAGE_PHOTOS = ("camera", "immunohistochemistry", "retina")  # in the wheel, not in the eval set
# --gram: the shipped warm start's loss weights (assets/vae/vae_gram_warm.md), not the fine-tune's
WARM_STYLE_WEIGHT, WARM_CONTENT_WEIGHT = 5.0, 3.0


def train_photo_specs() -> list[str]:
    """The train split's photos (mirror, cache or download)."""
    return [str(path) for path in train_photo_paths("the generic VAE")]


def default_specs() -> list[str]:
    """The default training images: the train photos and skimage:NAME."""
    return train_photo_specs() + [f"skimage:{n}" for n in SKIMAGE_PHOTOS]


def training_images(specs) -> list[tuple[str, np.ndarray]]:
    """(card name, image at long side 512) of each spec: a file, a folder of them or skimage:NAME."""
    found = []
    for spec in imageset.image_specs(specs):
        source = spec
        if spec.startswith("skimage:"):
            loader = getattr(data, spec.split(":", 1)[1], None)
            if loader is None:
                raise ValueError(f"{spec}: scikit-image has no sample image of that name")
            source = loader()
        found.append((imageset.card_name(spec), load_image(source, 512)))
    return found


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="python -m methods.vae.train", description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=6000)
    parser.add_argument("--batch", type=int, default=16,
                        help="crops per step (the generic VAE; --gram uses gram mode's)")
    parser.add_argument("--beta", type=float, default=0.1, help="KL weight of the ELBO")
    parser.add_argument("--latent-channels", type=int, default=8, help="latent channels (--gram: --init's)")
    parser.add_argument("--learning-rate", type=float, help="default 1e-3, with --gram 5e-4")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--images", nargs="+", default=[], metavar="PATH",
                        help="more training images: files, folders or skimage:NAME")
    parser.add_argument("--allow-eval-images", action="store_true",
                        help="train on eval images anyway (the card then says the model is not held out)")
    parser.add_argument("--out", type=Path, default=Path("assets/vae/vae_generic.weights.h5"))
    parser.add_argument("--gram", action="store_true", help="train gram mode's warm start on the --images paintings")
    parser.add_argument("--init", type=Path, help="the VAE to start from (with --gram by default the generic VAE; "
                        "else random weights)")
    parser.add_argument("--downsample", type=int, choices=(4, 8), default=8,
                        help="the latent's resolution, 1/8 or 1/4 of the image's (with --gram, --init's)")
    parser.add_argument("--hold-out", nargs="+", default=[], metavar="NAME", help="--gram: card names left out")
    return parser.parse_args(argv)


def setting_error(args) -> str:
    """What is wrong with the settings, in one line ("" if nothing); fills in --init and --learning-rate."""
    if not args.out.name.endswith(".weights.h5"):
        return "--out must end with .weights.h5 (Keras' weights format)"
    if args.steps < 1:
        return "--steps must be at least 1"
    if args.gram and args.init is None:
        args.init = weights.resolve(GENERIC).path
    if args.init is not None and not Path(args.init).is_file():
        return f"--init {args.init}: no such file"
    if args.learning_rate is None:
        args.learning_rate = 5e-4 if args.gram else 1e-3
    return ""


def select_images(args) -> tuple[str, list, list]:
    """(refusal, train photos, paintings) for --gram, (refusal, images, []) otherwise: every image is checked
    against the split before any is loaded or trained on."""
    try:
        specs = default_specs() + args.images
        refusal = imageset.training_refusal(specs, args.allow_eval_images)
        if refusal:
            return refusal, [], []
        if not args.gram:
            return "", training_images(specs), []
        kept = lambda specs: [(n, image) for n, image in training_images(specs) if n not in args.hold_out]  # noqa: E731
        photos, paintings = kept(train_photo_specs()), kept(args.images)
        refusal = "" if paintings and photos else "--gram needs --images (paintings) and train photos left in"
        return refusal, photos, paintings
    except (imageset.ImageSetError, ValueError, OSError) as error:  # ImageError is a ValueError
        return str(error), [], []


def train(args, photos: list, paintings: list, report) -> tuple[StyleVAE, dict]:
    """The trained VAE and its last losses: --gram, gram mode's warm start on photos and paintings; else
    the generic VAE on `photos` (every training image)."""
    if args.gram:
        model = StyleVAE(latent_width(args.init), fine_tune_dtype("gram"), args.downsample)
        model.load(args.init)
        terms = GramTerms(WARM_STYLE_WEIGHT, WARM_CONTENT_WEIGHT)
        targets = [terms.target(model, image) for _, image in paintings]  # at 512 px, as gram mode's
        crops = [crop_sampler([image], args.seed + i) for i, (_, image) in enumerate(paintings)]
        painting_of = np.random.default_rng(args.seed).integers(len(paintings), size=args.steps + 1)  # per step
        return model, fit(model, lambda step: crops[painting_of[step]](step), args.steps, args.beta, args.seed, report,
                          learning_rate=args.learning_rate, gram_terms=terms,
                          targets=lambda step: targets[painting_of[step]],
                          photos=crop_sampler([image for _, image in photos], args.seed + 1, PHOTO_BATCH, PHOTO_CROP))
    model = StyleVAE(args.latent_channels, downsample=args.downsample)
    if args.init:
        model.load(args.init, partial=args.latent_channels != latent_width(args.init))
    batches = crop_sampler([image for _, image in photos], args.seed, batch=args.batch)
    return model, fit(model, batches, args.steps, args.beta, args.seed, report, learning_rate=args.learning_rate)


def main(argv=None) -> int:
    args = parse_args(argv)
    import_tensorflow_quietly()
    refusal = setting_error(args)
    if not refusal:
        refusal, photos, paintings = select_images(args)
    if refusal:
        print(f"error: {refusal}", file=sys.stderr)
        return 2

    import keras

    keras.utils.set_random_seed(args.seed)
    started = time.perf_counter()

    def report(step, total, parts):
        if step % 100 == 0 or step == args.steps:
            print(f"step {step}/{args.steps} loss {total:.5f} reconstruction {float(parts['reconstruction']):.5f} "
                  f"kl {float(parts['kl']):.4f}"
                  + "".join(f" {name} {float(parts[name]):.4f}" for name in ("style", "content") if name in parts)
                  + f" ({time.perf_counter() - started:.0f} s)", flush=True)

    model, final = train(args, photos, paintings, report)
    seconds = time.perf_counter() - started
    model.save(args.out)
    command = "python -m methods.vae.train " + " ".join(argv if argv is not None else sys.argv[1:])
    images = photos + paintings
    card = weights.card_path(args.out)
    names = [name for name, _ in images]
    if args.gram:  # the warm start saw what its --init saw, too
        names = list(dict.fromkeys(weights.read_front_matter(weights.card_path(args.init)).get("training_images", [])
                                   + names))
    card.write_text(weights.format_front_matter(imageset.card_fields(names))
                    + (gram_card if args.gram else model_card)(images, args, args.beta, final, seconds, command))
    print(f"wrote {args.out} ({args.out.stat().st_size / 1e6:.2f} MB) and {card}")
    return 0


def gram_card(images, args, beta, final, seconds, command) -> str:
    names = ", ".join(name for name, _ in images)
    return f"""# gram mode's warm start (methods.vae)

The VAE `{Path(args.init).name}` (sha256 {files.file_digest(args.init)[:16]}..., latent at 1/{args.downsample}) with its decoder further
trained, encoder frozen, on gram mode's losses: each step a random painting's crops (ELBO, beta {beta:.4g})
and train-photo crops decoded from latents moved to that painting's latent statistics (Gram style loss
x{WARM_STYLE_WEIGHT:g}, content loss x{WARM_CONTENT_WEIGHT:g}, VGG16-HED). A new painting's fine-tune starts here.

- Command: `{command}`
- Steps: {args.steps}, Adam lr {args.learning_rate}, seed {args.seed}
- Final step: total {final['total']:.4f}, reconstruction (MSE) {final['reconstruction']:.5f}, KL {final['kl']:.4f},
  style {final['style']:.4f}, content {final['content']:.4f}
- Time: {seconds:.0f} s wall on {platform.machine()} CPU, {os.cpu_count()} cores (load average at the end
  {os.getloadavg()[0]:.1f}), TensorFlow CPU, {platform.python_version()}

## Data ({len(images)} images; the front matter says whether any is an eval image)
{names}
"""


def model_card(images, args, beta, final, seconds, command) -> str:
    listed = "\n".join(f"- {name} ({image.shape[1]}x{image.shape[0]})" for name, image in images)
    return f"""# Generic VAE (warm start of the `vae` method)

Fully convolutional VAE of `methods/vae/model.py` (`build`): encoder 32-64-128-128 channels,
{args.latent_channels} latent channels at 1/{args.downsample} resolution (mean and log-variance maps);
decoder of nearest-upsampling convolutions with a sigmoid output. Trained by the project.

- Command: `{command}`{f" (from `{Path(args.init).name}`, sha256 {files.file_digest(args.init)[:16]}...)" if args.init else ""}
- Steps: {args.steps}, batch {args.batch} random {64}x{64} crops (flips, long side 256/384/512),
  Adam lr {args.learning_rate}, beta {beta:.4g}, seed {args.seed}
- Final negative ELBO: total {final['total']:.5f}, reconstruction (MSE) {final['reconstruction']:.5f},
  KL per pixel value {final['kl']:.4f}
- Time: {seconds:.0f} s wall on {platform.machine()} CPU, {os.cpu_count()} cores (load average at the end
  {os.getloadavg()[0]:.1f}), TensorFlow CPU, {platform.python_version()}
- Licence: the project's own; the data are freely usable photos (SOURCES.md of the shared image
  set), the scikit-image sample photos and any --images given.

## Data
{listed}
"""


if __name__ == "__main__":
    raise SystemExit(main())
