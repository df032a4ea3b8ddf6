"""Train the AdaIN decoder (Huang & Belongie 2017) on the train split.

    python -m methods.adain.train --out runs/adain --steps 4000 --export assets/adain/decoder.npz

Content: the train photos (../shared/imageset/train/photos); style: the train paintings
(methods/core/manifest.py TRAIN_PAINTINGS, public-domain works from pinned GitHub commits). Eval and
reserved images are refused. Each step: random crops (with flips) of --batch photos and
--batch paintings, t = AdaIN(f(photo), f(painting)) at block4_conv1, g = decoder(t);
  content loss  mean squared error of f(g) against t at block4_conv1;
  style loss    squared errors of the channel means and deviations of f(g) against the
                painting's at block1-4 conv1 (the paper's relu1_1..relu4_1), style weight 10;
  identity loss (not in the paper; --identity-weight, default 0) mean squared error of
                f(decoder(f(photo))) against f(photo) at block1-4 conv1, as SANet (Park &
                Lee 2019) adds: it teaches the decoder to give back the photo at strength 0;
  smoothness    (not in the paper; --tv-weight, default 0) mean squared difference of
                neighbouring pixels of g, a total-variation term against the decoder's fine grid;
  structure     (not in the paper; --structure-weight, default 0) mean squared error of the
                instance-normalised block1-3 conv1 features of g against the photo's: its layout at
                finer scales than block4, whatever their statistics (normalised as StyTr2's content loss);
Adam 1e-4 with the reference code's decay lr / (1 + 5e-5 step). The encoder is frozen.

--init starts a new run folder from a decoder file (the shipped assets/adain/decoder.npz, whose
run folder does not outlive the machine it was trained on); the step count starts at 0.
Resumable: the run folder keeps a checkpoint (every --checkpoint-every steps, and when the run
is interrupted), the loss curve (log.jsonl) and sample grids. With --export, the decoder is
written as methods.adain.model reads it (float16 .npz) with a model card beside it.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

from methods.adain.model import CONTENT_LAYER, build_decoder, build_encoder, forward, read_decoder, save_decoder
from methods.core import manifest as imageset
from methods.core import weights
from methods.core.backbones import STRUCTURE_LAYERS, STYLE_LAYERS, fast_dtype
from methods.core.files import atomic_write, replace_folder
from methods.core.images import contact_sheet, save_image
from methods.core.losses import structure_loss
from methods.core.ops import adain, channel_statistics
from methods.core.quiet import import_tensorflow_quietly
from methods.core.training import load_domain, random_crops, run_command, train_photo_paths, training_log

# model card section headings: export keeps what sits under CHOICES; benchmarks/adain_quality.py --card writes MEASURED
CHOICES, MEASURED = "## Choices measured", "## Measured (benchmarks/adain_quality.py)"


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="python -m methods.adain.train", description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--content", nargs="+", help="photo folders or files (default: the train photos)")
    parser.add_argument("--style", nargs="+", help="painting folders or files (default: the train paintings)")
    parser.add_argument("--out", required=True, type=Path, help="run folder: checkpoint, samples, loss log")
    parser.add_argument("--steps", type=int, default=4000)
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--crop", type=int, default=256, help="random crop side (a multiple of 8)")
    parser.add_argument("--max-side", type=int, default=512, help="images are shrunk to this long side first")
    parser.add_argument("--lr", type=float, default=1e-4)
    parser.add_argument("--lr-decay", type=float, default=5e-5)
    parser.add_argument("--style-weight", type=float, default=10.0)
    parser.add_argument("--identity-weight", type=float, default=0.0,
                        help="weight of the identity loss (0, the paper's recipe, leaves it out)")
    parser.add_argument("--tv-weight", type=float, default=0.0,
                        help="weight of the smoothness (total variation) term (0, the paper's recipe, leaves it out)")
    parser.add_argument("--structure-weight", type=float, default=0.0,
                        help="weight of the normalised content term at block1-3 conv1 "
                             "(0, the paper's recipe, leaves it out)")
    parser.add_argument("--init", type=Path, help="a decoder file (.npz or .weights.h5) a new run starts from")
    parser.add_argument("--precision", choices=("auto", "float32", "bfloat16"), default="auto",
                        help="auto: bfloat16 where the CPU has bfloat16 units (or on a GPU), else float32")
    parser.add_argument("--checkpoint-every", type=int, default=100)
    parser.add_argument("--sample-every", type=int, default=500)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--export", type=Path, help="write the decoder here at the end, with a model card")
    parser.add_argument("--no-progress", action="store_true")
    args = parser.parse_args(argv)
    if args.crop % 8 or args.crop < 32:
        parser.error("--crop must be a multiple of 8, at least 32")
    if args.steps < 1 or args.batch < 1:
        parser.error("--steps and --batch must be positive")
    return args


def default_images() -> tuple[list[str], list[str]]:
    photos = [str(path) for path in train_photo_paths("the AdaIN decoder")]
    return photos, [str(path) for path in imageset.train_painting_paths()]


def feature_error(features, targets, layers):
    """Sum over `layers` of the mean squared difference of two encodings, in float32."""
    import tensorflow as tf

    return tf.add_n([tf.reduce_mean(tf.square(tf.cast(features[name], tf.float32) - tf.cast(targets[name], tf.float32)))
                     for name in layers])


def moments_loss(features, targets):
    """Sum over layers of the squared errors of channel means and standard deviations."""
    import tensorflow as tf

    total = 0.0
    for name in STYLE_LAYERS:
        mean, deviation = channel_statistics(tf.cast(features[name], tf.float32))
        t_mean, t_deviation = channel_statistics(tf.cast(targets[name], tf.float32))
        total += tf.reduce_mean(tf.square(mean - t_mean)) + tf.reduce_mean(tf.square(deviation - t_deviation))
    return total


class Trainer:
    def __init__(self, args, dtype: str):
        import keras
        import tensorflow as tf

        keras.utils.set_random_seed(args.seed)
        self.args = args
        self.encoder, self.decoder = build_encoder(dtype), build_decoder(dtype)
        self.optimizer = keras.optimizers.Adam(args.lr)
        self.optimizer.build(self.decoder.trainable_variables)
        self.step = tf.function(self._step, reduce_retracing=True)

    def _step(self, photos, paintings):
        import tensorflow as tf

        style, photo = self.encoder(paintings), self.encoder(photos)
        target = adain(photo[CONTENT_LAYER], style[CONTENT_LAYER])
        target = tf.stop_gradient(tf.cast(target, tf.float32))
        with tf.GradientTape() as tape:
            decoded = self.decoder(target, training=True)
            features = self.encoder(decoded)
            content = tf.reduce_mean(tf.square(tf.cast(features[CONTENT_LAYER], tf.float32) - target))
            style_part = moments_loss(features, style)
            parts = {"content": content, "style": style_part}
            total = content + self.args.style_weight * style_part
            if self.args.structure_weight:
                layers = STRUCTURE_LAYERS  # summed over them, as the shipped decoder learnt it: 3 x their mean
                parts["structure"] = len(layers) * structure_loss({name: features[name] for name in layers},
                                                                  {name: photo[name] for name in layers})[0]
                total += self.args.structure_weight * parts["structure"]
            if self.args.tv_weight:
                image = tf.cast(decoded, tf.float32)
                parts["smoothness"] = (tf.reduce_mean(tf.square(image[:, 1:] - image[:, :-1]))
                                       + tf.reduce_mean(tf.square(image[:, :, 1:] - image[:, :, :-1])))
                total += self.args.tv_weight * parts["smoothness"]
            if self.args.identity_weight:
                rebuilt = self.encoder(self.decoder(tf.cast(photo[CONTENT_LAYER], tf.float32), training=True))
                parts["identity"] = feature_error(rebuilt, photo, STYLE_LAYERS)
                total += self.args.identity_weight * parts["identity"]
        variables = self.decoder.trainable_variables
        self.optimizer.apply_gradients(zip(tape.gradient(total, variables), variables))
        return decoded, {"total": total, **parts}

    def set_learning_rate(self, step: int) -> float:
        rate = self.args.lr / (1.0 + self.args.lr_decay * step)
        self.optimizer.learning_rate = rate
        return rate

    def save(self, folder: Path, step: int, rng_state: dict):
        def write(partial: Path):
            self.decoder.save_weights(str(partial / "decoder.weights.h5"))
            np.savez(partial / "optimizer.npz", **{f"v{i}": v.numpy() for i, v in enumerate(self.optimizer.variables)})
            (partial / "state.json").write_text(json.dumps({"step": step, "rng": rng_state}))

        replace_folder(folder, write)

    def restore(self, folder: Path) -> dict:
        self.decoder.load_weights(str(folder / "decoder.weights.h5"))
        with np.load(folder / "optimizer.npz") as slots:
            for i, variable in enumerate(self.optimizer.variables):
                variable.assign(slots[f"v{i}"])
        return json.loads((folder / "state.json").read_text())


def choose_dtype(precision: str) -> str:
    import tensorflow as tf

    if precision == "auto":
        return "mixed_bfloat16" if tf.config.list_physical_devices("GPU") else fast_dtype()
    return "mixed_bfloat16" if precision == "bfloat16" else "float32"


def train(args, photos: list[str], paintings: list[str]) -> dict:
    import tensorflow as tf
    from tqdm import tqdm

    content, style = load_domain(photos, args.max_side), load_domain(paintings, args.max_side)
    dtype = choose_dtype(args.precision)
    trainer = Trainer(args, dtype)
    checkpoint, start, rng = args.out / "checkpoint", 0, np.random.default_rng(args.seed)
    if (checkpoint / "state.json").is_file():
        state = trainer.restore(checkpoint)
        start = state["step"]
        rng.bit_generator.state = state["rng"]
        print(f"resumed from {checkpoint} at step {start}", file=sys.stderr)
    elif args.init:
        trainer.decoder.set_weights(read_decoder(args.init).get_weights())
        print(f"started from {args.init}", file=sys.stderr)
    fixed = np.random.default_rng(1234)
    sample_c, sample_s = random_crops(content, args.crop, 4, fixed), random_crops(style, args.crop, 4, fixed)
    device = "GPU" if tf.config.list_physical_devices("GPU") else "CPU"
    log = (args.out / "log.jsonl").open("a")
    started, losses, sums = time.perf_counter(), {}, {}
    steps_meter = tqdm(range(start, args.steps), initial=start, total=args.steps, desc=f"adain decoder ({device}, {dtype})",
               disable=args.no_progress, file=sys.stderr)
    for step in steps_meter:
        rate = trainer.set_learning_rate(step)
        _, parts = trainer.step(random_crops(content, args.crop, args.batch, rng),
                                 random_crops(style, args.crop, args.batch, rng))
        losses = {name: float(value) for name, value in parts.items()}
        sums = {name: sums.get(name, 0.0) + value for name, value in losses.items()}
        done = step + 1
        steps_meter.set_postfix(loss=f"{losses['total']:.2f}")
        if done % args.sample_every == 0 or done == args.steps:
            out = forward(trainer.encoder, trainer.decoder, sample_c, sample_s, 1.0)
            out = np.clip(np.asarray(out, np.float32), 0, 1)
            save_image(contact_sheet([list(sample_c), list(sample_s), list(out)], height=128),
                     args.out / "samples" / f"step_{done:06d}.png")
        saved = done % args.checkpoint_every == 0 or done == args.steps
        if saved:
            trainer.save(checkpoint, done, rng.bit_generator.state)
            count = done - (done - 1) // args.checkpoint_every * args.checkpoint_every
            log.write(json.dumps({"step": done, "lr": rate, "seconds": round(time.perf_counter() - started, 1),
                                  "run_start": start, **{k: round(v / count, 4) for k, v in sums.items()}}) + "\n")
            log.flush()
            sums = {}
    log.close()
    if args.export:
        export(args, trainer, photos, paintings, device, dtype)
    return {"steps": args.steps, "start": start, "seconds": time.perf_counter() - started, "device": device,
            "dtype": dtype, "losses": losses}


def export(args, trainer, photos, paintings, device: str, dtype: str) -> None:
    """The decoder as methods.adain.model reads it, its model card and its loss curve (PNG) beside it."""
    atomic_write(args.export, lambda temp: save_decoder(trainer.decoder, temp, steps=args.steps, crop=args.crop))
    names = [imageset.card_name(spec) for spec in photos + paintings]
    seconds, losses = training_log(args.out)
    curve = [json.loads(line) for line in (args.out / "log.jsonl").read_text().splitlines() if line.strip()]
    plot = args.export.with_name(args.export.stem + "_loss.png")
    _plot_curve(curve, plot)
    commands = list(dict.fromkeys((args.out / "commands.txt").read_text().splitlines()))
    every = max(1, len(curve) // 12)
    card = weights.card_path(args.export)
    # hand-written findings outlive a re-export; the figures measured on the old decoder do not
    kept = card.read_text().partition(CHOICES)[2].split(MEASURED)[0].rstrip() if card.is_file() else ""
    columns = ["step", "total", "content", "style"] + [
        part for part in ("identity", "smoothness", "structure") if any(part in entry for entry in curve)]
    formats = {"step": "d", "total": ".2f", "content": ".2f"}  # the others ".3f"
    rows = "\n".join("| " + " | ".join(format(e[c], formats.get(c, ".3f")) if c in e else "-" for c in columns) + " |"
                     for e in curve[every - 1::every])
    card.write_text(weights.format_front_matter(imageset.card_fields(names)) + f"""\
