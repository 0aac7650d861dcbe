"""Whether what Midtrans reports about money is this attempt's money, and the flag when not.

Shared by every path that applies a gateway answer (see ``gateway_answers``): a
notification's body, a status answer read for a notification, the customer's poll, the
owner's re-check and the reconciler.
"""
from __future__ import annotations

from sqlalchemy import or_, update

from checkout import audit, json_bodies
from checkout.alerts import causes as alert_causes
from checkout.extensions import db
from checkout.models import Order, PaymentAttempt
from checkout.money import parse_gateway_amount
from checkout.timeutil import utcnow

MISMATCH_FLAG = "amount_mismatch"


def amount_problem(payload: dict, attempt: PaymentAttempt, order: Order) -> str | None:
    """None when amount and currency are the attempt's; otherwise a reason for the owner.

    With Midtrans's fee imposition the customer pays a fee on top, so ``gross_amount`` is
    larger than what we asked for; the original then travels in
    ``metadata.extra_info.gross_amount_info`` and is what must match.
    """
    currency = payload.get("currency")
    expected_currency = (order.currency or "IDR").upper()
    if currency is not None and str(currency).upper() != expected_currency:
        return f"currency {str(currency)[:8]} does not match {expected_currency}"
    gross = parse_gateway_amount(payload.get("gross_amount"))
    if gross is None:
        return "gross_amount is not a whole number of rupiah"
    if gross == attempt.gross_amount:
        return None
    original = original_amount(payload)
    if original is not None and original == attempt.gross_amount and gross >= original:
        return None
    return f"gross_amount {gross} does not match the attempt's {attempt.gross_amount}"


def original_amount(payload: dict) -> int | None:
    """The pre-fee amount from ``gross_amount_info``, read leniently.

    Seen shapes: under ``metadata.extra_info`` or a top-level ``extra_info``; metadata as
    an object or a JSON string; the info as an object with ``original_amount`` (string or
    number, with or without ".00") or as the bare amount.
    """
    for container in (_as_dict(payload.get("metadata")), payload):
        extra = _as_dict(container.get("extra_info")) if container else None
        if not extra or "gross_amount_info" not in extra:
            continue
        info = extra["gross_amount_info"]
        info = _as_dict(info) if isinstance(info, str) and info.strip().startswith("{") else info
        if isinstance(info, dict):
            for key in ("original_amount", "original_gross_amount"):
                amount = parse_gateway_amount(info.get(key)) if info.get(key) is not None else None
                if amount is not None:
                    return amount
        elif isinstance(info, (str, int)) and not isinstance(info, bool):
            amount = parse_gateway_amount(info)
            if amount is not None:
                return amount
    return None


def flag_mismatch(attempt: PaymentAttempt, reason: str, *, actor: str) -> bool:
    """Flag the attempt for the owner, once; commits. True if this call set the flag.

    Conditional on the flag not being set already, so fifty copies of one bad
    notification leave one audit row.
    """
    rows = db.session.execute(
        update(PaymentAttempt)
        .where(PaymentAttempt.id == attempt.id,
               or_(PaymentAttempt.flag.is_(None), PaymentAttempt.flag != MISMATCH_FLAG))
        .values(flag=MISMATCH_FLAG, version=PaymentAttempt.version + 1, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    if rows == 1:
        audit.record(actor, "payment.flagged", subject_type="payment_attempt", subject_id=attempt.midtrans_order_id,
                     details={"flag": MISMATCH_FLAG, "reason": reason})
        alert_causes.payment_needs_attention(attempt, attempt.status, MISMATCH_FLAG)
    db.session.commit()
    return rows == 1


def _as_dict(value: object) -> dict | None:
    if isinstance(value, dict):
        return value
    if isinstance(value, str):
        try:
            return json_bodies.parse_object(value, max_bytes=64 * 1024)
        except json_bodies.UnreadableBody:
            return None
    return None
