"""TensorFlow without its start-up chatter: the log level, and an import with stderr silenced."""
from __future__ import annotations

import os
import sys

# TensorFlow's C++ start-up chatter drowns the CLI's and the tests' output. It reads the level when it
# loads, so this module is imported before anything that imports TensorFlow (methods/__init__.py).
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # 3: also the "failed call to cuInit" error on CPU


def import_tensorflow_quietly() -> None:
    """Import TensorFlow with the process's stderr (fd 2) pointed at /dev/null for the import only.

    Its native libraries log start-up lines from static initialisers (absl's "All log messages
    before absl::InitializeLog()", oneDNN, the CUDA stub on a CPU machine) before any log level is
    read; TF_CPP_MIN_LOG_LEVEL=3 (set above) silences the rest, "failed call to cuInit"
    included. Called once at start (the app, the CLIs), before any thread could write to stderr.
    """
    if "tensorflow" in sys.modules:
        return
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 2)
            import tensorflow  # noqa: F401
    finally:
        os.dup2(saved, 2)
        os.close(saved)