# AdaIN decoder for VGG16-HED block4_conv1 (project model)

- **Network**: the encoder (VGG16-HED to block4_conv1) mirrored, methods/adain/model.py `build_decoder`:
  nearest-neighbour upsampling, reflection-padded 3x3 convolutions, no normalisation; float16
  weights, {args.export.stat().st_size / 1e6:.1f} MB.
- **Data**: random {args.crop} px crops (with flips), batch {args.batch} photos and {args.batch} paintings, of
  {len(photos)} train photos and {len(paintings)} train paintings (at most {args.max_side} px): {', '.join(names)}.
- **Commands** (a later one resumes the run folder where the one before stopped):
{chr(10).join(f"  `{line}`" for line in commands)}
- **Recipe**: content loss on the AdaIN target at block4_conv1, style loss on channel means and deviations
  at block1-4 conv1, style weight {args.style_weight}; identity weight {args.identity_weight};
  smoothness weight {args.tv_weight}; structure weight {args.structure_weight};
  Adam {args.lr}, lr / (1 + {args.lr_decay} step);
  {dtype} compute.
- **Steps / time / machine**: {args.steps} steps, {seconds:.0f} s of training on {device} ({os.cpu_count()} cores).
- **Last logged losses** (mean of the last checkpoint interval): {', '.join(f"{k} {v:.3f}" for k, v in losses.items())}.

