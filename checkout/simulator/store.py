"""The simulator's own state: one SQLite file shared by every thread and process.

The main app may run under gunicorn with several workers, each mounting the simulator
in-process, and each running its own background worker. They all share this file, so:

* the database is in WAL mode with a busy timeout, so readers never block writers and
  writers queue instead of failing;
* every read-modify-write runs inside :meth:`Store.write` (``BEGIN IMMEDIATE``), which
  takes SQLite's write lock before the first read, so two requests can never both see
  "pending" and both settle;
* background work is claimed with conditional updates (see ``worker.py``), never by
  reading first and writing later.

Connections are cheap and not shared: each request and each background pass opens its
own and closes it. An in-memory database cannot be shared that way, so ``:memory:`` is
refused; tests use a temporary file.
"""
from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import threading
from contextlib import contextmanager
from typing import Iterator

SCHEMA = """
CREATE TABLE IF NOT EXISTS transactions (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,                 -- transaction_id, a UUID4
    server_key TEXT NOT NULL,                -- the merchant key that created it; signs its notifications
    merchant_id TEXT NOT NULL,
    order_id TEXT NOT NULL,
    is_current INTEGER NOT NULL DEFAULT 1,   -- 0 once a cancelled/expired order_id was reused
    payment_type TEXT NOT NULL,
    status TEXT NOT NULL,                    -- Midtrans transaction_status
    fraud_status TEXT,
    status_message TEXT,                     -- method wording of the latest state (card outcomes)
    gross_amount INTEGER NOT NULL,           -- rupiah
    refunded_amount INTEGER NOT NULL DEFAULT 0,
    created_at REAL NOT NULL,
    expires_at REAL,
    settled_at REAL,
    updated_at REAL NOT NULL,
    fields TEXT NOT NULL DEFAULT '{}',       -- method fields in every answer and notification
    charge_fields TEXT NOT NULL DEFAULT '{}',-- fields only the charge answer carries (actions, qr_string)
    private TEXT NOT NULL DEFAULT '{}',      -- simulator-only facts (card outcome, callback URL, QR payload)
    echo TEXT NOT NULL DEFAULT '{}',         -- metadata and custom_field1..3, echoed back
    notify_urls TEXT NOT NULL DEFAULT '[]',
    snap_token TEXT
);
CREATE UNIQUE INDEX IF NOT EXISTS transactions_current_order
    ON transactions (server_key, order_id) WHERE is_current = 1;
CREATE INDEX IF NOT EXISTS transactions_pending_expiry
    ON transactions (expires_at) WHERE status = 'pending';

CREATE TABLE IF NOT EXISTS refunds (
    id INTEGER PRIMARY KEY AUTOINCREMENT,    -- refund_chargeback_id
    transaction_id TEXT NOT NULL,
    refund_key TEXT NOT NULL,
    amount INTEGER NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    method TEXT NOT NULL,                    -- online (direct) or offline
    created_at REAL NOT NULL,
    bank_confirmed_at REAL NOT NULL,
    UNIQUE (transaction_id, refund_key)
);

CREATE TABLE IF NOT EXISTS snap_sessions (
    token TEXT PRIMARY KEY,
    server_key TEXT NOT NULL,
    merchant_id TEXT NOT NULL,
    order_id TEXT NOT NULL,
    gross_amount INTEGER NOT NULL,
    request TEXT NOT NULL,                   -- the Snap body as received
    enabled TEXT NOT NULL,                   -- Snap method names offered on the page
    notify_urls TEXT NOT NULL,
    created_at REAL NOT NULL,
    expires_at REAL NOT NULL,
    transaction_id TEXT
);

CREATE TABLE IF NOT EXISTS card_tokens (
    token TEXT PRIMARY KEY,
    client_key TEXT NOT NULL,
    masked_card TEXT NOT NULL,               -- never the full number
    outcome TEXT NOT NULL,                   -- accept | deny | challenge
    bank TEXT NOT NULL,
    card_type TEXT NOT NULL,
    reusable INTEGER NOT NULL,               -- 1 for saved_token_id
    created_at REAL NOT NULL,
    used_at REAL
);

CREATE TABLE IF NOT EXISTS deliveries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    transaction_id TEXT NOT NULL,
    order_id TEXT NOT NULL,
    url TEXT,
    payload TEXT NOT NULL,
    state TEXT NOT NULL,                     -- due | held | delivered | failed | dropped | no_url
    attempts INTEGER NOT NULL DEFAULT 0,
    due_at REAL,
    claimed_by TEXT,
    claimed_until REAL,
    created_at REAL NOT NULL,
    finished_at REAL
);
CREATE INDEX IF NOT EXISTS deliveries_due ON deliveries (due_at) WHERE state = 'due';
CREATE INDEX IF NOT EXISTS deliveries_by_transaction ON deliveries (transaction_id, url);

CREATE TABLE IF NOT EXISTS delivery_attempts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    delivery_id INTEGER NOT NULL,
    url TEXT NOT NULL,
    started_at REAL NOT NULL,
    duration REAL NOT NULL,
    status_code INTEGER,
    error TEXT,
    outcome TEXT NOT NULL                    -- delivered | retry | gave_up
);
CREATE INDEX IF NOT EXISTS delivery_attempts_by_delivery ON delivery_attempts (delivery_id);

CREATE TABLE IF NOT EXISTS idempotency (
    server_key TEXT NOT NULL,
    key TEXT NOT NULL,
    created_at REAL NOT NULL,
    state TEXT NOT NULL,                     -- processing | done
    http_status INTEGER,
    body BLOB,
    PRIMARY KEY (server_key, key)
);

CREATE TABLE IF NOT EXISTS faults (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    settings TEXT NOT NULL,
    seed TEXT NOT NULL                       -- hash of the config that seeded it
);
"""


