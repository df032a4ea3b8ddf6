"""The whole page at its defaults, as a Space visitor sees it: seconds from pressing Run until each
column shows its numbers, on a first Run (a fresh server: it loads the networks and fine-tunes the
VAE on the painting) and a second Run with the same inputs.

Without --url it starts the app the way a Hugging Face Space does: `python app.py` in a copy of the
repository's files (those git tracks or would add) with no ../shared beside it, an empty HOME (so an empty cache), on
127.0.0.1 (GRADIO_SERVER_PORT); the interpreter is this one, so its packages stand in for the
Space's `pip install -r requirements.txt`. With --url it drives a server that is already running.

Like the page, it submits every column's event (`/run_<method>`, one per column) at once, with the
page's default photo, painting and output size and every parameter at its default, and times each
from submission until its update carries its scores. API calls skip the page's Run handler, which
only checks the two images (milliseconds) before the page fires the same events.

    python -m benchmarks.page_time                 # a fresh server, first and second Run
    python -m benchmarks.page_time --url http://127.0.0.1:7860 --runs 1
    python -m benchmarks.page_time --wait 60     # the first visitor comes a minute after the server starts

Prints the CPU, its flags, the load average before and after each Run, each column's seconds (and
the method's own runtime from its panel) and the page's total; exit 1 if a column failed.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from gradio_client import Client, handle_file

ROOT = Path(__file__).resolve().parents[1]
START_TIMEOUT_S = 300
RUN_TIMEOUT_S = 900
FAILED = ("**Failed", "**Weights unavailable", "**Invalid", "**Bad", "**Stopped at the")  # the cap, as error or note
RUNTIME = re.compile(r"\| runtime \| \*\*([^*]+)\*\*")
NOTE = re.compile(r"<small>(?!\d+×\d+ px)(?!From )([^<]+)</small>")  # a method's own note (the VAE's mode, ...)
LABELS = ("first run", "second run")
FLAGS = ("avx2", "avx512f", "avx512_bf16", "amx_bf16", "amx_tile")


def cpu_line() -> str:
    info = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").is_file() else ""
    model = next((line.split(":", 1)[1].strip() for line in info.splitlines() if line.startswith("model name")), "?")
    flags = next((line.split(":", 1)[1].split() for line in info.splitlines() if line.startswith("flags")), [])
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    present = " ".join(flag for flag in FLAGS if flag in flags) or "none of " + "/".join(FLAGS)
    return f"{model}, {cores} cores usable, flags: {present}"


def load_line() -> str:
    return "load average " + " ".join(f"{value:.2f}" for value in os.getloadavg())


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_space(folder: Path, offline: bool) -> tuple[subprocess.Popen, str, Path]:
    """`python app.py` in a copy of the files git would commit (tracked and new, not ignored), as a Space
    runs it; (process, address, log)."""
    repo = folder / "stylebench"  # no shared/ beside it
    files = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                           capture_output=True, check=True).stdout
    for name in filter(None, files.decode().split("\0")):
        if (ROOT / name).is_file():
            (repo / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, repo / name)
    home = folder / "home"
    home.mkdir()
    port = free_port()
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("STYLEBENCH_", "GRADIO_", "TF_", "XDG_", "KERAS_", "TFHUB_"))}
    env.update(HOME=str(home), GRADIO_SERVER_NAME="127.0.0.1", GRADIO_SERVER_PORT=str(port),
               GRADIO_ANALYTICS_ENABLED="False", PYTHONUNBUFFERED="1")
    if offline:
        env["STYLEBENCH_OFFLINE"] = "1"
    log = folder / "app.log"
    started = time.monotonic()
    with open(log, "w") as out:
        server = subprocess.Popen([sys.executable, "app.py"], cwd=repo, env=env, stdout=out, stderr=subprocess.STDOUT)
    address = f"http://127.0.0.1:{port}/"
    while time.monotonic() - started < START_TIMEOUT_S:
        if server.poll() is not None:
            raise RuntimeError(f"app.py exited with {server.returncode}:\n{log.read_text(errors='replace')[-3000:]}")
        try:
            with urllib.request.urlopen(address, timeout=5):
                print(f"served {time.monotonic() - started:.1f} s after `python app.py`", flush=True)
                return server, address, log
        except OSError:
            time.sleep(0.5)
    server.kill()
    raise RuntimeError(f"app.py did not answer within {START_TIMEOUT_S} s:\n{log.read_text(errors='replace')[-3000:]}")


def page_defaults(address: str, folder: Path) -> tuple[dict, dict, int]:
    """The photo and painting the page opens with (fetched from the server, under their own names) and
    its output size."""
    with urllib.request.urlopen(address.rstrip("/") + "/config", timeout=30) as response:
        components = {c.get("props", {}).get("elem_id"): c["props"] for c in json.load(response)["components"]}
    images = []
    for elem_id in ("content-image", "style-image"):
        value = components[elem_id]["value"]
        path = folder / (value.get("orig_name") or Path(value["path"]).name)
        urllib.request.urlretrieve(value["url"], path)
        images.append(handle_file(str(path)))
    return images[0], images[1], int(components["output-size"]["value"])


def one_run(client: Client, columns: list[str], photo: dict, painting: dict, size: int) -> dict[str, dict]:
    """Every column's event submitted at once; per column: seconds until its scores showed, its status."""
    started = time.monotonic()
    jobs = {name: client.submit(photo, painting, size, True, api_name=f"/run_{name}") for name in columns}
    found: dict[str, dict] = {}
    pictured: dict[str, float] = {}  # seconds until the column's first finished picture (not a preview)
    while len(found) < len(jobs) and time.monotonic() - started < RUN_TIMEOUT_S:
        for name, job in jobs.items():
            if name in found:
                continue
            texts = [update[1] or "" for update in job.outputs()]
            if name not in pictured and any(text.startswith(("Done in", "Ran ")) or "| runtime |" in text
                                            for text in texts):
                pictured[name] = time.monotonic() - started
            scored = next((text for text in texts if "| SSIM ↑ |" in text), None)
            if scored is not None or job.done():
                found[name] = {"seconds": time.monotonic() - started, "text": scored or (texts[-1] if texts else ""),
                               "scored": scored is not None}
                found[name]["pictured"] = pictured.get(name, found[name]["seconds"])
                if scored is None:
                    try:
                        found[name]["text"] = job.result()[1] or ""
                    except Exception as error:  # the event raised (a gr.Error): its message
                        found[name]["text"] = f"**Failed:** {error}"
        time.sleep(0.05)
    for name in jobs:
        found.setdefault(name, {"seconds": float("inf"), "text": f"no result within {RUN_TIMEOUT_S} s",
                                "scored": False})
    return found


