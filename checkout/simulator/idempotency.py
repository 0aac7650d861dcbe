"""``Idempotency-Key`` on Core API POSTs, as Midtrans documents it.

* A repeat with the same key (per merchant key) within five minutes of the first gets
  the first response again, byte for byte, HTTP status included.
* Only successful responses are remembered: after a 4xx/5xx the key is free, so a
  corrected retry is processed.
* A repeat that arrives while the first is still being processed gets HTTP 202.
* Keys longer than 46 characters are ignored (the request is processed normally).

The claim is a row written under the write lock before the request is processed, so two
concurrent requests with one key cannot both be processed, in any number of processes.
"""
from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from flask import Response

from .store import loads, write

MAX_KEY_LENGTH = 46
# A "processing" claim older than this belongs to a request that died; it no longer blocks.
ABANDONED_AFTER = 120.0
IN_FLIGHT_BODY = {"status_code": "202", "status_message": "The request is still being processed"}


@dataclass(frozen=True)
class Replay:
    http_status: int
    body: bytes


IN_FLIGHT = object()


def usable(key: str | None) -> bool:
    return bool(key) and len(key) <= MAX_KEY_LENGTH


def claim(conn: sqlite3.Connection, server_key: str, key: str, now: float, ttl: float):
    """Returns a :class:`Replay`, :data:`IN_FLIGHT`, or None (the caller now owns the key)."""
    with write(conn):
        row = conn.execute(
            "SELECT * FROM idempotency WHERE server_key = ? AND key = ?", (server_key, key)
        ).fetchone()
        if row is not None and row["created_at"] > now - ttl:
            if row["state"] == "done":
                return Replay(row["http_status"], bytes(row["body"]))
            if row["created_at"] > now - ABANDONED_AFTER:
                return IN_FLIGHT
        conn.execute(
            """INSERT OR REPLACE INTO idempotency (server_key, key, created_at, state)
               VALUES (?, ?, ?, 'processing')""",
            (server_key, key, now),
        )
    return None


def successful(response: Response) -> bool:
    """A response worth replaying: HTTP 200 and a 2xx (or 407) body status_code."""
    if response.status_code != 200:
        return False
    body = loads(response.get_data(as_text=True), {}) if response.is_json else {}
    code = str(body.get("status_code", "")) if isinstance(body, dict) else ""
    return code.startswith("2") or code == "407"


def settle(conn: sqlite3.Connection, server_key: str, key: str, response: Response) -> None:
    """Remember a successful response for replay; release the key after a failure."""
    with write(conn):
        if successful(response):
            conn.execute(
                """UPDATE idempotency SET state = 'done', http_status = ?, body = ?
                   WHERE server_key = ? AND key = ?""",
                (response.status_code, response.get_data(), server_key, key),
            )
        else:
            release(conn, server_key, key)


def release(conn: sqlite3.Connection, server_key: str, key: str) -> None:
    conn.execute(
        "DELETE FROM idempotency WHERE server_key = ? AND key = ? AND state = 'processing'",
        (server_key, key),
    )
