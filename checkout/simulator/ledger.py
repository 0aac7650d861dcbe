"""Transactions and the one function that changes their state.

Every status change, whoever asks for it (Core API action, hosted page, control page,
expiry sweeper), goes through :func:`transition`, inside a write transaction, driven by
the :data:`TRANSITIONS` table, and queues the matching notification in the same commit.
So a refused move is refused the same way everywhere, and no change can happen without
its notification (or vice versa).

Lookups are scoped to the merchant key that created the transaction: another key sees
"Transaction doesn't exist", as a key of the wrong environment would at Midtrans.
"""
from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from typing import Callable

from . import errors
from .store import dumps, loads

# Statuses after which the order_id may be used again for a new transaction.
REUSABLE_STATUSES = frozenset({"cancel", "expire"})

# Payment types Midtrans can refund; ShopeePay and OVO only in full.
REFUNDABLE_TYPES = frozenset({"credit_card", "gopay", "shopeepay", "qris", "dana", "ovo", "kredivo", "akulaku"})
FULL_REFUND_ONLY = frozenset({"shopeepay", "ovo"})

CARD = "credit_card"


@dataclass
class Transaction:
    id: str
    server_key: str
    merchant_id: str
    order_id: str
    payment_type: str
    status: str
    fraud_status: str | None
    gross_amount: int
    created_at: float
    updated_at: float
    status_message: str | None = None
    refunded_amount: int = 0
    expires_at: float | None = None
    settled_at: float | None = None
    fields: dict = field(default_factory=dict)
    charge_fields: dict = field(default_factory=dict)
    private: dict = field(default_factory=dict)
    echo: dict = field(default_factory=dict)
    notify_urls: list = field(default_factory=list)
    snap_token: str | None = None
    is_current: bool = True
    seq: int | None = None

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> "Transaction":
        return cls(
            id=row["id"], server_key=row["server_key"], merchant_id=row["merchant_id"],
            order_id=row["order_id"], payment_type=row["payment_type"], status=row["status"],
            fraud_status=row["fraud_status"], gross_amount=row["gross_amount"],
            created_at=row["created_at"], updated_at=row["updated_at"],
            status_message=row["status_message"], refunded_amount=row["refunded_amount"],
            expires_at=row["expires_at"], settled_at=row["settled_at"],
            fields=loads(row["fields"], {}), charge_fields=loads(row["charge_fields"], {}),
            private=loads(row["private"], {}), echo=loads(row["echo"], {}),
            notify_urls=loads(row["notify_urls"], []), snap_token=row["snap_token"],
            is_current=bool(row["is_current"]), seq=row["seq"],
        )

    def is_expired_at(self, now: float) -> bool:
        return self.status == "pending" and self.expires_at is not None and self.expires_at <= now


# --- lookups -----------------------------------------------------------------------------

def find(conn: sqlite3.Connection, ident: str, server_key: str | None) -> Transaction | None:
    """By transaction_id, else by order_id (the current transaction for it).

    ``server_key=None`` searches every merchant (the control endpoints do).
    """
    scope, args = ("", ()) if server_key is None else (" AND server_key = ?", (server_key,))
    row = conn.execute(f"SELECT * FROM transactions WHERE id = ?{scope}", (ident, *args)).fetchone()
    if row is None:
        row = conn.execute(
            f"SELECT * FROM transactions WHERE order_id = ? AND is_current = 1{scope} ORDER BY seq DESC LIMIT 1",
            (ident, *args),
        ).fetchone()
    return Transaction.from_row(row) if row else None


def get(conn: sqlite3.Connection, transaction_id: str) -> Transaction | None:
    row = conn.execute("SELECT * FROM transactions WHERE id = ?", (transaction_id,)).fetchone()
    return Transaction.from_row(row) if row else None


def order_id_taken(conn: sqlite3.Connection, server_key: str, order_id: str) -> bool:
    row = conn.execute(
        "SELECT status FROM transactions WHERE server_key = ? AND order_id = ? AND is_current = 1",
        (server_key, order_id),
    ).fetchone()
    return row is not None and row["status"] not in REUSABLE_STATUSES


def recent(conn: sqlite3.Connection, *, limit: int = 100, **filters: str) -> list[Transaction]:
    """Newest first, filtered by exact column values (order_id, status, payment_type)."""
    allowed = {"order_id", "status", "payment_type", "merchant_id"}
    clauses = [f"{name} = ?" for name in filters if name in allowed]
    args = [value for name, value in filters.items() if name in allowed]
    where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
    rows = conn.execute(f"SELECT * FROM transactions {where} ORDER BY seq DESC LIMIT ?", (*args, limit))
    return [Transaction.from_row(row) for row in rows]


def pending_past_expiry(conn: sqlite3.Connection, now: float, limit: int = 50) -> list[str]:
    rows = conn.execute(
        "SELECT id FROM transactions WHERE status = 'pending' AND expires_at <= ? ORDER BY expires_at LIMIT ?",
        (now, limit),
    )
    return [row["id"] for row in rows]


# --- creation ----------------------------------------------------------------------------

