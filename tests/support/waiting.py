"""Waiting for something to become true, by polling briefly (never a fixed sleep)."""
from __future__ import annotations

import time


def wait_until(check, *, timeout: float, what: str, interval: float = 0.1):
    """Call ``check`` until it returns something truthy (returned); fail after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(interval)
