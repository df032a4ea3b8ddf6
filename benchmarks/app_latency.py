"""App bars through its API: time from Run to the first output image for AdaIN and CycleGAN
(models warm), and Gatys at its default size to completion. Serves the app on 127.0.0.1.

    python benchmarks/app_latency.py
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from gradio_client import Client, handle_file  # noqa: E402
from skimage import data  # noqa: E402

from methods.images import load_image, save_png  # noqa: E402
from tests import app_server  # noqa: E402

SHARED = Path(__file__).resolve().parents[2] / "shared" / "imageset"


def first_image_seconds(client, content, style, api_name, size=512):
    """Seconds until the stream first carries an output image."""
    started = time.perf_counter()
    job = client.submit(content, style, size, True, api_name=api_name)
    while True:
        outputs = job.outputs()
        if any(image for image, _ in outputs):
            return time.perf_counter() - started, outputs[-1][1]
        if job.done():
            return time.perf_counter() - started, job.result()[1]
        time.sleep(0.02)


def main() -> int:
    client = Client(app_server.url(), verbose=False)
    photo = handle_file(str(save_png(load_image(data.chelsea(), 512), Path("/tmp/stylebench_bench_photo.png"))))
    style = handle_file(str(SHARED / "styles" / "starry_night.jpg"))
    for name in ("adain", "magenta", "cyclegan"):
        client.predict(photo, style, 512, True, api_name=f"/run_{name}")  # warm: load the networks
        seconds = [first_image_seconds(client, photo, style, f"/run_{name}")[0] for _ in range(3)]
        print(f"{name}: first image {min(seconds):.2f} s after Run (best of 3; all {[round(s, 2) for s in seconds]})")
    started = time.perf_counter()
    job = client.submit(photo, style, 512, True, api_name="/run_gatys")
    job.result(timeout=600)
    print(f"gatys (default size 256): done {time.perf_counter() - started:.1f} s after Run, "
          f"{len(job.outputs())} streamed updates")
    return 0


if __name__ == "__main__":
    sys.exit(main())
