"""Peak memory of each registered method, measured: every method runs its defaults once on the app's
default example pair at the app's default size, each in a fresh Python process, and the process's
peak resident set size is read back from the kernel (resource.getrusage; psutil's peak working set
where `resource` is missing).

    python -m benchmarks.memory [--methods gatys,vae] [--size 384] [--warm-cache]

The pair is the first example photo and painting of the app (the eval's first content and style:
astronaut x The Starry Night); the photo at --size (the app's default output size, 384), the
painting at the app's 512 px cap for styles; a method's `size` parameter follows --size as in the
app. Each process starts with an empty results cache (the downloaded weights stay reachable as a
mirror), so a method that trains per painting (the VAE) pays its first-run cost, the worst case a
visitor meets; --warm-cache uses the usual cache instead. Prints the CPU, then per method the
peak of the interpreter with TensorFlow imported, after loading its networks, and of the whole
run, in MB; exit 1 if a method failed or went over the target (3 GB per request, methods.core.images).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from methods import REGISTRY, get, import_tensorflow_quietly
from methods.core import manifest as imageset
from methods.core import weights

ROOT = Path(__file__).resolve().parents[1]
APP_SIZE = 384  # the app's default output side
APP_STYLE_SIDE = 512  # the app reads a painting at most this large
TARGET_MB = 3 * 1024


def peak_mb() -> float:
    """This process's peak resident set size so far, in MB."""
    try:
        import resource
    except ImportError:  # Windows: no resource module
        import psutil

        return psutil.Process().memory_info().peak_wset / 2**20
    kilobytes = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return kilobytes / 1024 if sys.platform != "darwin" else kilobytes / 2**20  # macOS counts bytes


def cpu() -> str:
    info = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").is_file() else ""
    model = next((line.split(":", 1)[1].strip() for line in info.splitlines() if line.startswith("model name")),
                 platform.processor() or platform.machine())
    return (f"{model}, {os.cpu_count()} cores, {platform.system()} {platform.release()}, "
            f"Python {platform.python_version()}")


def measure_here(name: str, size: int) -> dict:
    """Run `name` once with its app defaults in this process: {base_mb, load_mb, peak_mb, seconds}."""
    import_tensorflow_quietly()
    base = peak_mb()
    content = imageset.load(imageset.CONTENTS[0], size)
    style = imageset.load(imageset.STYLES[0], APP_STYLE_SIDE)
    method = get(name)
    params = {param.name: min(size, param.high) for param in method.params if param.name == "size"}
    resolved = method.resolve_params(params)
    method.load(resolved)
    loaded = peak_mb()
    started = time.perf_counter()
    result = method.stylize(content, style, **params)
    seconds = round(time.perf_counter() - started, 1)
    return {"base_mb": round(base), "load_mb": round(loaded), "peak_mb": round(peak_mb()), "seconds": seconds,
            "output": list(result.image.shape[:2])}


def measure_in_subprocess(name: str, size: int, warm_cache: bool) -> dict:
    """measure_here in a fresh interpreter, so no other method's networks count."""
    env = dict(os.environ)
    with tempfile.TemporaryDirectory(prefix="stylebench-memory-") as cache:
        if not warm_cache:
            mirrors = [p for p in env.get("STYLEBENCH_WEIGHTS_DIR", "").split(os.pathsep) if p]
            env["STYLEBENCH_WEIGHTS_DIR"] = os.pathsep.join([*mirrors, str(weights.cache_home() / "weights")])
            env["STYLEBENCH_CACHE"] = cache
        done = subprocess.run([sys.executable, "-m", "benchmarks.memory", "--one", name, "--size", str(size)],
                              cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        return {"error": (done.stderr.strip().splitlines() or [f"exit {done.returncode}"])[-1]}
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--methods", default=",".join(REGISTRY), help="comma-separated registered methods")
    parser.add_argument("--size", type=int, default=APP_SIZE, help="the photo's long side and the methods' size")
    parser.add_argument("--warm-cache", action="store_true", help="keep the usual cache (trained models reused)")
    parser.add_argument("--one", help=argparse.SUPPRESS)  # the child process: measure this method, print JSON
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(measure_here(args.one, args.size)))
        return 0
    names = [name.strip() for name in args.methods.split(",") if name.strip()]
    if unknown := [name for name in names if name not in REGISTRY]:
        parser.error(f"unknown method {', '.join(unknown)}; choose from {', '.join(REGISTRY)}")
    print(f"CPU: {cpu()}")
    print(f"pair: {imageset.CONTENTS[0].name} at {args.size} px x {imageset.STYLES[0].name} at {APP_STYLE_SIDE} px; "
          f"{'warm' if args.warm_cache else 'empty'} cache; target {TARGET_MB} MB", flush=True)
    failed = False
    for name in names:
        figures = measure_in_subprocess(name, args.size, args.warm_cache)
        if "error" in figures:
            failed = True
            print(f"{name:16} failed: {figures['error']}", flush=True)
            continue
        failed |= figures["peak_mb"] > TARGET_MB
        print(f"{name:16} peak {figures['peak_mb']:6d} MB (Python and TensorFlow {figures['base_mb']} MB, "
              f"after loading the networks {figures['load_mb']} MB), "
              f"{figures['seconds']:.1f} s, output {figures['output'][1]}x{figures['output'][0]}", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
