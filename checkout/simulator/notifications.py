"""Queueing notifications: one delivery row per URL, written with the state change.

A notification is a snapshot of the transaction at the moment it changed, so its payload
is built here, inside the write transaction that made the change, and stored. The
background worker (``worker.py``) sends stored rows later; the API call that caused the
change never waits for a merchant's server.

Where it goes, decided once when the transaction is created (:func:`target_urls`):
``X-Override-Notification`` URLs only; else the configured default URL plus any
``X-Append-Notification`` URLs; at most three from each header. With no URL at all the
notification is still recorded (state ``no_url``), so tests and people can see it.

The fault switches act here: duplicates become two rows, dropped ones are recorded as
``dropped``, and "out of order" holds a pending notification until the next
notification of that transaction is queued, then releases it to go right after it.
"""
from __future__ import annotations

import sqlite3

from . import faults, ledger, payloads
from .ledger import Transaction
from .store import dumps, loads

MAX_URLS_PER_HEADER = 3


def target_urls(headers, default_url: str | None) -> list[str]:
    """The notification URLs for a transaction created by a request with ``headers``."""
    override = _split(headers.get("X-Override-Notification"))
    if override:
        return override
    base = [default_url] if default_url else []
    appended = [url for url in _split(headers.get("X-Append-Notification")) if url not in base]
    return base + appended


def _split(value: str | None) -> list[str]:
    if not value:
        return []
    urls = [part.strip() for part in value.split(",") if part.strip()]
    return urls[:MAX_URLS_PER_HEADER]


def enqueue(
    conn: sqlite3.Connection, tx: Transaction, now: float, *, confirmed: bool | None = None, delay: float = 0.0
) -> None:
    """Queue the notification for ``tx``'s current state. Call inside ``store.write``."""
    settings = faults.load(conn)
    body = payloads.notification(tx, ledger.refunds(conn, tx.id), now, confirmed=confirmed)
    payload = dumps(body)
    copies = 2 if settings["duplicate_notifications"] else 1
    due_at = now + delay + float(settings["notification_delay_seconds"])
    hold = bool(settings["out_of_order_notifications"]) and tx.status == "pending"
    for url in tx.notify_urls or [None]:
        if url is not None and not hold:
            # Held notifications follow this one: due a moment later, so it goes first.
            conn.execute(
                """UPDATE deliveries SET state = 'due', due_at = ?
                   WHERE transaction_id = ? AND url = ? AND state = 'held'""",
                (due_at + 0.001, tx.id, url),
            )
        for _ in range(copies):
            if url is None:
                state = "no_url"
            elif faults.take_drop(conn, settings):
                state = "dropped"
            elif hold:
                state = "held"
            else:
                state = "due"
            finished = now if state in ("no_url", "dropped") else None
            conn.execute(
                """INSERT INTO deliveries (transaction_id, order_id, url, payload, state, due_at,
                       created_at, finished_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)""",
                (tx.id, tx.order_id, url, payload, state, due_at, now, finished),
            )


def on_change(conn: sqlite3.Connection, tx: Transaction, now: float) -> None:
    """The hook :func:`ledger.transition` calls: every state change is notified."""
    enqueue(conn, tx, now)


def deliveries(conn: sqlite3.Connection, *, limit: int = 200, **filters: str) -> list[dict]:
    """Queued notifications, newest first, each with every attempt made to deliver it."""
    allowed = {"order_id", "transaction_id", "state", "url"}
    clauses = [f"{name} = ?" for name in filters if name in allowed]
    args = [value for name, value in filters.items() if name in allowed]
    where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
    rows = conn.execute(f"SELECT * FROM deliveries {where} ORDER BY id DESC LIMIT ?", (*args, limit)).fetchall()
    ids = [row["id"] for row in rows]
    attempts: dict[int, list[dict]] = {i: [] for i in ids}
    if ids:
        marks = ",".join("?" * len(ids))
        for attempt in conn.execute(
            f"SELECT * FROM delivery_attempts WHERE delivery_id IN ({marks}) ORDER BY id", ids
        ):
            attempts[attempt["delivery_id"]].append({
                "url": attempt["url"],
                "at": attempt["started_at"],
                "duration": round(attempt["duration"], 4),
                "status_code": attempt["status_code"],
                "error": attempt["error"],
                "outcome": attempt["outcome"],
            })
    return [
        {
            "id": row["id"],
            "transaction_id": row["transaction_id"],
            "order_id": row["order_id"],
            "url": row["url"],
            "state": row["state"],
            "created_at": row["created_at"],
            "due_at": row["due_at"],
            "finished_at": row["finished_at"],
            "payload": loads(row["payload"], {}),
            "attempts": attempts[row["id"]],
        }
        for row in rows
    ]
