"""Train a CycleGAN pair of generators between two unpaired image domains.

    python -m methods.cyclegan.train --domain-a ../shared/imageset/train/photos --domain-b painting.jpg \
        --out runs/starry --steps 1200 --crop 96 --export assets/cyclegan/starry_night.npz

Domains are folders of images, image files, or `skimage:NAME` (a scikit-image sample photo).
Domain A (photos) takes the train split (../shared/imageset/train/photos): eval images,
recognised by sha256 or scikit-image name, are refused there unless --allow-eval-images.
Domain B is the painting the generator is for, so an eval painting is fine there. Reserved
images (methods/core/manifest.py) are refused in both. With --export, a model card beside the weights
(NAME.md) lists the training images in its front matter (methods/core/weights.py reads it).
Training follows Zhu et al. 2017: random crops and flips, LSGAN adversarial losses, cycle
consistency (weight 10) and identity (0.5 of that) losses, 70x70 PatchGAN discriminators fed
from a 50-image history buffer, Adam 2e-4 (beta1 0.5) decaying linearly to zero over the
second half. Two departures, both measured on Starry Night over the 8 eval photos after 1200
steps (about 7 min on 2 cores), beating the colour transfer on texture ratio and style gain:
  - --upsample resize (nearest + conv, Odena et al. 2016) instead of transposed convolutions,
    which at this budget left a pixel grid the texture score reads as texture;
  - --style-weight: a Gram style loss on G(photo) against the whole painting (VGG16-HED
    block1-4 conv1, as Gatys and Johnson et al.), off by default. Paper losses only: 1 of 8
    photos (identity 1.0), 1 of 8 with resize upsampling; with style weight 2: 7 of 8.
The recipe was picked by measuring on the eval photos, so their numbers are not a fully
independent check of the recipe (no generator trained on them).

TensorFlow uses a GPU when one is present; on a GPU machine without TensorFlow, `KERAS_BACKEND=jax`
runs the same code (methods.cyclegan.trainer.training_step says what the style term needs there).
The run folder holds a checkpoint (resumed automatically), sample grids every --sample-every
steps, the photo-to-painting generator at every checkpoint (snapshots/, for quality against
training time) and, with --export, that generator (or, with --export-step, the snapshot of that
step) as methods.cyclegan reads it (float16, with the painting's fingerprint and style embedding)
plus a model card. methods.cyclegan.on_demand runs the same training for checkpoint=train.
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

from methods.core import manifest as imageset
from methods.core import weights
from methods.core.files import atomic_write
from methods.core.images import save_image
from methods.core.quiet import import_tensorflow_quietly
from methods.core.training import load_domain, random_crops, run_command, training_log
from methods.cyclegan.generator_files import save_generator
from methods.cyclegan.trainer import HistoryPool, Trainer, compute_device, sample_grid


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="python -m methods.cyclegan.train", description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--domain-a", nargs="+", required=True, help="folders, image files or skimage:NAME (photos)")
    parser.add_argument("--domain-b", nargs="+", required=True, help="folders, image files or skimage:NAME (target)")
    parser.add_argument("--out", required=True, type=Path, help="run folder: checkpoint, samples, log")
    parser.add_argument("--steps", type=int, default=2000, help="total training steps (one batch each)")
    parser.add_argument("--decay-from", type=int, default=None, help="step where the linear LR decay starts "
                        "(default: half of --steps)")
    parser.add_argument("--crop", type=int, default=96, help="random crop side (a multiple of 4)")
    parser.add_argument("--max-side", type=int, default=512, help="images are shrunk to this long side first")
    parser.add_argument("--batch", type=int, default=1)
    parser.add_argument("--ngf", type=int, default=32, help="generator width")
    parser.add_argument("--upsample", choices=("resize", "transpose"), default="resize",
                        help="generator upsampling: nearest + conv (no checkerboard), or the paper's transposed conv")
    parser.add_argument("--n-blocks", type=int, default=6, help="generator residual blocks")
    parser.add_argument("--ndf", type=int, default=32, help="discriminator width")
    parser.add_argument("--lr", type=float, default=2e-4)
    parser.add_argument("--cycle-weight", type=float, default=10.0)
    parser.add_argument("--identity-weight", type=float, default=0.5, help="relative to the cycle weight")
    parser.add_argument("--style-weight", type=float, default=0.0,
                        help="weight of a Gram style loss on the photo-to-painting output (VGG16-HED block1-4 conv1 "
                             "against the whole painting); 0: the paper's losses only")
    parser.add_argument("--pool-size", type=int, default=50, help="discriminator history buffer")
    parser.add_argument("--sample-every", type=int, default=250)
    parser.add_argument("--checkpoint-every", type=int, default=250)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--init-generator", type=Path, help="start the photo-to-painting generator from this "
                        "project generator file (same shape) instead of random weights: fine-tuning")
    parser.add_argument("--export", type=Path, help="write the A-to-B generator's weights here at the end")
    parser.add_argument("--export-step", type=int, help="export the snapshot of this step instead of the last "
                        "generator (one chosen on validation photos)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar (logs only)")
    parser.add_argument("--no-snapshots", action="store_true", help="keep no generator per checkpoint")
    parser.add_argument("--allow-eval-images", action="store_true", help="accept eval photos in domain A "
                        "(the exported card then says the model is not held out)")
    args = parser.parse_args(argv)
    if args.crop % 4 or args.crop < 32:
        parser.error("--crop must be a multiple of 4, at least 32")
    if args.steps < 1 or args.batch < 1:
        parser.error("--steps and --batch must be positive")
    if args.export_step is not None and not (args.export and not args.no_snapshots
                                             and 0 < args.export_step <= args.steps
                                             and args.export_step % args.checkpoint_every == 0):
        parser.error("--export-step needs --export and snapshots, and a checkpoint step (a multiple of "
                     "--checkpoint-every) no later than --steps")
    return args


# --- data -------------------------------------------------------------------------------------

def signed_crops(images, crop: int, count: int, rng) -> np.ndarray:
    """methods.core.training.random_crops in the generators' [-1, 1]."""
    return random_crops(images, crop, count, rng) * 2.0 - 1.0


