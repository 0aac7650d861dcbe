"""Which attempt a notification is about, and whether its money matches that attempt."""
from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import or_, select, update

from checkout import audit
from checkout.alerts import causes as alert_causes
from checkout.extensions import db
from checkout.models import Order, PaymentAttempt
from checkout.money import parse_gateway_amount
from checkout.timeutil import utcnow

MISMATCH_FLAG = "amount_mismatch"


@dataclass(frozen=True)
class Match:
    attempt: PaymentAttempt
    by: str  # "order_id" (signed) or "transaction_id" (not covered by the signature)

    @property
    def trusted_body(self) -> bool:
        """Whether the body's signed claims are about this attempt at all."""
        return self.by == "order_id"

    @property
    def status_ident(self) -> str:
        """What to ask Midtrans's status API about: never an unsigned field of the body."""
        if self.by == "order_id":
            return self.attempt.midtrans_order_id
        return self.attempt.transaction_id


def find_attempt(payload: dict) -> Match | None:
    """By Midtrans order_id (each attempt has its own), failing that by transaction_id.

    A transaction_id match is weaker: the signature does not cover transaction_id, so a
    signed body for some other order could be edited to name one of ours. Such a match is
    acted on only through Midtrans's own status answer (see ``processing``).
    """
    order_id = payload.get("order_id")
    if isinstance(order_id, str) and order_id:
        attempt = db.session.scalar(select(PaymentAttempt).where(PaymentAttempt.midtrans_order_id == order_id))
        if attempt is not None:
            return Match(attempt, "order_id")
    transaction_id = payload.get("transaction_id")
    if isinstance(transaction_id, str) and transaction_id:
        attempt = db.session.scalar(select(PaymentAttempt).where(PaymentAttempt.transaction_id == transaction_id)
                                    .order_by(PaymentAttempt.id).limit(1))
        if attempt is not None:
            return Match(attempt, "transaction_id")
    return None


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
            parsed = json.loads(value)
        except ValueError:
            return None
        return parsed if isinstance(parsed, dict) else None
    return None
