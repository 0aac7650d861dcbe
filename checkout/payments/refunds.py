"""Refunds: who may be refunded, and the refund itself, never twice.

Two guards stop a double refund. The ``refund_key`` (unique in our table and at
Midtrans) makes a retried or double-clicked request the same request. And the amount is
*reserved* on the attempt with one conditional UPDATE before Midtrans is called, so two
different refunds racing each other can never together exceed what was paid.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from checkout import audit, shop_settings
from checkout.errors import Conflict, InvalidRequest, NotAllowed, PaymentUnavailable
from checkout.extensions import db
from checkout.midtrans.errors import GatewayError, GatewayRejected, GatewayUnavailable
from checkout.models import Order, PaymentAttempt, Refund
from checkout.payments.states import MONEY_RECEIVED
from checkout.payments.transitions import GatewayReport, TransitionResult, apply_gateway_status
from checkout.timeutil import utcnow

# Midtrans refunds these payment types only; never virtual accounts or convenience stores.
REFUNDABLE = frozenset({"credit_card", "gopay", "shopeepay", "qris", "dana", "ovo", "kredivo", "akulaku"})
FULL_ONLY = frozenset({"shopeepay", "ovo"})


@dataclass(frozen=True)
class Eligibility:
    allowed: bool
    reason: str | None
    remaining: int
    partial_allowed: bool


def new_refund_key() -> str:
    return "rf-" + secrets.token_hex(12)


def eligibility(attempt: PaymentAttempt) -> Eligibility:
    """What the owner is told before the refund button: can it be refunded, and how much."""
    remaining = max((attempt.paid_amount or 0) - attempt.refunded_amount - attempt.refund_reserved_amount, 0)
    payment_type = (attempt.payment_type or "").lower()
    if attempt.status not in MONEY_RECEIVED:
        return Eligibility(False, _("Only received payments can be refunded."), 0, False)
    if payment_type not in REFUNDABLE:
        return Eligibility(False, _("Midtrans cannot refund %(method)s payments; refund the customer directly.",
                                    method=payment_type or _("this kind of")), 0, False)
    if remaining <= 0:
        return Eligibility(False, _("Everything paid has already been refunded."), 0, False)
    return Eligibility(True, None, remaining, payment_type not in FULL_ONLY)


def refund_target(order: Order) -> PaymentAttempt:
    """The payment of ``order`` a refund applies to: the first one received that still has
    something left to refund (a second, duplicate payment comes after the first).

    Raises NotAllowed when the order has received no money.
    """
    received = [a for a in order.attempts if a.status in MONEY_RECEIVED]
    if not received:
        raise NotAllowed("Only paid sessions can be refunded.", code="not_refundable")
    received.sort(key=lambda a: (a.paid_at is None, a.paid_at, a.id))
    for attempt in received:
        if eligibility(attempt).remaining > 0:
            return attempt
    return received[0]


def refund_order(order: Order, *, amount: int | None, reason: str, actor: str,
                 refund_key: str | None = None) -> int:
    """Refund ``amount`` (default: everything left) of an order's payment. Commits; returns
    the amount refunded. Raises as ``refund`` does, and NotAllowed when nothing can be."""
    attempt = refund_target(order)
    rules = eligibility(attempt)
    if not rules.allowed:
        raise NotAllowed(rules.reason, code="not_refundable")
    amount = amount if amount is not None else rules.remaining
    refund(attempt.id, amount=amount, reason=reason, actor=actor, refund_key=refund_key)
    return amount


def refund(attempt_id: int, *, amount: int, reason: str, actor: str, refund_key: str | None = None) -> TransitionResult:
    """Refund ``amount`` rupiah of a received payment. Commits. Safe to repeat with one key.

    Raises InvalidRequest (bad amount), NotAllowed (not refundable), Conflict (a refund
    with this key is already under way), PaymentUnavailable (Midtrans unreachable: the
    reservation is released and nothing was refunded).
    """
    refund_key = refund_key or new_refund_key()
    existing = db.session.scalar(select(Refund).where(Refund.refund_key == refund_key))
    if existing is not None:
        return _replay(existing)
    attempt = db.session.get(PaymentAttempt, attempt_id, populate_existing=True)
    if attempt is None:
        raise InvalidRequest(_("Unknown payment."), code="unknown_payment")
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise InvalidRequest(_("Enter a whole number of rupiah above zero."), code="invalid_amount",
                             fields={"amount": _("Must be a whole number above zero.")})
    rules = eligibility(attempt)
    if not rules.allowed:
        raise NotAllowed(rules.reason, code="not_refundable")
    if amount > rules.remaining:
        raise InvalidRequest(_("At most %(amount)s can still be refunded.", amount=rules.remaining),
                             code="amount_too_large", fields={"amount": _("Too large.")})
    if not rules.partial_allowed and amount != rules.remaining:
        raise InvalidRequest(_("This payment method only supports refunding the full amount."),
                             code="partial_not_supported", fields={"amount": _("Must be the full amount.")})

    _reserve(attempt.id, amount)
    try:
        db.session.add(Refund(attempt_id=attempt.id, refund_key=refund_key, amount=amount, reason=reason[:255],
                              actor=actor))
        audit.record(actor, "refund.requested", subject_type="payment_attempt", subject_id=attempt.midtrans_order_id,
                     details={"amount": amount, "refund_key": refund_key})
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        _release(attempt.id, amount)
        raise Conflict(_("This refund is already being processed."), code="refund_in_progress") from None

    try:
        answer = shop_settings.gateway().refund(attempt.midtrans_order_id, refund_key=refund_key, amount=amount,
                                                reason=reason)
    except GatewayRejected as exc:
        if exc.code == "406":  # Midtrans already has this refund_key: an earlier try got through
            answer = shop_settings.gateway().status(attempt.midtrans_order_id) or {}
        else:
            _finish(refund_key, attempt.id, amount, ok=False, detail=exc.message)
            raise NotAllowed(exc.message, code=f"gateway_{exc.code}") from None
    except GatewayUnavailable as exc:
        # Unknown whether Midtrans acted. If it did, its refund notification still records
        # the money going back, and Midtrans itself refuses refunds beyond what is left.
        _finish(refund_key, attempt.id, amount, ok=False, detail=exc.message)
        raise PaymentUnavailable(_("Midtrans could not be reached; nothing was refunded. Try again.")) from None
    except GatewayError as exc:
        _finish(refund_key, attempt.id, amount, ok=False, detail=exc.message)
        raise PaymentUnavailable(exc.message) from None

    _finish(refund_key, attempt.id, amount, ok=True, detail=None, answer=answer, release=False)
    return apply_gateway_status(attempt.id, _refund_report(attempt.id, amount, answer), actor=actor,
                                release_reserved=amount)


def _refund_report(attempt_id: int, amount: int, answer: dict) -> GatewayReport:
    """What to apply after Midtrans approved a refund.

    The refund answer's ``refund_amount`` is this refund alone, not the running total, so
    the total comes from the status API's ``refunds`` list when Midtrans can tell us;
    otherwise from our own committed total plus this refund.
    """
    attempt = db.session.get(PaymentAttempt, attempt_id, populate_existing=True)
    try:
        status = shop_settings.gateway().status(attempt.midtrans_order_id)
    except GatewayError:
        status = None
    if status and isinstance(status.get("refunds"), list) and status["refunds"]:
        return GatewayReport.from_payload(status)
    return GatewayReport(transaction_status=str(answer.get("transaction_status") or "partial_refund"),
                         transaction_id=answer.get("transaction_id"), payment_type=answer.get("payment_type"),
                         refunded_total=attempt.refunded_amount + amount, raw=answer)


def _reserve(attempt_id: int, amount: int) -> None:
    rows = db.session.execute(
        update(PaymentAttempt)
        .where(PaymentAttempt.id == attempt_id,
               PaymentAttempt.paid_amount - PaymentAttempt.refunded_amount - PaymentAttempt.refund_reserved_amount >= amount)
        .values(refund_reserved_amount=PaymentAttempt.refund_reserved_amount + amount)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    if rows != 1:
        raise Conflict(_("Another refund of this payment is under way or the amount is no longer available."),
                       code="refund_conflict")


def _release(attempt_id: int, amount: int) -> None:
    db.session.execute(
        update(PaymentAttempt).where(PaymentAttempt.id == attempt_id)
        .values(refund_reserved_amount=PaymentAttempt.refund_reserved_amount - amount)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def _finish(refund_key: str, attempt_id: int, amount: int, *, ok: bool, detail: str | None, answer=None,
            release: bool = True) -> None:
    rows = db.session.execute(
        update(Refund).where(Refund.refund_key == refund_key, Refund.status == "requested")
        .values(status="succeeded" if ok else "failed", failure_reason=detail, gateway_response=answer,
                completed_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    if rows == 1 and release:
        _release(attempt_id, amount)


def _replay(existing: Refund) -> TransitionResult:
    attempt = db.session.get(PaymentAttempt, existing.attempt_id, populate_existing=True)
    if existing.status == "requested":
        raise Conflict(_("This refund is already being processed."), code="refund_in_progress")
    if existing.status == "failed":
        raise NotAllowed(existing.failure_reason or _("This refund failed."), code="refund_failed")
    return TransitionResult(attempt.id, attempt.status, attempt.status, changed=False)
