"""Run a `flask` command as a real process and read its output while it runs."""
from __future__ import annotations

import os
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


class Running:
    def __init__(self, args: list[str], env: dict):
        self.process = subprocess.Popen([sys.executable, "-m", "flask", *args], cwd=ROOT, env=env,
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.lines: list[str] = []
        self._queue: queue.Queue = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self._queue.put(line)

    def wait_for(self, text: str, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"{text!r} not printed; output so far:\n{self.output}")
            try:
                line = self._queue.get(timeout=remaining)
            except queue.Empty:
                continue
            self.lines.append(line)
            if text in line:
                return

    def terminate(self, timeout: float = 15.0) -> tuple[int, float]:
        """SIGTERM; (exit code, seconds it took to exit)."""
        started = time.monotonic()
        self.process.terminate()
        code = self.process.wait(timeout=timeout)
        took = time.monotonic() - started
        self._reader.join(timeout=5)
        while not self._queue.empty():
            self.lines.append(self._queue.get())
        return code, took

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(5)

    @property
    def output(self) -> str:
        return "".join(self.lines)


def app_env(app, **extra) -> dict:
    """The environment a `flask` process needs to use the test app's database."""
    return {**os.environ, "FLASK_APP": "wsgi:app", "APP_ENV": "testing", "SECRET_KEY": app.config["SECRET_KEY"],
            "SIMULATOR_MOUNTED": "0",
            "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"].replace("postgresql+psycopg", "postgresql"),
            **extra}
