"""Pretrain the generic VAE, the warm start of methods.vae, and write its model card.

    python -m methods.vae_train --steps 6000 --out assets/vae/vae_generic.weights.h5

Data: random crops (flips, several scales) of the train split of the image set (the 17 Kodak
photos of train/photos, eval/imageset.py's TRAIN_PHOTOS) and of scikit-image sample photos
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

SKIMAGE_PHOTOS = ("camera", "immunohistochemistry", "retina")  # in the wheel, not in the eval set


def default_specs() -> list[str]:
    """The default training images: train-split files (mirror, cache or download) and skimage:NAME."""
    from methods.training import train_photo_paths

    return [str(path) for path in train_photo_paths("the generic VAE")] + [f"skimage:{n}" for n in SKIMAGE_PHOTOS]


def training_images(specs) -> list[tuple[str, np.ndarray]]:
    """(card name, image at long side 512) of each spec: a file, a folder of them or skimage:NAME."""
    from skimage import data

    from eval import imageset
    from methods.images import load_image

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


def main(argv=None) -> int:
    from methods import import_tensorflow_quietly, vae, weights

    parser = argparse.ArgumentParser(prog="python -m methods.vae_train", description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=6000)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--beta", type=float, default=0.1, help="KL weight of the ELBO")
    parser.add_argument("--learning-rate", type=float, default=1e-3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--images", nargs="+", default=[], metavar="PATH",
                        help="more training images: files, folders or skimage:NAME")
    parser.add_argument("--allow-eval-images", action="store_true",
                        help="train on eval images anyway (the card then says the model is not held out)")
    parser.add_argument("--out", type=Path, default=Path("assets/vae/vae_generic.weights.h5"))
    args = parser.parse_args(argv)
    import_tensorflow_quietly()
    if not args.out.name.endswith(".weights.h5"):
        print("error: --out must end with .weights.h5 (Keras' weights format)", file=sys.stderr)
        return 2
    if args.steps < 1:
        print("error: --steps must be at least 1", file=sys.stderr)
        return 2
    from eval import imageset

    try:  # every image is checked against the split before any is loaded or trained on
        specs = default_specs() + args.images
        refusal = imageset.training_refusal(specs, args.allow_eval_images)
        images = [] if refusal else training_images(specs)
    except (imageset.ImageSetError, ValueError, OSError) as error:  # ImageError is a ValueError
        refusal = str(error)
    if refusal:
        print(f"error: {refusal}", file=sys.stderr)
        return 2

    import keras

    keras.utils.set_random_seed(args.seed)
    model = vae.StyleVAE(vae.LATENT)
    beta = args.beta
    batches = vae.crop_sampler([image for _, image in images], args.seed, batch=args.batch)
    started = time.perf_counter()

    def report(step, total, parts):
        if step % 100 == 0 or step == args.steps:
            print(f"step {step}/{args.steps} loss {total:.5f} reconstruction {float(parts['reconstruction']):.5f} "
                  f"kl {float(parts['kl']):.4f} ({time.perf_counter() - started:.0f} s)", flush=True)

    final = model.train(batches, args.steps, beta, args.seed, report, learning_rate=args.learning_rate)
    seconds = time.perf_counter() - started
    model.save(args.out)
    command = "python -m methods.vae_train " + " ".join(argv if argv is not None else sys.argv[1:])
    card = weights.card_path(args.out)
    card.write_text(weights.format_front_matter(imageset.card_fields([name for name, _ in images]))
                    + model_card(images, args, beta, final, seconds, command))
    print(f"wrote {args.out} ({args.out.stat().st_size / 1e6:.2f} MB) and {card}")
    return 0


def model_card(images, args, beta, final, seconds, command) -> str:
    data = "\n".join(f"- {name} ({image.shape[1]}x{image.shape[0]})" for name, image in images)
    return f"""# Generic VAE (warm start of the `vae` method)

Fully convolutional VAE of `methods/vae.py` (`build`): encoder 32-64-128-128 channels, three
stride-2 convolutions, {8} latent channels at 1/8 resolution (mean and log-variance maps);
decoder of nearest-upsampling convolutions with a sigmoid output. Trained by the project.

- Command: `{command}`
- Steps: {args.steps}, batch {args.batch} random {64}x{64} crops (flips, long side 256/384/512),
  Adam lr {args.learning_rate}, beta {beta:.4g}, seed {args.seed}
- Final negative ELBO: total {final['total']:.5f}, reconstruction (MSE) {final['reconstruction']:.5f},
  KL per pixel value {final['kl']:.4f}
- Time: {seconds:.0f} s wall on {platform.machine()} CPU, {os.cpu_count()} cores (load average at the end
  {os.getloadavg()[0]:.1f}), TensorFlow CPU, {platform.python_version()}
- Licence: the project's own; the data are freely usable photos (SOURCES.md of the shared image
  set), the scikit-image sample photos and any --images given.

## Data
{data}
"""


if __name__ == "__main__":
    raise SystemExit(main())