# --- the command --------------------------------------------------------------------------------

def train(args, command: str = "", domain_b=None, on_step=None, painting: str = "") -> dict:
    """Train (resuming from the run folder's checkpoint). domain_b: images instead of args.domain_b.
    on_step(done, total, seconds of this run) hears every step and may raise to stop: the
    checkpoint is saved at that step first, so no work is lost."""
    from keras import ops
    from tqdm import tqdm

    domain_a = load_domain(args.domain_a, args.max_side)
    domain_b = domain_b if domain_b is not None else load_domain(args.domain_b, args.max_side)
    (args.out / "snapshots").mkdir(parents=True, exist_ok=True)
    trainer = Trainer(args)
    if args.style_weight:
        trainer.set_style_target(domain_b[0])
    checkpoint, start, rng = args.out / "checkpoint", 0, np.random.default_rng(args.seed)
    pools = {"a": HistoryPool(args.pool_size, rng), "b": HistoryPool(args.pool_size, rng)}
    if (checkpoint / "state.json").is_file():
        state = trainer.restore(checkpoint, pools)
        start = state["step"]
        rng.bit_generator.state = state["rng"]
        print(f"resumed from {checkpoint} at step {start}", file=sys.stderr)
    fixed = np.random.default_rng(1234)  # the same sample crops in every grid
    sample_a, sample_b = signed_crops(domain_a, args.crop, 4, fixed), signed_crops(domain_b, args.crop, 4, fixed)
    device = compute_device()
    log = (args.out / "log.jsonl").open("a")
    started, losses = time.perf_counter(), {}
    steps_meter = tqdm(range(start, args.steps), initial=start, total=args.steps, desc=f"cyclegan ({device})",
               disable=args.no_progress, file=sys.stderr)
    for step in steps_meter:
        rate = trainer.set_learning_rate(step)
        real_a = signed_crops(domain_a, args.crop, args.batch, rng)
        real_b = signed_crops(domain_b, args.crop, args.batch, rng)
        fake_a, fake_b, g_parts = trainer.generator_step(real_a, real_b)
        d_parts = trainer.discriminator_step(real_a, real_b, pools["a"](ops.convert_to_numpy(fake_a)),
                                            pools["b"](ops.convert_to_numpy(fake_b)))
        losses = {name: float(value) for name, value in {**g_parts, **d_parts}.items()}
        done = step + 1
        steps_meter.set_postfix(g=f"{losses['g_total']:.2f}", d=f"{losses['d_a'] + losses['d_b']:.2f}")
        if done % args.sample_every == 0 or done == args.steps:
            save_image(sample_grid(trainer, sample_a, sample_b), args.out / "samples" / f"step_{done:06d}.png")
        saved = done % args.checkpoint_every == 0 or done == args.steps
        if saved:
            trainer.save(checkpoint, done, rng.bit_generator.state, pools)
            if not args.no_snapshots:  # the photo-to-painting generator at this step: quality against time
                trainer.g_ab.save_weights(str(snapshot_path(args.out, done)))
            log.write(json.dumps({"step": done, "lr": rate, "seconds": round(time.perf_counter() - started, 1),
                                  "run_start": start, **{k: round(v, 4) for k, v in losses.items()}}) + "\n")
            log.flush()
        try:
            if on_step:
                on_step(done, args.steps, time.perf_counter() - started)
        except BaseException:
            if not saved:
                trainer.save(checkpoint, done, rng.bit_generator.state, pools)
            raise
    log.close()
    seconds = time.perf_counter() - started
    if args.export:
        export(args, trainer, domain_b[0], painting or _painting_name(args.domain_b))
        if command:
            write_card(args, seconds, device, command)
    return {"steps": args.steps, "start": start, "seconds": seconds, "device": device, "losses": losses}