def insert(conn: sqlite3.Connection, tx: Transaction) -> None:
    """Store a new transaction; its order_id must be free for this merchant key.

    A cancelled or expired order_id may be reused: the new transaction then becomes the
    one that order_id lookups find. Call inside ``store.write``.
    """
    if order_id_taken(conn, tx.server_key, tx.order_id):
        raise errors.duplicate_order_id()
    conn.execute(
        "UPDATE transactions SET is_current = 0 WHERE server_key = ? AND order_id = ? AND is_current = 1",
        (tx.server_key, tx.order_id),
    )
    cursor = conn.execute(
        """INSERT INTO transactions (id, server_key, merchant_id, order_id, payment_type, status,
               fraud_status, status_message, gross_amount, created_at, expires_at, settled_at,
               updated_at, fields, charge_fields, private, echo, notify_urls, snap_token)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
        (tx.id, tx.server_key, tx.merchant_id, tx.order_id, tx.payment_type, tx.status,
         tx.fraud_status, tx.status_message, tx.gross_amount, tx.created_at, tx.expires_at,
         tx.settled_at, tx.updated_at, dumps(tx.fields), dumps(tx.charge_fields),
         dumps(tx.private), dumps(tx.echo), dumps(tx.notify_urls), tx.snap_token),
    )
    tx.seq = cursor.lastrowid


# --- state machine -----------------------------------------------------------------------

Guard = Callable[[Transaction], bool]


def _card(tx: Transaction) -> bool:
    return tx.payment_type == CARD


def _not_card(tx: Transaction) -> bool:
    return tx.payment_type != CARD


def _accepted(tx: Transaction) -> bool:
    return tx.fraud_status == "accept"


def _challenged(tx: Transaction) -> bool:
    return tx.fraud_status == "challenge"


def _always(tx: Transaction) -> bool:
    return True


# action -> {from status: (to status, guard)}. Anything absent is refused with 412.
TRANSITIONS: dict[str, dict[str, tuple[str, Guard]]] = {
    # The customer paid an asynchronous method (VA, QRIS, e-wallet, store).
    "settle": {"pending": ("settlement", _not_card), "capture": ("settlement", _accepted)},
    # A card passed 3DS (or needed none); fraud_status says accept or challenge.
    "capture": {"pending": ("capture", _card)},
    # Bank or FDS refusal, or a merchant denying a challenged capture.
    "deny": {"pending": ("deny", _always), "capture": ("deny", _challenged)},
    "approve": {"capture": ("capture", _challenged)},
    "cancel": {"pending": ("cancel", _always), "capture": ("cancel", _always)},
    "expire": {"pending": ("expire", _always)},
    "refund": {
        "settlement": ("refund", _always),
        "partial_refund": ("refund", _always),
    },
}


def can(action: str, tx: Transaction) -> bool:
    move = TRANSITIONS.get(action, {}).get(tx.status)
    return move is not None and move[1](tx)


def transition(
    conn: sqlite3.Connection,
    tx: Transaction,
    action: str,
    now: float,
    *,
    on_change: Callable[[sqlite3.Connection, Transaction, float], None],
    fraud_status: str | None = None,
    status_message: str | None = None,
    status: str | None = None,
    fields: dict | None = None,
    payment_type: str | None = None,
) -> Transaction:
    """Apply ``action`` to ``tx`` or raise the 412 Midtrans answers.

    Runs inside ``store.write``. The update is conditional on the status read, so even a
    caller that forgot the write lock cannot move a transaction twice. ``status``
    overrides the table's target only where the table allows several (refund vs
    partial_refund). ``on_change`` queues the notification in the same transaction.
    """
    if not can(action, tx):
        raise errors.cannot_modify()
    target = status or TRANSITIONS[action][tx.status][0]
    new_fraud = fraud_status or tx.fraud_status
    merged_fields = {**tx.fields, **(fields or {})}
    settled_at = now if target == "settlement" else tx.settled_at
    cursor = conn.execute(
        """UPDATE transactions SET status = ?, fraud_status = ?, status_message = ?, settled_at = ?,
               updated_at = ?, fields = ?, payment_type = ?
           WHERE id = ? AND status = ? AND updated_at = ?""",
        (target, new_fraud, status_message, settled_at, now, dumps(merged_fields),
         payment_type or tx.payment_type, tx.id, tx.status, tx.updated_at),
    )
    if cursor.rowcount != 1:
        raise errors.cannot_modify()
    tx.status, tx.fraud_status, tx.status_message = target, new_fraud, status_message
    tx.settled_at, tx.updated_at, tx.fields = settled_at, now, merged_fields
    tx.payment_type = payment_type or tx.payment_type
    on_change(conn, tx, now)
    return tx


def add_refund(
    conn: sqlite3.Connection, tx: Transaction, *, refund_key: str, amount: int, reason: str,
    method: str, now: float, confirm_after: float,
) -> int:
    """Record a refund row; returns its refund_chargeback_id. Checks belong to the caller."""
    cursor = conn.execute(
        """INSERT INTO refunds (transaction_id, refund_key, amount, reason, method, created_at,
               bank_confirmed_at) VALUES (?, ?, ?, ?, ?, ?, ?)""",
        (tx.id, refund_key, amount, reason, method, now, now + confirm_after),
    )
    conn.execute(
        "UPDATE transactions SET refunded_amount = refunded_amount + ? WHERE id = ?", (amount, tx.id)
    )
    tx.refunded_amount += amount
    return cursor.lastrowid


def refund_key_used(conn: sqlite3.Connection, tx: Transaction, refund_key: str) -> bool:
    row = conn.execute(
        "SELECT 1 FROM refunds WHERE transaction_id = ? AND refund_key = ?", (tx.id, refund_key)
    ).fetchone()
    return row is not None


def refunds(conn: sqlite3.Connection, transaction_id: str) -> list[sqlite3.Row]:
    return conn.execute(
        "SELECT * FROM refunds WHERE transaction_id = ? ORDER BY id", (transaction_id,)
    ).fetchall()
