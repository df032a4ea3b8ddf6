"""The demo served on 127.0.0.1 for the API and browser tests, once per pytest run.

It runs as a Space would: in its own process (`python -c ...` importing app), with no image
mirror (../shared/imageset hidden, $STYLEBENCH_IMAGES unset) and an empty cache home, so its
examples come from the copies shipped in assets/examples and the skimage wheel alone. It is
offline (STYLEBENCH_OFFLINE=1): the tests never download. Its log is tests/artifacts/app_server.log.
"""
from __future__ import annotations

import atexit
import functools
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = Path(os.environ.get("STYLEBENCH_ARTIFACTS", ROOT / "tests" / "artifacts"))
LOG = ARTIFACTS / "app_server.log"
START_TIMEOUT_S = 180
LAUNCHER = """
import sys
from pathlib import Path
from methods.core import manifest as imageset
imageset.SHARED_MIRROR = Path("/nonexistent/no-image-mirror")  # as on a Space: no ../shared
import app
app.launch(app.demo, server_name="127.0.0.1", server_port=int(sys.argv[1]), quiet=True)
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def log_text() -> str:
    return LOG.read_text(errors="replace") if LOG.is_file() else ""


def _tail(log_path: Path) -> str:
    return log_path.read_text(errors="replace")[-3000:]


def start(log_path: Path = LOG) -> tuple[subprocess.Popen, str, Callable[[], None]]:
    """A fresh server process as a Space runs it: (process, its address, stop()); raises when it
    does not answer. Its output goes to log_path."""
    port = free_port()
    cache = tempfile.mkdtemp(prefix="stylebench-app-cache-")
    env = {key: value for key, value in os.environ.items()
           if key not in ("STYLEBENCH_IMAGES", "STYLEBENCH_WEIGHTS_DIR", "TF_CPP_MIN_LOG_LEVEL")}
    env.update(STYLEBENCH_CACHE=cache, STYLEBENCH_OFFLINE="1", PYTHONUNBUFFERED="1")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    log = open(log_path, "w")
    server = subprocess.Popen([sys.executable, "-c", LAUNCHER, str(port)], cwd=ROOT, env=env, stdout=log,
                              stderr=subprocess.STDOUT)

    def stop():
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()
        shutil.rmtree(cache, ignore_errors=True)

    address = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if server.poll() is not None:
            stop()
            raise RuntimeError(f"the app exited with {server.returncode}:\n{_tail(log_path)}")
        try:
            with urllib.request.urlopen(address, timeout=5):
                return server, address, stop
        except OSError:
            time.sleep(0.5)
    stop()
    raise RuntimeError(f"the app did not answer within {START_TIMEOUT_S} s:\n{_tail(log_path)}")


@functools.cache
def url() -> str:
    """The server shared by every test of the pytest run (stopped at exit)."""
    _, address, stop = start()
    atexit.register(stop)
    return address
