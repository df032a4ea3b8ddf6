"""The demo served on 127.0.0.1 in this process, once per test session (browser and API tests)."""
from __future__ import annotations

import functools
import socket


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@functools.cache
def url() -> str:
    import app

    port = free_port()
    app.launch(app.demo, server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True)
    return f"http://127.0.0.1:{port}/"
