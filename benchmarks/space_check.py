"""Every column of a served app, with its default settings, on a shipped example: what a Space
visitor gets on the first Run. Point it at a server started the way a Space starts one.

    python -m venv /tmp/space && /tmp/space/bin/pip install -r requirements.txt
    (cd a copy of the repo with no ../shared && /tmp/space/bin/python app.py) &
    python benchmarks/space_check.py --url http://127.0.0.1:7860

Prints each column's status line and its seconds from Run to result; exit 1 if any column failed.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from gradio_client import Client, handle_file

EXAMPLES = Path(__file__).resolve().parents[1] / "assets" / "examples"
METHODS = ("gatys", "adain", "magenta", "vae", "cyclegan")
FAILED = ("**Failed", "**Weights unavailable", "**Invalid", "**Error")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:7860")
    parser.add_argument("--photo", default="contents/kodim22.jpg")
    parser.add_argument("--painting", default="styles/starry_night.jpg")
    parser.add_argument("--size", type=int, default=384, help="the page's default output size")
    args = parser.parse_args(argv)
    client = Client(args.url, verbose=False)
    photo, painting = handle_file(str(EXAMPLES / args.photo)), handle_file(str(EXAMPLES / args.painting))
    failures = 0
    for name in METHODS:
        started = time.perf_counter()
        image, text = client.predict(photo, painting, args.size, True, api_name=f"/run_{name}")[:2]
        seconds = time.perf_counter() - started
        failed = image is None or text.startswith(FAILED)
        failures += failed
        first = " ".join(text.split())[:300]
        print(f"{name}: {'FAILED' if failed else 'ok'} in {seconds:.1f} s: {first}", flush=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
