"""Gatys et al. (2016): optimise the pixels so VGG features match the content and Gram
matrices match the style. L-BFGS (scipy's L-BFGS-B, box-bounded to [0, 1]) on a compiled
TensorFlow value-and-gradient, coarse to fine over an image pyramid; Adam as an option.

Where the time goes: each L-BFGS step evaluates VGG16 up to block5_conv1 (the deepest layer the
loss reads; the network stops there) forward and backward. A level half the size costs about a
third as much (a quarter of the pixels, plus each step's fixed costs), so each coarser level takes
twice the steps of the one above (`coarse_factor`): 13 steps at full size, 26 and 52 below at the
defaults. On a CPU with bfloat16 units (AMX, AVX-512 BF16) VGG and the
image's Gram matrices compute in bfloat16 (`precision` auto), about 3 times faster than float32; the
image, the style targets, the losses and L-BFGS stay in float32/float64. What was tried and did not pay
is in the method's card (assets/gatys/README.md).

Anytime: every step is a usable image, so a run stopped at the time cap or by the caller returns
the best image so far (upsampled to full size) with a note saying how far it got.

Peak memory at its maximum size (`size` 512, one level, 20 L-BFGS steps, a 1024 px photo,
`/usr/bin/time -v python -m methods`, in float32 with 20 L-BFGS correction pairs, 2026-11):
2.1 GB RSS. At 1024 px it was 5.3 GB (VGG's activations kept for the gradient, plus L-BFGS's
correction pairs of 3 million doubles), which is why `size` stops at 512. 10 correction pairs and
bfloat16 activations need less.
"""
from __future__ import annotations

import functools
import time

import numpy as np

from methods.base import Interrupted, Method, Param
from methods.core import losses
from methods.core.backbones import BLOCK_FIRST_LAYERS, fast_dtype, feature_extractor
from methods.core.files import pixel_key
from methods.core.images import resize, resize_max

CONTENT_LAYERS = ("block4_conv2",)
STYLE_LAYERS = BLOCK_FIRST_LAYERS  # block1_conv1 ... block5_conv1, as Gatys et al.
# The tutorial recipe (TensorFlow's style transfer tutorial, the lecture notebook).
MIN_LEVEL_SIDE = 32
MIN_STYLE_SIDE = 128
ADAM = {"learning_rate": 0.02, "beta_1": 0.99, "epsilon": 0.1}
GRAM_CACHE_SIZE = 48  # style targets kept: 16 paintings at 3 pyramid levels
LBFGS_MEMORY = 10  # correction pairs L-BFGS keeps (scipy's default; 20 cost 5 % more time for the same loss)


