"""Gatys: the project's default configuration against the tutorial recipe, in one process.

Baseline: Adam (lr 0.02, beta1 0.99, epsilon 0.1), 1000 steps, one level, as in TensorFlow's
style transfer tutorial and the lecture notebook, on the project's objective (same backbone,
weights and images). For every progress preview of each run the full-size objective is
evaluated afterwards, giving the wall time at which each run first reached the baseline's
final loss. Runs alternate (baseline, default, baseline, ...) so drift hits both alike.

    python benchmarks/gatys_speed.py --sizes 256 512 [--repeats 1] [--baseline-steps 1000]
"""
from __future__ import annotations

import argparse
import platform
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from methods import get  # noqa: E402
from methods.gatys import GatysObjective  # noqa: E402
from methods.images import load_image, resize, resize_max  # noqa: E402

SHARED = Path(__file__).resolve().parents[2] / "shared" / "imageset"


def timed_run(method, content, style, **params):
    """Stylise, keeping (seconds since start, preview) for every progress report."""
    trace = []
    start = time.perf_counter()
    result = method.stylize(content, style, on_progress=lambda f, m, p: trace.append(
        (time.perf_counter() - start, None if p is None else p.copy())), **params)
    trace.append((time.perf_counter() - start, result.image))
    return result, trace


def loss_curve(trace, objective, content, style_grams, shape):
    """Full-size objective for each full-size preview: [(seconds, loss)]."""
    import tensorflow as tf

    content_features = {k: v for k, v in objective.extractor(content[None]).items() if k == "block4_conv2"}
    curve = []
    for seconds, image in trace:
        if image is not None and image.shape[:2] == shape:
            total, _ = objective.losses(tf.constant(image[None]), content_features, style_grams)
            curve.append((seconds, float(total)))
    return curve


def first_time_below(curve, target):
    return next((seconds for seconds, loss in curve if loss <= target * (1 + 1e-6)), None)


def bench(size, repeats, baseline_steps, content_path, style_path):
    method = get("gatys")
    content = resize_max(load_image(content_path, None), size)
    style = load_image(style_path, None)
    defaults = method.defaults()
    baseline = {**defaults, "size": size, "optimizer": "adam", "levels": 1, "steps": baseline_steps}
    default = {**defaults, "size": size}
    objective = GatysObjective(method.load(default), method.resolve_params(default))
    grams = method._style_grams(objective.extractor, style, size)
    shape = content.shape[:2]
    rows = []
    for _ in range(repeats):
        for label, params in (("baseline", baseline), ("default", default)):
            result, trace = timed_run(method, content, style, **params)
            rows.append((label, result, loss_curve(trace, objective, resize(content, shape), grams, shape)))
    target = np.mean([curve[-1][1] for label, _, curve in rows if label == "baseline"])
    print(f"\n== {size} px ({shape[1]}x{shape[0]}), baseline loss after {baseline_steps} Adam steps: {target:.4f}")
    print(f"{'run':9} {'wall s':>8} {'steps':>6} {'evals':>6} {'loss':>8} {'style':>8} {'content':>8} {'reach s':>8}")
    reach = {"baseline": [], "default": []}
    for label, result, curve in rows:
        losses = result.info["losses"]
        reached = first_time_below(curve, target)
        reach[label].append(reached if reached is not None else np.inf)
        print(f"{label:9} {result.seconds:8.1f} {result.info['steps']:6d} {result.info['evaluations']:6d} "
              f"{losses['total']:8.4f} {losses['style']:8.4f} {losses['content']:8.4f} "
              f"{reached if reached is not None else float('nan'):8.1f}")
    ratio = np.mean(reach["baseline"]) / np.mean(reach["default"])
    print(f"speed-up to the baseline's loss: {ratio:.2f}x (bar: >= 5x)")
    return ratio


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[256, 512])
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--baseline-steps", type=int, default=1000)
    parser.add_argument("--content", default=str(SHARED / "contents" / "kodim22.png"))
    parser.add_argument("--style", default=str(SHARED / "styles" / "starry_night.jpg"))
    args = parser.parse_args(argv)
    import os

    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"python {platform.python_version()}; content {Path(args.content).name}, style {Path(args.style).name}")
    for size in args.sizes:
        bench(size, args.repeats, args.baseline_steps, args.content, args.style)
    return 0


if __name__ == "__main__":
    sys.exit(main())