class Store:
    """Opens connections to one SQLite file and creates its schema on first use.

    No I/O happens at construction: the app factory stays side-effect free, and the
    schema is created by whichever thread or process connects first.
    """

    def __init__(self, path: str, *, busy_timeout: float = 10.0, seed_faults: dict | None = None):
        if path == ":memory:" or path.startswith("file::memory:"):
            raise ValueError("the simulator store must be a file shared across threads and processes")
        self.path = path
        self.busy_timeout = busy_timeout
        self._seed_faults = seed_faults or {}
        self._ready = False
        self._lock = threading.Lock()

    def connect(self) -> sqlite3.Connection:
        if not self._ready:
            directory = os.path.dirname(os.path.abspath(self.path))
            os.makedirs(directory, exist_ok=True)
        conn = sqlite3.connect(
            self.path, timeout=self.busy_timeout, isolation_level=None, check_same_thread=False
        )
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA synchronous = NORMAL")
        if not self._ready:
            self._initialise(conn)
        return conn

    @contextmanager
    def connection(self) -> Iterator[sqlite3.Connection]:
        conn = self.connect()
        try:
            yield conn
        finally:
            conn.close()

    def _initialise(self, conn: sqlite3.Connection) -> None:
        with self._lock:
            if self._ready:
                return
            conn.execute("PRAGMA journal_mode = WAL")
            with write(conn):
                # executescript() would commit the open transaction: run statements one by one.
                for statement in _statements(SCHEMA):
                    conn.execute(statement)
                self._seed(conn)
            self._ready = True

    def _seed(self, conn: sqlite3.Connection) -> None:
        """Write the configured fault switches unless this same config already did.

        Every worker process seeds on first use; comparing a hash of the config keeps a
        late-starting worker from wiping switches changed at run time over HTTP, while a
        restart with a different config still takes effect.
        """
        seed = hashlib.sha256(json.dumps(self._seed_faults, sort_keys=True).encode()).hexdigest()
        row = conn.execute("SELECT seed FROM faults WHERE id = 1").fetchone()
        if row is None or row["seed"] != seed:
            conn.execute(
                "INSERT OR REPLACE INTO faults (id, settings, seed) VALUES (1, ?, ?)",
                (json.dumps(self._seed_faults), seed),
            )


@contextmanager
def write(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """A write transaction that holds SQLite's write lock from its first statement."""
    if conn.in_transaction:
        # Nested use joins the outer transaction: it already holds the lock.
        yield conn
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def _statements(script: str) -> Iterator[str]:
    pending = ""
    for line in script.splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            yield pending
            pending = ""


def dumps(value: object) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def loads(text: str | None, default: object = None) -> object:
    return json.loads(text) if text else default
