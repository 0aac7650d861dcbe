"""Realistic Midtrans notification bodies, signed like Midtrans signs them.

Shapes follow the contract in the shared Midtrans notes: exact two-decimal amount
strings, per-method extras, ``status_code`` 201 pending / 200 paid and refunds / 202
failures, ``settlement_time`` once settled, ``refunds[]`` with ``bank_confirmed_at`` on
the second refund notification.
"""
from __future__ import annotations

import json
import uuid

from checkout.midtrans.signature import signature_for

MERCHANT_ID = "G812345678"
STATUS_CODES = {"pending": "201", "capture": "200", "settlement": "200", "refund": "200", "partial_refund": "200",
                "chargeback": "200", "partial_chargeback": "200", "deny": "202", "cancel": "202",
                "expire": "202", "failure": "202", "authorize": "200"}

METHOD_EXTRAS = {
    "qris": {"payment_type": "qris", "acquirer": "gopay", "issuer": "gopay", "transaction_type": "on-us",
             "merchant_cross_reference_id": "ref-1"},
    "gopay": {"payment_type": "gopay"},
    "shopeepay": {"payment_type": "shopeepay"},
    "bca_va": {"payment_type": "bank_transfer", "va_numbers": [{"bank": "bca", "va_number": "81234567890"}],
               "payment_amounts": []},
    "permata_va": {"payment_type": "bank_transfer", "permata_va_number": "8562000123456789"},
    "echannel": {"payment_type": "echannel", "bill_key": "511224069085", "biller_code": "70012"},
    "indomaret": {"payment_type": "cstore", "store": "indomaret", "payment_code": "010811223344"},
    "alfamart": {"payment_type": "cstore", "store": "alfamart", "payment_code": "ALF1234567890"},
    "credit_card": {"payment_type": "credit_card", "masked_card": "48111111-1114", "bank": "bni",
                    "card_type": "credit", "channel_response_code": "00", "channel_response_message": "Approved",
                    "approval_code": "1700000001", "eci": "05"},
}


def notification(order_id: str, status: str, *, gross: int | str, server_key: str, method: str = "qris",
                 fraud_status: str | None = "accept", transaction_id: str | None = None,
                 status_code: str | None = None, refunds: list[dict] | None = None, extra: dict | None = None,
                 currency: str = "IDR") -> dict:
    gross_text = gross if isinstance(gross, str) else f"{gross}.00"
    code = status_code or STATUS_CODES.get(status, "200")
    if status == "capture" and fraud_status == "challenge" and status_code is None:
        code = "201"
    body = {
        "transaction_time": "2026-11-21 10:00:00",
        "transaction_status": status,
        "transaction_id": transaction_id or str(uuid.uuid4()),
        "status_message": "midtrans payment notification",
        "status_code": code,
        "payment_type": "qris",
        "order_id": order_id,
        "merchant_id": MERCHANT_ID,
        "gross_amount": gross_text,
        "currency": currency,
        "expiry_time": "2026-11-21 10:15:00",
        **METHOD_EXTRAS[method],
    }
    if fraud_status is not None:
        body["fraud_status"] = fraud_status
    if status in ("settlement", "refund", "partial_refund") or (status == "capture" and method == "credit_card"):
        body["settlement_time"] = "2026-11-21 10:01:00"
    if refunds:
        body["refunds"] = refunds
        body["refund_amount"] = f"{sum(int(r['refund_amount'].split('.')[0]) for r in refunds)}.00"
    body.update(extra or {})
    body["signature_key"] = signature_for(order_id, code, gross_text, server_key)
    return body


def refund_entry(amount: int, *, key: str = "rf-1", confirmed: bool = False) -> dict:
    entry = {"refund_chargeback_id": 1, "refund_amount": f"{amount}.00", "created_at": "2026-11-21 11:00:00",
             "reason": "customer asked", "refund_key": key, "refund_method": "online"}
    if confirmed:
        entry["bank_confirmed_at"] = "2026-11-21 11:05:00"
    return entry


def encode(body: dict) -> bytes:
    return json.dumps(body).encode()