## Loss curve ({plot.name}; means over each checkpoint interval)
| {" | ".join(columns)} |
|{"---:|" * len(columns)}
{rows}
""" + (f"\n{CHOICES}{kept}\n" if kept else ""))


def _plot_curve(curve: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axis = plt.subplots(figsize=(6, 3.5))
    steps = [entry["step"] for entry in curve]
    for part in ("total", "content", "style", "identity", "smoothness", "structure"):
        if any(part in entry for entry in curve):
            axis.plot(steps, [entry.get(part, np.nan) for entry in curve], label=part)
    axis.set(xlabel="step", ylabel="loss", yscale="log", title="AdaIN decoder training")
    axis.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)


def main(argv=None) -> int:
    args = parse_args(argv)
    import_tensorflow_quietly()
    try:
        photos, paintings = default_images() if not (args.content and args.style) else ([], [])
        photos = imageset.image_specs(args.content) if args.content else photos
        paintings = imageset.image_specs(args.style) if args.style else paintings
        refusal = imageset.training_refusal(photos + paintings)
    except (OSError, ValueError, imageset.ImageSetError) as error:  # MethodError is a ValueError
        refusal = str(error)
    return run_command("methods.adain.train", argv, args.out, refusal, lambda _: train(args, photos, paintings))


if __name__ == "__main__":
    sys.exit(main())