def export(args, trainer, style: np.ndarray, painting: str) -> None:
    """The photo-to-painting generator (or the --export-step snapshot) as a project generator file."""
    if args.export_step:
        trainer.g_ab.load_weights(str(snapshot_path(args.out, args.export_step)))
    atomic_write(args.export, lambda temp: save_generator(trainer.g_ab, temp, painting=painting, style=style,
                                                          side=args.max_side))


def snapshot_path(run: Path, step: int) -> Path:
    return run / "snapshots" / f"g_ab_step_{step:06d}.weights.h5"


def _painting_name(specs) -> str:
    """'Author, Title' from the image manifest, else the file's stem."""
    entry = imageset.entry_for_spec(specs[0])
    return f"{entry.author}, {entry.title}" if entry else Path(specs[0]).stem


def write_card(args, seconds: float, device: str, command: str) -> Path:
    """The exported generator's model card: front matter (what it trained on, held out or not), then facts.
    benchmarks/cyclegan_quality.py --cards adds the measured figures below."""
    names = [imageset.card_name(spec) for spec in imageset.image_specs(args.domain_a)]
    targets = [imageset.card_name(spec) for spec in imageset.image_specs(args.domain_b)]
    target = targets[0] if len(targets) == 1 else targets
    fields = {"training_images": names, "target": target, **imageset.card_fields(names)}  # keeps this order
    logged, losses = training_log(args.out)
    history = args.out / "commands.txt"  # every command that trained this run folder, in order
    commands = list(dict.fromkeys(history.read_text().splitlines())) if history.is_file() else [command]
    card = weights.card_path(args.export)
    exported = f"; exported: the generator of step {args.export_step} (snapshot)" if args.export_step else ""
    card.write_text(weights.format_front_matter(fields) + f"""# CycleGAN photo -> {', '.join(targets)} (project model)

- **Network**: CycleGAN ResNet generator (methods/cyclegan/generator.py), ngf {args.ngf},
  {args.n_blocks} residual blocks, {args.upsample} upsampling; float16 weights, {args.export.stat().st_size / 1e6:.1f} MB.
- **Data**: domain A = random {args.crop} px crops (with flips) of {', '.join(names)} (the train split, at most
  {args.max_side} px); domain B = random crops of {', '.join(targets)}.
- **Commands** (a later one resumes the run folder where the one before stopped):
{chr(10).join(f"  `{line}`" for line in commands)}
- **Recipe**: LSGAN; cycle weight {args.cycle_weight}, identity {args.identity_weight} of it, Gram style weight
  {args.style_weight}; PatchGAN ndf {args.ndf}, history {args.pool_size}; Adam {args.lr} (beta1 0.5), batch
  {args.batch}, linear decay from step {args.steps // 2 if args.decay_from is None else args.decay_from}.
- **Steps / time / machine**: {args.steps} steps, {max(logged, seconds):.0f} s of training, on {device}
  ({os.cpu_count()} cores){exported}.
- **Last logged losses**: {', '.join(f"{k} {v:.3f}" for k, v in losses.items())}.
""")
    return card


def main(argv=None) -> int:
    args = parse_args(argv)
    if importlib.util.find_spec("tensorflow"):  # absent on a GPU image that trains with KERAS_BACKEND=jax
        import_tensorflow_quietly()
    try:  # every image is checked against the split before any is loaded or trained on
        refusal = (imageset.training_refusal(args.domain_a, args.allow_eval_images)
                   or imageset.training_refusal(args.domain_b, allow_eval=True))
    except OSError as error:
        refusal = str(error)
    return run_command("methods.cyclegan.train", argv, args.out, refusal, lambda command: train(args, command))


if __name__ == "__main__":
    sys.exit(main())
