"""How to finish a payment that waits for the customer's transfer, from Midtrans's words.

A customer who picks a virtual account, Mandiri Bill or a convenience store inside Snap
and comes back to our page needs the number to pay to. Midtrans reports it in the
status answer and in notifications: ``va_numbers`` (most banks), ``permata_va_number``,
``bill_key`` + ``biller_code`` (Mandiri Bill), ``payment_code`` + ``store``. This module
turns any of those into one small dict stored on the attempt:

``{"kind": "va", "bank": "bca", "number": "..."}``,
``{"kind": "bill", "bank": "mandiri", "biller_code": "...", "number": "..."}`` or
``{"kind": "store", "store": "indomaret", "number": "..."}``.
"""
from __future__ import annotations

VA, BILL, STORE = "va", "bill", "store"
MAX_NUMBER = 40


def _clean(value) -> str | None:
    text = str(value or "").strip()
    return text[:MAX_NUMBER] if text else None


def from_payload(payload: dict | None) -> dict | None:
    """The instructions a status answer or notification carries, or None."""
    if not isinstance(payload, dict):
        return None
    vas = payload.get("va_numbers")
    if isinstance(vas, list):
        for va in vas:
            if isinstance(va, dict) and _clean(va.get("va_number")):
                return {"kind": VA, "bank": (_clean(va.get("bank")) or "").lower(), "number": _clean(va["va_number"])}
    if _clean(payload.get("permata_va_number")):
        return {"kind": VA, "bank": "permata", "number": _clean(payload["permata_va_number"])}
    if _clean(payload.get("bill_key")):
        return {"kind": BILL, "bank": "mandiri", "biller_code": _clean(payload.get("biller_code")),
                "number": _clean(payload["bill_key"])}
    if _clean(payload.get("payment_code")):
        return {"kind": STORE, "store": (_clean(payload.get("store")) or "").lower(),
                "number": _clean(payload["payment_code"])}
    return None
