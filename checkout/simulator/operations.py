"""What can happen to an existing transaction, for every caller alike.

The Core API actions, the hosted pages, the control endpoints and the expiry sweeper all
come here. Each operation re-reads the transaction inside its write transaction, so the
decision is made on the state that is actually committed, then calls
``ledger.transition`` which queues the notification.
"""
from __future__ import annotations

import sqlite3
import uuid

from . import cards, charges, errors, ledger, notifications
from .ledger import Transaction
from .money import FractionalAmount, NotAnAmount, parse_amount
from .store import write


def _locked(conn: sqlite3.Connection, tx: Transaction) -> Transaction:
    fresh = ledger.get(conn, tx.id)
    if fresh is None:  # pragma: no cover - rows are never deleted
        raise errors.not_found()
    return fresh


def expire_if_due(conn: sqlite3.Connection, tx: Transaction, now: float) -> Transaction:
    """Lazy expiry on read: a pending transaction past its expiry becomes ``expire``."""
    if not tx.is_expired_at(now):
        return tx
    with write(conn):
        fresh = _locked(conn, tx)
        if fresh.is_expired_at(now):
            ledger.transition(conn, fresh, "expire", now, on_change=notifications.on_change)
        return fresh


def expire_due(conn: sqlite3.Connection, now: float) -> int:
    """The sweeper's pass: expire every pending transaction past its expiry."""
    count = 0
    for transaction_id in ledger.pending_past_expiry(conn, now):
        tx = ledger.get(conn, transaction_id)
        if tx is not None and expire_if_due(conn, tx, now).status == "expire":
            count += 1
    return count


def apply(conn: sqlite3.Connection, tx: Transaction, action: str, now: float, **changes) -> Transaction:
    """Run one table action (cancel, expire, approve, deny, ...) or raise 412."""
    with write(conn):
        fresh = _locked(conn, tx)
        return ledger.transition(conn, fresh, action, now, on_change=notifications.on_change, **changes)


def approve(conn: sqlite3.Connection, tx: Transaction, now: float) -> Transaction:
    return apply(conn, tx, "approve", now, fraud_status="accept", status_message=cards.CAPTURE_MESSAGE)


def deny(conn: sqlite3.Connection, tx: Transaction, now: float) -> Transaction:
    """The merchant denies a challenged capture, or the simulator's operator a pending one."""
    if tx.status == "capture":
        return apply(conn, tx, "deny", now, fraud_status="deny")
    message = cards.THREE_DS_DENIED if tx.payment_type == ledger.CARD else None
    return apply(conn, tx, "deny", now, status_message=message)


def settle(conn: sqlite3.Connection, tx: Transaction, now: float, *, via_qr: bool = False,
           issuer: str | None = None) -> Transaction:
    """The customer pays. Pending cards first go through 3DS (with the card's outcome);
    a card that the bank denies or fraud detection challenges is returned as it stands.

    ``via_qr`` means paid by scanning the QR: QRIS transactions learn their issuer, and a
    GoPay transaction paid that way is reported as ``qris``, as Midtrans reports it.
    """
    with write(conn):
        fresh = _locked(conn, tx)
        if fresh.payment_type == ledger.CARD and fresh.status == "pending":
            fresh = _complete_card(conn, fresh, now, authenticated=True)
            if not ledger.can("settle", fresh):
                return fresh
        changes: dict = {}
        if fresh.payment_type == "qris" or (via_qr and fresh.payment_type == "gopay"):
            acquirer = fresh.fields.get("acquirer", "gopay")
            payer = issuer or acquirer
            fields = {"acquirer": acquirer, "issuer": payer,
                      "transaction_type": "on-us" if payer == acquirer else "off-us"}
            if acquirer == "airpay shopee":
                fields["shopeepay_reference_number"] = str(uuid.uuid4().int)[:18]
                fields["reference_id"] = "QR-" + uuid.uuid4().hex[:22]
            changes = {"fields": fields, "payment_type": "qris"}
        return ledger.transition(conn, fresh, "settle", now, on_change=notifications.on_change, **changes)


def complete_3ds(conn: sqlite3.Connection, tx: Transaction, now: float, *, authenticated: bool) -> Transaction:
    """The customer finished (or failed) the 3DS page of a pending card charge."""
    with write(conn):
        return _complete_card(conn, _locked(conn, tx), now, authenticated=authenticated)


def _complete_card(conn: sqlite3.Connection, tx: Transaction, now: float, *, authenticated: bool) -> Transaction:
    if tx.payment_type != ledger.CARD or tx.status != "pending":
        raise errors.cannot_modify()
    if not authenticated:
        return ledger.transition(conn, tx, "deny", now, on_change=notifications.on_change,
                                 status_message=cards.THREE_DS_DENIED)
    outcome = charges.card_outcome(tx.private.get("card_outcome", "accept"), tx.fields, tx.private)
    action = "deny" if outcome.status == "deny" else "capture"
    return ledger.transition(conn, tx, action, now, on_change=notifications.on_change,
                             fraud_status=outcome.fraud_status, status_message=outcome.message,
                             fields=outcome.fields)


def refund(conn: sqlite3.Connection, tx: Transaction, body: object, now: float, *, direct: bool,
           confirm_after: float) -> tuple[Transaction, int]:
    """Refund all or part of a settled payment; returns the transaction and refund id.

    Midtrans sends two notifications per refund: one now, and one once the bank confirms
    it (``refunds[].bank_confirmed_at``), ``confirm_after`` seconds later.
    """
    body = body if isinstance(body, dict) else {}
    refund_key = body.get("refund_key") or str(uuid.uuid4())
    if not isinstance(refund_key, str):
        raise errors.validation(["refund_key must be a string"])
    reason = body.get("reason") if isinstance(body.get("reason"), str) else ""
    amount = None
    if body.get("amount") is not None:
        try:
            amount = parse_amount(body["amount"])
        except (NotAnAmount, FractionalAmount):
            raise errors.invalid_refund_amount() from None
    with write(conn):
        fresh = _locked(conn, tx)
        if fresh.payment_type not in ledger.REFUNDABLE_TYPES or not ledger.can("refund", fresh):
            raise errors.cannot_modify()
        remaining = fresh.gross_amount - fresh.refunded_amount
        amount = remaining if amount is None else amount
        if amount <= 0 or amount > remaining:
            raise errors.invalid_refund_amount()
        if fresh.payment_type in ledger.FULL_REFUND_ONLY and amount != fresh.gross_amount:
            raise errors.invalid_refund_amount()
        if ledger.refund_key_used(conn, fresh, refund_key):
            raise errors.duplicate_refund_key()
        refund_id = ledger.add_refund(conn, fresh, refund_key=refund_key, amount=amount, reason=reason,
                                      method="online" if direct else "offline", now=now,
                                      confirm_after=confirm_after)
        status = "refund" if fresh.refunded_amount == fresh.gross_amount else "partial_refund"

        def notify_twice(conn: sqlite3.Connection, changed: Transaction, at: float) -> None:
            notifications.enqueue(conn, changed, at, confirmed=False)
            notifications.enqueue(conn, changed, at, confirmed=True, delay=confirm_after)

        ledger.transition(conn, fresh, "refund", now, on_change=notify_twice, status=status)
        return fresh, refund_id
