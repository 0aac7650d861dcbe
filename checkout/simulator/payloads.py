"""The JSON bodies Midtrans sends: charge/action answers, Get Status, notifications.

All are built from one :func:`transaction_fields`, so a field added for a method appears
in every answer that should carry it. ``status_code`` differs by context, as at Midtrans:
Get Status says 407 for an expired transaction, the notification says 202.
"""
from __future__ import annotations

import hashlib
import sqlite3

from .clock import jakarta
from .ledger import Transaction
from .money import midtrans_amount

STATUS_CODES = {
    "pending": "201",
    "capture": "200",
    "settlement": "200",
    "refund": "200",
    "partial_refund": "200",
    "deny": "202",
    "cancel": "202",
    "failure": "202",
    "expire": "407",
}
NOTIFICATION_MESSAGE = "midtrans payment notification"
FOUND_MESSAGE = "Success, transaction is found"


def signature_key(order_id: str, status_code: str, gross_amount: str, server_key: str) -> str:
    """``sha512_hex(order_id + status_code + gross_amount + server_key)``, as Midtrans signs."""
    return hashlib.sha512(f"{order_id}{status_code}{gross_amount}{server_key}".encode()).hexdigest()


def status_code_of(tx: Transaction, *, notification: bool = False) -> str:
    if tx.status == "capture" and tx.fraud_status == "challenge":
        return "201"
    if notification and tx.status == "expire":
        return "202"
    return STATUS_CODES.get(tx.status, "200")


def transaction_fields(tx: Transaction, refunds: list[sqlite3.Row], now: float, *, confirmed: bool | None = None) -> dict:
    """Everything Midtrans says about a transaction, whatever the answer it sits in.

    ``confirmed`` decides whether refunds show ``bank_confirmed_at``: by default when that
    moment has passed; a notification states it explicitly (the first refund
    notification has it absent, the second present).
    """
    body = {
        "transaction_id": tx.id,
        "order_id": tx.order_id,
        "merchant_id": tx.merchant_id,
        "gross_amount": midtrans_amount(tx.gross_amount),
        "currency": "IDR",
        "payment_type": tx.payment_type,
        "transaction_time": jakarta(tx.created_at),
        "transaction_status": tx.status,
        "fraud_status": tx.fraud_status,
    }
    if tx.expires_at is not None:
        body["expiry_time"] = jakarta(tx.expires_at)
    if tx.settled_at is not None:
        body["settlement_time"] = jakarta(tx.settled_at)
    body.update(tx.fields)
    if refunds:
        body["refund_amount"] = midtrans_amount(tx.refunded_amount)
        body["refunds"] = [_refund(row, now, confirmed) for row in refunds]
    body.update(tx.echo)
    return {key: value for key, value in body.items() if value is not None}


def _refund(row: sqlite3.Row, now: float, confirmed: bool | None) -> dict:
    item = {
        "refund_chargeback_id": row["id"],
        "refund_amount": midtrans_amount(row["amount"]),
        "created_at": jakarta(row["created_at"]),
        "reason": row["reason"],
        "refund_key": row["refund_key"],
        "refund_method": row["method"],
    }
    shown = confirmed if confirmed is not None else row["bank_confirmed_at"] <= now
    if shown:
        item["bank_confirmed_at"] = jakarta(row["bank_confirmed_at"])
    return item


def answer(tx: Transaction, status_code: str, message: str, refunds: list[sqlite3.Row], now: float) -> dict:
    """A Core API answer about one transaction (charge, cancel, expire, approve, deny)."""
    return {"status_code": status_code, "status_message": message, **transaction_fields(tx, refunds, now)}


def charge_answer(tx: Transaction, message: str, now: float) -> dict:
    body = answer(tx, status_code_of(tx), message, [], now)
    body.update(tx.charge_fields)
    return body


def status_answer(tx: Transaction, refunds: list[sqlite3.Row], now: float) -> dict:
    code = status_code_of(tx)
    body = answer(tx, code, tx_status_message(tx), refunds, now)
    body["signature_key"] = signature_key(tx.order_id, code, body["gross_amount"], tx.server_key)
    return body


def tx_status_message(tx: Transaction) -> str:
    # Card refusals keep the bank's wording in Get Status, as Midtrans shows it.
    if tx.payment_type == "credit_card" and tx.status == "deny" and tx.status_message:
        return tx.status_message
    return FOUND_MESSAGE


def notification(tx: Transaction, refunds: list[sqlite3.Row], now: float, *, confirmed: bool | None = None) -> dict:
    code = status_code_of(tx, notification=True)
    body = {
        "status_code": code,
        "status_message": NOTIFICATION_MESSAGE,
        **transaction_fields(tx, refunds, now, confirmed=confirmed),
    }
    body["signature_key"] = signature_key(tx.order_id, code, body["gross_amount"], tx.server_key)
    return body
