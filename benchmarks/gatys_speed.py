"""Gatys' speed at its defaults against an earlier revision of the code, as ratios measured in one run.

Two worker processes, one per revision (the baseline's `methods/` and `eval/` unpacked from git), load
the networks and trace each size once (a 2-step run), then take turns: baseline, current, baseline,
... one run at a time, so drift and the machine's load hit both alike. Each run is astronaut x The
Starry Night at the method's defaults and the given size (384: the app's default; 256: the eval's).
`--float32` adds the current code with precision=float32, as it runs on a CPU without bfloat16 units.

    python -m benchmarks.gatys_speed [--baseline 09d73fc] [--sizes 384 256] [--repeats 2] [--float32]

Prints the CPU, its bfloat16 units and the load average before and after, every run's seconds
(loading excluded), L-BFGS evaluations and final loss, and per size the ratio of median seconds.
"""
from __future__ import annotations

import argparse
import io
import json
import os
import platform
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

import numpy as np

from methods.core.backbones import bfloat16_cpu, cpu_flags

REPO = Path(__file__).resolve().parents[1]
STARRY = REPO / "assets" / "examples" / "styles" / "starry_night.jpg"
# One request per line on stdin ({"size": ..., "params": {...}}), one JSON answer per line on stdout.
WORKER = """
import json, sys
import numpy as np
from skimage import data
from methods import get, import_tensorflow_quietly
import_tensorflow_quietly()
try:
    from methods.core.images import load_image, resize_max
except ImportError:  # revisions before the methods/core layer
    from methods.images import load_image, resize_max
gatys, style = get("gatys"), load_image(sys.argv[1], None)
photo = data.astronaut().astype(np.float32) / 255
for line in sys.stdin:
    request = json.loads(line)
    result = gatys.stylize(resize_max(photo, request["size"]), style, size=request["size"], **request["params"])
    print(json.dumps({"seconds": result.seconds, "evaluations": result.info["evaluations"],
                      "loss": result.info["losses"]["total"], "precision": result.info.get("precision", "float32")}),
          flush=True)
"""


class Worker:
    """A process running WORKER in a source tree."""

    def __init__(self, tree: Path):
        env = {**os.environ, "PYTHONPATH": str(tree), "TF_CPP_MIN_LOG_LEVEL": "3"}
        self.process = subprocess.Popen([sys.executable, "-c", WORKER, str(STARRY)], cwd=tree, env=env, text=True,
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE)

    def run(self, size: int, params: dict) -> dict:
        self.process.stdin.write(json.dumps({"size": size, "params": params}) + "\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError(f"the worker in {self.process.args} ended (exit {self.process.wait()})")
        return json.loads(line)

    def close(self):
        self.process.stdin.close()
        self.process.wait()


def unpack(revision: str, folder: Path) -> Path:
    """The revision's methods/ and eval/ (what Gatys imports) in `folder`."""
    archive = subprocess.run(["git", "-C", str(REPO), "archive", "--format=tar", revision, "methods", "eval"],
                             check=True, capture_output=True).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(folder, filter="data")
    return folder


def machine() -> str:
    model = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")),
                 platform.processor() or platform.machine()) if Path("/proc/cpuinfo").exists() else platform.machine()
    units = sorted({"amx_bf16", "avx512_bf16", "avx2", "avx512f"} & cpu_flags())
    return (f"{model}, {os.cpu_count()} cores, flags {' '.join(units) or 'unknown'} "
            f"(bfloat16 units: {'yes' if bfloat16_cpu() else 'no'})")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--baseline", default="09d73fc", help="git revision to compare against")
    parser.add_argument("--sizes", type=int, nargs="+", default=[384, 256])
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--float32", action="store_true", help="also time the current code in float32")
    args = parser.parse_args(argv)
    print(f"machine: {machine()}; python {platform.python_version()}")
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    with tempfile.TemporaryDirectory() as scratch:
        runs = {"baseline": (Worker(unpack(args.baseline, Path(scratch))), {}), "current": (Worker(REPO), {})}
        if args.float32:
            runs["current, float32"] = (runs["current"][0], {"precision": "float32"})
        for size in args.sizes:  # trace each size once: the app's second run and the eval's later images
            for worker, params in runs.values():
                worker.run(size, {**params, "steps": 2})
        seconds = {(label, size): [] for label in runs for size in args.sizes}
        for _ in range(args.repeats):
            for size in args.sizes:
                for label, (worker, params) in runs.items():
                    answer = worker.run(size, params)
                    seconds[label, size].append(answer["seconds"])
                    print(f"{size} px  {label:28} {answer['seconds']:7.1f} s  {answer['evaluations']:4d} evaluations  "
                          f"loss {answer['loss']:.4f}  ({answer['precision']})", flush=True)
        for worker in {id(w): w for w, _ in runs.values()}.values():
            worker.close()
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    for size in args.sizes:
        base = np.median(seconds["baseline", size])
        for label in list(runs)[1:]:
            print(f"{size} px: {label} {np.median(seconds[label, size]):.1f} s against the baseline's {base:.1f} s: "
                  f"{base / np.median(seconds[label, size]):.1f} times faster (median of {args.repeats})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
