"""Midtrans's notification signature: sha512_hex(order_id + status_code + gross_amount + server_key)."""
from __future__ import annotations

import hashlib
import hmac


def signature_for(order_id: str, status_code: str, gross_amount: str, server_key: str) -> str:
    """Plain concatenation of the payload's exact strings (gross_amount keeps '.00')."""
    return hashlib.sha512(f"{order_id}{status_code}{gross_amount}{server_key}".encode()).hexdigest()


def verify(payload: dict, server_key: str) -> bool:
    """True when the payload's signature_key matches; constant-time comparison."""
    fields = [payload.get(name) for name in ("order_id", "status_code", "gross_amount", "signature_key")]
    if not all(isinstance(value, str) and value for value in fields):
        return False
    order_id, status_code, gross_amount, claimed = fields
    expected = signature_for(order_id, status_code, gross_amount, server_key)
    return hmac.compare_digest(expected.encode(), claimed.lower().encode())