def report(label: str, found: dict[str, dict]) -> int:
    failures = 0
    for name, column in found.items():
        text = " ".join(column["text"].split())
        failed = not column["scored"] or text.startswith(FAILED)
        failures += failed
        runtime = RUNTIME.search(column["text"])
        column["runtime"] = runtime.group(1) if runtime else "?"
        notes = re.findall(r"\*\*(Stopped [^*]+)\*\*", column["text"]) + NOTE.findall(column["text"])
        status = "FAILED: " + text[:300] if failed else (
            f"picture at {column['pictured']:.1f} s, numbers {column['seconds'] - column['pictured']:.1f} s later; "
            f"method runtime {column['runtime']}") + "".join(
            f"; {' '.join(note.split())[:200]}" for note in notes)
        print(f"  {label} {name:>9}: {column['seconds']:6.1f} s  {status}", flush=True)
    print(f"  {label} page: the last column showed its numbers {max(c['seconds'] for c in found.values()):.1f} s "
          "after Run", flush=True)
    return failures


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", help="a running server; default: start one as a Space does")
    parser.add_argument("--runs", type=int, default=2, help="Runs with the same inputs (the first on a fresh server)")
    parser.add_argument("--offline", action="store_true",
                        help="the started server may not download (STYLEBENCH_OFFLINE=1)")
    parser.add_argument("--wait", type=float, default=0.0, metavar="S",
                        help="seconds between the server's first answer and the first Run (a visitor who comes "
                             "later: the judge and every column's networks load meanwhile); default 0, Run at once")
    args = parser.parse_args(argv)
    print(f"CPU: {cpu_line()}", flush=True)
    folder = Path(tempfile.mkdtemp(prefix="stylebench-space-"))
    server = None
    try:
        if args.url:
            address = args.url
        else:
            server, address, log = start_space(folder, args.offline)
            time.sleep(args.wait)
        client = Client(address, verbose=False)
        endpoints = client.view_api(print_info=False, return_format="dict")["named_endpoints"]
        columns = [name.removeprefix("/run_") for name in endpoints if name.startswith("/run_")]
        photo, painting, size = page_defaults(address, folder)
        print(f"inputs: photo {Path(photo['path']).name}, painting {Path(painting['path']).name}, {size} px; "
              f"columns: {', '.join(columns)}", flush=True)
        failures, runs = 0, []
        for index in range(args.runs):
            label = LABELS[index] if index < len(LABELS) else f"run {index + 1}"
            print(f"{label}: {load_line()} before", flush=True)
            runs.append(one_run(client, columns, photo, painting, size))
            failures += report(label, runs[-1])
            print(f"{label}: {load_line()} after", flush=True)
        if runs:  # seconds from Run to each column's numbers, runs side by side
            print("\nseconds from Run to numbers, per run (the method's own runtime in brackets):")
            for name in columns + ["page"]:
                cells = [f"{max(c['seconds'] for c in found.values()):6.1f}" if name == "page" else
                         f"{found[name]['seconds']:6.1f} ({found[name].get('runtime', '?')})" for found in runs]
                print(f"  {name:>9}: " + " | ".join(cells), flush=True)
        if server is not None:
            peak = re.search(r"VmHWM:\s+(\d+) kB", Path(f"/proc/{server.pid}/status").read_text())
            print(f"server peak memory: {int(peak.group(1)) / 2**20:.2f} GB RSS" if peak else "", flush=True)
            if failures:
                print(log.read_text(errors="replace")[-3000:])
        return 1 if failures else 0
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
