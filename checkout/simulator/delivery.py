"""Sending one notification, and Midtrans's rules for trying again.

Midtrans POSTs JSON with ``User-Agent: Veritrans`` and waits up to 15 seconds. A 2xx
answer is success. 307/308 are followed (the body is re-sent); 301/302/303 are not: a
redirect loses the notification, which is a classic integration bug, so it counts as a
failure here too.

Retries follow Midtrans's published schedule, about 2, 10, 30, 90 and 210 minutes after
each failure with some jitter, and how many depends on how the merchant failed: a 500
gets one retry, a 503 four, a 400 or 404 two, anything else (timeouts, refused
connections, other codes, redirects) five. ``time_scale`` shrinks the schedule so tests
can watch a whole retry sequence in seconds.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from urllib.parse import urljoin

import requests

RETRY_SCHEDULE_MINUTES = (2, 10, 30, 90, 210)
JITTER = 0.1
MAX_FOLLOWED_REDIRECTS = 5
HEADERS = {
    "Content-Type": "application/json",
    "Accept": "application/json",
    "User-Agent": "Veritrans",
}


@dataclass(frozen=True)
class Attempt:
    status_code: int | None
    error: str | None

    @property
    def delivered(self) -> bool:
        return self.error is None and self.status_code is not None and 200 <= self.status_code < 300


def post(url: str, payload: bytes, timeout: float) -> Attempt:
    """POST ``payload`` to ``url`` once (following only 307/308)."""
    try:
        for _ in range(MAX_FOLLOWED_REDIRECTS + 1):
            response = requests.post(url, data=payload, headers=HEADERS, timeout=timeout, allow_redirects=False)
            response.close()
            if response.status_code in (307, 308) and response.headers.get("Location"):
                url = urljoin(url, response.headers["Location"])
                continue
            return Attempt(response.status_code, None)
        return Attempt(None, "too many redirects")
    except requests.Timeout:
        return Attempt(None, f"timed out after {timeout:g}s")
    except requests.RequestException as exc:
        return Attempt(None, f"{type(exc).__name__}: {exc}")


def retries_allowed(attempt: Attempt) -> int:
    """How many retries Midtrans grants after a failure like this one."""
    code = attempt.status_code
    if attempt.error is not None or code is None:
        return 5
    if code == 500:
        return 1
    if code == 503:
        return 4
    if code in (400, 404):
        return 2
    return 5


def next_retry_delay(retry_number: int, time_scale: float, rng: random.Random | None = None) -> float:
    """Seconds to wait before retry ``retry_number`` (1-based), jittered by +/-10%."""
    minutes = RETRY_SCHEDULE_MINUTES[min(retry_number, len(RETRY_SCHEDULE_MINUTES)) - 1]
    jitter = 1 + (rng or random).uniform(-JITTER, JITTER)
    return minutes * 60 * time_scale * jitter