class Gatys(Method):
    name = "gatys"
    title = "Gatys (optimisation)"
    family = "optimisation over VGG features"
    description = ("Gatys, Ecker & Bethge 2016: starts from the photo and optimises its pixels so that "
                   "VGG feature maps keep the photo's content and their Gram matrices match the painting's.")
    params = (
        Param("size", 256, "int", "long side of the output in pixels (at most 512: at 1024 px the optimisation "
              "needs 5.3 GB and gets about 30 steps in the 5 min cap)", 64, 512),
        Param("steps", 13, "int", "optimiser iterations at full size, `coarse_factor` times as many at each "
              "coarser level; a request stops at the 5 min cap with the image so far (about 300 steps of a "
              "512 px level on 2 cores with bfloat16 units)", 1, 2000),
        Param("levels", 3, "int", "pyramid levels (1 = full size only; each level halves the size)", 1, 4),
        Param("coarse_factor", 2.0, "float", "each coarser level takes this many times the steps of the level "
              "above (a level half the size costs about a third as much)", 1.0, 4.0),
        Param("style_weight", 3.0, "float", "weight of the Gram style loss", 0.0, 1e4),
        Param("content_weight", 1.0, "float", "weight of the feature content loss", 0.0, 1e4),
        Param("tv_weight", 0.5, "float", "weight of the total-variation smoothness loss", 0.0, 1e4),
        Param("optimizer", "lbfgs", "choice", "L-BFGS (fast) or Adam (the tutorial's recipe)",
              choices=("lbfgs", "adam")),
        Param("init", "content", "choice", "start from the photo or from noise", choices=("content", "noise")),
        Param("backbone", "vgg16_hed", "choice", "feature network", choices=("vgg16_hed", "vgg19_imagenet")),
        Param("precision", "auto", "choice", "VGG's and the Gram matrices' arithmetic: auto = bfloat16 where the CPU "
              "has bfloat16 units (about 3 times faster), else float32", choices=("auto", "float32")),
        Param("seed", 0, "int", "random seed (noise initialisation)", 0, 2**31 - 1),
    )

    def __init__(self):
        self._gram_cache: dict = {}

    def networks(self, params):
        return (params["backbone"],)

    def load(self, params):
        dtype = fast_dtype() if params["precision"] == "auto" else "float32"
        return feature_extractor(params["backbone"], CONTENT_LAYERS + STYLE_LAYERS, dtype)

    def run(self, content, style, params, on_progress, extractor):
        content = resize_max(content, params["size"])
        height, width = content.shape[:2]
        levels = range(params["levels"] - 1, -1, -1)
        shapes = [(round(height / 2**k), round(width / 2**k)) for k in levels]
        # VGG pools four times before block5_conv1: coarser levels would pool away to nothing
        shapes = [shape for shape in shapes if min(shape) >= MIN_LEVEL_SIDE] or [(height, width)]
        steps = steps_per_level(params["steps"], params["coarse_factor"], len(shapes))
        # a level's share of the progress bar: its steps weighted by its cost (pixels)
        costs = np.array([n * h * w for n, (h, w) in zip(steps, shapes)], np.float64)
        starts = np.concatenate([[0.0], np.cumsum(costs)[:-1]]) / costs.sum()
        image = resize(content, shapes[0])
        if params["init"] == "noise":
            image = np.random.default_rng(params["seed"]).uniform(0, 1, image.shape).astype(np.float32)
        objective = GatysObjective(extractor, params)
        evaluations, history, note = 0, [], ""
        try:
            for index, shape in enumerate(shapes):
                if index:  # upsample the coarse result and add back the detail the coarse level lacked
                    image = upsample(image, content, shape)
                grams = self._style_grams(extractor, style, max(*shape, MIN_STYLE_SIDE))

                def report(step, loss, current, index=index, shape=shape):
                    # called at every loss evaluation: the request's deadline and a cancel land within one
                    done = starts[index] + min(step / steps[index], 1.0) * costs[index] / costs.sum()
                    on_progress(done, f"level {index + 1}/{len(shapes)} ({shape[1]}x{shape[0]}), "
                                      f"step {step}/{steps[index]}, loss {loss:.4g}",
                                current() if on_progress.listening else None)

                started = time.perf_counter()
                image, count, losses = objective.minimise(image, resize(content, shape), grams, steps[index], report)
                evaluations += count
                history.append({"size": f"{shape[1]}x{shape[0]}", "evaluations": count,
                                "seconds": round(time.perf_counter() - started, 2), **losses})
        except Interrupted as error:  # the time cap or the caller's Stop: the best image so far
            if objective.best is None:
                raise
            image, note, stop = upsample(objective.best, content, (height, width)), error.note(), error
        info = {"backbone": extractor.backbone, "weights_source": extractor.source,
                "precision": extractor.dtype, "steps": sum(steps), "evaluations": evaluations,
                "levels": history, "losses": history[-1] if history else {}}
        if note:  # a result that depends on the machine's speed: the eval does not cache it
            info.update(note=note, interrupted={"reason": stop.reason, "fraction": round(stop.fraction, 3)})
        return image, info

    def _style_grams(self, extractor, style, long_side):
        """Gram targets, computed once per style image, backbone, precision and size; the last
        GRAM_CACHE_SIZE are kept (about 2.5 MB each), so a server's memory stays bounded."""
        key = (extractor.backbone, extractor.dtype, pixel_key(style), style.shape, long_side)
        if key not in self._gram_cache:
            features = extractor(resize_max(style, long_side)[None])
            self._gram_cache[key] = {name: losses.gram(features[name]) for name in STYLE_LAYERS}
            while len(self._gram_cache) > GRAM_CACHE_SIZE:
                self._gram_cache.pop(next(iter(self._gram_cache)))  # the oldest
        return self._gram_cache[key]


def steps_per_level(steps: int, coarse_factor: float, levels: int) -> list[int]:
    """L-BFGS steps at each pyramid level, coarsest first: `steps` at full size, `coarse_factor` times
    the level above's at each coarser one."""
    return [round(steps * coarse_factor ** level) for level in range(levels - 1, -1, -1)]


def upsample(image: np.ndarray, content: np.ndarray, shape: tuple) -> np.ndarray:
    """A coarse result at `shape`, with the photo's detail that the coarse level could not hold added back."""
    if image.shape[:2] == tuple(shape):
        return image
    level_content = resize(content, shape)
    lost_detail = level_content - resize(resize(level_content, image.shape[:2]), shape)
    return np.clip(resize(image, shape) + lost_detail, 0.0, 1.0)


