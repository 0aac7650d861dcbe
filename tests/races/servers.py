"""Gunicorn with several worker processes on 127.0.0.1, started and stopped by a test.

The socket is bound here (port 0: the kernel picks a free port) and handed to gunicorn as
``fd://``, so there is no window in which another process could take the port.
"""
from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]


@contextlib.contextmanager
def gunicorn(config: dict, *, workers: int = 3, threads: int = 4, probe: str = "/webhooks/midtrans"):
    """Serve the app built from ``config``; yields the base URL; stops it afterwards."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    env = {**os.environ, "CHECKOUT_TEST_CONFIG": json.dumps(config, default=str)}
    command = [sys.executable, "-m", "gunicorn", "--bind", f"fd://{sock.fileno()}", "--workers", str(workers),
               "--threads", str(threads), "--preload", "--no-control-socket", "--log-level", "warning",
               "--timeout", "60", "--graceful-timeout", "3", "tests.races.gunicorn_app:build()"]
    process = subprocess.Popen(command, cwd=ROOT, env=env, pass_fds=[sock.fileno()])
    sock.close()  # gunicorn holds its own copy
    try:
        _wait_until_up(url + probe, process)
        yield url
    finally:
        process.send_signal(signal.SIGINT)  # quick shutdown: every answer is in by now
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


def _wait_until_up(url: str, process: subprocess.Popen, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}")
        try:
            requests.get(url, timeout=1)
            return
        except requests.RequestException:
            time.sleep(0.05)
    raise RuntimeError("gunicorn did not start in time")
