"""Is this delivery from Midtrans, and does it say what Midtrans says?

Three checks, strongest last:

* the signature: ``sha512(order_id + status_code + gross_amount + server_key)`` over the
  payload's exact strings, with the key of the environment in force, compared in
  constant time (``checkout.midtrans.signature.verify``);
* the unsigned ``transaction_status`` must agree with the signed ``status_code``: a
  pending notification (201) edited to say "settlement" keeps a valid signature, so money
  statuses must carry 200 and failures 202/407;
* optionally, the status API: we ask Midtrans ourselves and its answer replaces the body.

Reasons returned here are stored and may be shown to the owner: they never contain the
key or the expected signature.
"""
from __future__ import annotations

from flask import current_app

from checkout import json_bodies, shop_settings
from checkout.midtrans.signature import verify
from checkout.payments.states import PaymentStatus, target_for

P = PaymentStatus
SIGNED_FIELDS = ("order_id", "status_code", "gross_amount", "signature_key")

# Which signed status_code each meaning may arrive with (notifications say 202 for an
# expiry, Get Status says 407; a challenged card capture is 201).
_CODES_FOR_TARGET = {
    P.PAID: {"200"},
    P.REFUNDED: {"200"},
    P.PARTIALLY_REFUNDED: {"200"},
    P.CHALLENGED: {"200", "201"},
    P.FAILED: {"200", "202"},  # card capture denied by fraud detection may say 200
    P.CANCELLED: {"202"},
    P.EXPIRED: {"202", "407"},
}


def parse(body: bytes) -> dict | None:
    """The JSON object in the body, or None if it is not one (see ``checkout.json_bodies``)."""
    try:
        return json_bodies.parse_object(body, max_bytes=current_app.config.get("WEBHOOK_MAX_BODY", 64 * 1024))
    except json_bodies.UnreadableBody:
        return None


def signature_problem(payload: dict, server_key: str | None) -> str | None:
    """None when the payload is signed by ``server_key``; otherwise a safe reason."""
    if not server_key:
        return "no Midtrans server key is configured for this environment"
    missing = [name for name in SIGNED_FIELDS if not (isinstance(payload.get(name), str) and payload.get(name))]
    if missing:
        return "missing or invalid field: " + ", ".join(missing)
    if not verify(payload, server_key):
        return "signature does not match"
    return status_problem(payload)


def status_problem(payload: dict) -> str | None:
    """None when transaction_status is consistent with the signed status_code."""
    status = str(payload.get("transaction_status") or "").lower()
    code = str(payload.get("status_code") or "")
    fraud = payload.get("fraud_status")
    target = target_for(status, fraud if isinstance(fraud, str) else None)
    if target is None:
        if status == "pending" and code != "201":
            return f"status_code {code} does not fit transaction_status pending"
        return None
    allowed = _CODES_FOR_TARGET.get(target)
    if allowed is not None and code not in allowed:
        return f"status_code {code} does not fit transaction_status {status}"[:200]
    return None


def is_well_signed(body: bytes, server_key: str | None) -> bool:
    """For the flood guard: would this body pass the signature checks?"""
    payload = parse(body)
    return payload is not None and signature_problem(payload, server_key) is None


def read_status(settings, ident: str) -> dict | None:
    """Midtrans's own answer about ``ident`` (an order_id or transaction_id), asked with
    timeouts short enough to answer Midtrans within 5 seconds.

    None when Midtrans does not know it; raises ``GatewayError`` when it cannot be asked.
    """
    return shop_settings.gateway(settings, within_notification=True).status(str(ident))