class GatysObjective:
    """Weighted content + style + TV loss of an image, and its minimisers. `best` is the lowest-loss
    image the current minimisation has evaluated: what an interrupted run returns."""

    def __init__(self, extractor, params):
        self.extractor, self.params = extractor, params
        self.weights = np.array([params["content_weight"], params["style_weight"], params["tv_weight"]], np.float32)
        self.best = None

    def losses(self, image, content_features, grams):
        return _compiled(self.extractor)[0](image, content_features, grams, self.weights)

    def minimise(self, image, content, grams, steps, report):
        import tensorflow as tf

        content_features = {name: value for name, value in self.extractor(content[None]).items()
                            if name in CONTENT_LAYERS}
        if self.params["optimizer"] == "adam":
            return self._adam(tf, lambda x: self.losses(x, content_features, grams), image, steps, report)
        return self._lbfgs(tf, content_features, grams, image, steps, report)

    def _lbfgs(self, tf, content_features, grams, image, steps, report):
        from scipy.optimize import Bounds, minimize

        loss_fn, value_and_grad = _compiled(self.extractor)
        shape = (1, *image.shape)
        state = {"count": 0, "step": 0, "loss": np.inf, "best": np.inf}
        self.best = image

        def fun(flat):
            total, grad = value_and_grad(tf.constant(flat.reshape(shape), tf.float32), content_features, grams,
                                         self.weights)
            state["count"] += 1
            state["loss"] = float(total)
            if state["loss"] < state["best"]:
                state["best"], self.best = state["loss"], flat.reshape(image.shape).astype(np.float32)
            # every evaluation, not every iteration: a line search may evaluate several times
            report(state["step"], state["loss"], lambda: flat.reshape(image.shape).astype(np.float32))
            return state["loss"], grad.numpy().astype(np.float64).ravel()

        def callback(flat):
            state["step"] += 1
            if state["step"] == steps:
                report(state["step"], state["loss"], lambda: flat.reshape(image.shape).astype(np.float32))

        # Bounds(0, 1) rather than a list of 3 million (0, 1) pairs at 1024 px
        result = minimize(fun, image.astype(np.float64).ravel(), jac=True, method="L-BFGS-B",
                          bounds=Bounds(0.0, 1.0), callback=callback,
                          options={"maxiter": steps, "maxfun": steps * 2, "maxcor": LBFGS_MEMORY})
        final = result.x.reshape(image.shape).astype(np.float32)
        _, parts = loss_fn(tf.constant(final[None]), content_features, grams, self.weights)
        return final, state["count"], {k: float(v) for k, v in parts.items()}

    def _adam(self, tf, loss_fn, image, steps, report):
        variable = tf.Variable(image[None])
        optimizer = tf.keras.optimizers.Adam(**ADAM)

        @tf.function
        def step():
            with tf.GradientTape() as tape:
                total, _ = loss_fn(variable)
            optimizer.apply_gradients([(tape.gradient(total, variable), variable)])
            variable.assign(tf.clip_by_value(variable, 0.0, 1.0))
            return total

        for index in range(1, steps + 1):
            total = step()
            self.best = variable.numpy()[0]  # Adam's loss is not monotone; its latest image is what it has
            report(index, float(total), lambda: variable.numpy()[0])
        final = variable.numpy()[0]
        _, parts = loss_fn(tf.constant(final[None]))
        return final, steps, {k: float(v) for k, v in parts.items()}


@functools.cache
def _compiled(extractor):
    """(loss, value-and-gradient) traced once per backbone; shapes, targets and weights are
    arguments, so new sizes and images reuse a shape-relaxed trace instead of retracing."""
    import tensorflow as tf

    # the image's Gram matrices in VGG's own precision: bfloat16 halves their cost (targets stay float32)
    gram_dtype = "bfloat16" if extractor.dtype == "mixed_bfloat16" else None

    def loss(image, content_features, grams, weights):
        features = extractor(image)
        content, _ = losses.content_loss(features, content_features)
        style, _ = losses.style_loss(features, grams, gram_dtype)
        tv = losses.tv_loss(image)
        total = weights[0] * content + weights[1] * style + weights[2] * tv
        return total, {"total": total, "content": content, "style": style, "tv": tv}

    @tf.function(reduce_retracing=True)
    def value_and_grad(image, content_features, grams, weights):
        with tf.GradientTape() as tape:
            tape.watch(image)
            total, _ = loss(image, content_features, grams, weights)
        return total, tape.gradient(total, image)

    return tf.function(loss, reduce_retracing=True), value_and_grad
