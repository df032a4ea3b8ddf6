"""Pretrain the generic VAE, the warm start of methods.vae, and write its model card.

    python -m methods.vae_train --steps 6000 --out assets/vae/vae_generic.weights.h5

Data: random crops (flips, several scales) of the scikit-image sample photos shipped with
the package and of the shared image set (photos in contents/, paintings in styles/).
"""
from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

DEFAULT_IMAGES = Path(__file__).resolve().parents[2] / "shared" / "imageset"
SKIMAGE_PHOTOS = ("astronaut", "chelsea", "coffee", "rocket", "camera", "immunohistochemistry", "retina")


def training_images(images_dir: Path) -> list[tuple[str, np.ndarray]]:
    from skimage import data

    from methods.images import load_image

    found = []
    for name in SKIMAGE_PHOTOS:
        try:
            found.append((f"skimage.data.{name}", load_image(getattr(data, name)(), 512)))
        except Exception as error:  # a sample that needs a download is skipped offline
            print(f"skipping skimage.data.{name}: {error}", file=sys.stderr)
    for folder in ("contents", "styles"):
        for path in sorted((images_dir / folder).glob("*")):
            if path.suffix.lower() in {".png", ".jpg", ".jpeg"}:
                found.append((f"{folder}/{path.name}", load_image(path, 512)))
    return found


def main(argv=None) -> int:
    from methods import vae

    parser = argparse.ArgumentParser(prog="python -m methods.vae_train", description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=6000)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--beta", type=float, default=0.1, help="KL weight of the ELBO")
    parser.add_argument("--learning-rate", type=float, default=1e-3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--images", type=Path, default=DEFAULT_IMAGES, help="the shared image set folder")
    parser.add_argument("--out", type=Path, default=Path("assets/vae/vae_generic.weights.h5"))
    args = parser.parse_args(argv)
    if not args.out.name.endswith(".weights.h5"):
        print("error: --out must end with .weights.h5 (Keras' weights format)", file=sys.stderr)
        return 2
    if args.steps < 1:
        print("error: --steps must be at least 1", file=sys.stderr)
        return 2
    images = training_images(args.images)
    if not images:
        print(f"error: no training images (looked in skimage.data and {args.images})", file=sys.stderr)
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
    card = args.out.with_name(args.out.name.removesuffix(".weights.h5") + ".md")
    card.write_text(model_card(images, args, beta, final, seconds, command))
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
- Time: {seconds:.0f} s wall on {platform.machine()} CPU, {os.cpu_count()} cores shared with other jobs
  (`nice -n 10`), TensorFlow CPU, {platform.python_version()}
- Licence: the project's own; the data are public domain paintings and photos (SOURCES.md of
  the shared image set) and the scikit-image sample photos.

## Data
{data}
"""


if __name__ == "__main__":
    raise SystemExit(main())
