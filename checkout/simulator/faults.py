"""Fault switches: make the simulator misbehave the ways Midtrans sometimes does.

The switches live in the store, not in process memory, so a switch flipped over HTTP in
one gunicorn worker applies in all of them, and "the next N" counters are taken
atomically (inside a write transaction) so N means N across processes.

Shape (every key optional when updating; see :data:`DEFAULTS`)::

    {
      "duplicate_notifications": false,     # send every notification twice
      "out_of_order_notifications": false,  # hold "pending" until the next one is sent
      "notification_delay_seconds": 0,      # queue deliveries this long before the first try
      "drop_notifications": false,          # record but never send any notification
      "drop_next_notifications": 0,         # ... or only the next N deliveries
      "fail_next_api_calls": 0,             # the next N API calls fail ...
      "api_failure": "500",                 # ... with "500", "503" or "timeout"
      "timeout_seconds": 5                  # how long a "timeout" call stalls before answering
    }
"""
from __future__ import annotations

import sqlite3

from .store import dumps, loads, write

DEFAULTS: dict[str, object] = {
    "duplicate_notifications": False,
    "out_of_order_notifications": False,
    "notification_delay_seconds": 0,
    "drop_notifications": False,
    "drop_next_notifications": 0,
    "fail_next_api_calls": 0,
    "api_failure": "500",
    "timeout_seconds": 5,
}
API_FAILURES = ("500", "503", "timeout")
MAX_TIMEOUT_SECONDS = 60
MAX_DELAY_SECONDS = 3600

_BOOLEANS = {"duplicate_notifications", "out_of_order_notifications", "drop_notifications"}
_COUNTERS = {"drop_next_notifications", "fail_next_api_calls"}


class InvalidFaults(ValueError):
    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


def validate(changes: object) -> dict:
    """Check a (partial) fault settings object; returns it normalised or raises."""
    if not isinstance(changes, dict):
        raise InvalidFaults(["the body must be a JSON object"])
    problems = []
    clean: dict[str, object] = {}
    for key, value in changes.items():
        if key not in DEFAULTS:
            problems.append(f"unknown fault switch {key!r}")
        elif key in _BOOLEANS:
            if isinstance(value, bool):
                clean[key] = value
            else:
                problems.append(f"{key} must be true or false")
        elif key in _COUNTERS:
            if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
                clean[key] = value
            else:
                problems.append(f"{key} must be a whole number >= 0")
        elif key == "api_failure":
            value = str(value)
            if value in API_FAILURES:
                clean[key] = value
            else:
                problems.append(f"api_failure must be one of {', '.join(API_FAILURES)}")
        else:
            limit = MAX_TIMEOUT_SECONDS if key == "timeout_seconds" else MAX_DELAY_SECONDS
            if isinstance(value, (int, float)) and not isinstance(value, bool) and 0 <= value <= limit:
                clean[key] = value
            else:
                problems.append(f"{key} must be a number of seconds between 0 and {limit}")
    if problems:
        raise InvalidFaults(problems)
    return clean


def load(conn: sqlite3.Connection) -> dict:
    row = conn.execute("SELECT settings FROM faults WHERE id = 1").fetchone()
    stored = loads(row["settings"], {}) if row else {}
    return {**DEFAULTS, **stored}


def update(conn: sqlite3.Connection, changes: dict) -> dict:
    clean = validate(changes)
    with write(conn):
        settings = {**load(conn), **clean}
        _save(conn, settings)
        if not settings["out_of_order_notifications"]:
            release_held(conn)
    return settings


def reset(conn: sqlite3.Connection) -> dict:
    with write(conn):
        _save(conn, dict(DEFAULTS))
        release_held(conn)
    return dict(DEFAULTS)


def release_held(conn: sqlite3.Connection) -> None:
    """Held (out-of-order) notifications go out once nobody wants them held any more."""
    conn.execute("UPDATE deliveries SET state = 'due' WHERE state = 'held'")


def take_api_failure(conn: sqlite3.Connection) -> str | None:
    """Consume one failing API call if any are armed: returns "500", "503", "timeout" or None."""
    if load(conn)["fail_next_api_calls"] <= 0:
        return None  # the common case reads without taking the write lock
    with write(conn):
        settings = load(conn)
        if settings["fail_next_api_calls"] <= 0:
            return None
        settings["fail_next_api_calls"] -= 1
        _save(conn, settings)
        return str(settings["api_failure"])


def take_drop(conn: sqlite3.Connection, settings: dict) -> bool:
    """Should this delivery be dropped? Consumes one of "the next N" if armed.

    Runs inside the caller's write transaction (the one queueing the notification).
    """
    if settings["drop_notifications"]:
        return True
    if settings["drop_next_notifications"] > 0:
        settings["drop_next_notifications"] -= 1
        _save(conn, settings)
        return True
    return False


def _save(conn: sqlite3.Connection, settings: dict) -> None:
    conn.execute("UPDATE faults SET settings = ? WHERE id = 1", (dumps(settings),))
