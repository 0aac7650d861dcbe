"""What the owner can do to one payment attempt: re-check, cancel, approve/deny, refund.

Each call goes through the shared payment services (which commit the state change) and
adds the owner's act to the audit trail. Gateway trouble becomes a DomainError whose
message is written for the owner.
"""
from __future__ import annotations

import time

from flask_babel import gettext as _

from checkout import audit
from checkout.errors import Conflict, DomainError, InvalidRequest, NotAllowed, NotFound, PaymentUnavailable
from checkout.extensions import db
from checkout.midtrans.errors import GatewayAuthError, GatewayError, GatewayUnavailable
from checkout.models import PaymentAttempt
from checkout.money import format_rupiah
from checkout.payments import cancellation, refunds, review, status_sync
from checkout.payments.transitions import RaceRetriesExhausted, TransitionResult

# How long a refund waits for other refunds of the same payment that are in flight.
IN_FLIGHT_WAIT_SECONDS = 15.0
IN_FLIGHT_POLL_SECONDS = 0.05


def _attempt(attempt_id: int) -> PaymentAttempt:
    attempt = db.session.get(PaymentAttempt, attempt_id, populate_existing=True)
    if attempt is None:
        raise NotFound(_("Unknown payment."), code="unknown_payment")
    return attempt


def _gateway_problem(exc: GatewayError) -> DomainError:
    if isinstance(exc, GatewayAuthError):
        return InvalidRequest(_("Midtrans refused the server key. Check the keys in Settings."), code="gateway_auth")
    if isinstance(exc, GatewayUnavailable):
        return PaymentUnavailable(_("Midtrans could not be reached. Nothing changed; try again in a moment."))
    return NotAllowed(exc.message, code=f"gateway_{exc.code}")


def _record(actor: str, action: str, attempt: PaymentAttempt, result: TransitionResult | None, **details) -> None:
    audit.record(actor, action, subject_type="payment_attempt", subject_id=attempt.midtrans_order_id,
                 before=result.before if result else None, after=result.after if result else None,
                 details=details or None)
    db.session.commit()


def recheck(attempt_id: int, *, actor: str) -> TransitionResult | None:
    """Ask Midtrans now and apply the answer, checked. None when Midtrans does not know it yet.

    An answer for another order, amount or currency is not applied: the payment is
    flagged and NotAllowed says so.
    """
    attempt = _attempt(attempt_id)
    try:
        checked = status_sync.refresh_from_gateway(attempt, actor=actor)
    except GatewayError as exc:
        raise _gateway_problem(exc) from None
    except RaceRetriesExhausted:
        raise PaymentUnavailable(_("The payment is being updated right now; try again.")) from None
    result = checked.result if checked is not None else None
    _record(actor, "payment.recheck", attempt, result, known=checked is not None,
            mismatch=checked.problem if checked is not None and not checked.applied else None)
    if checked is not None and not checked.applied:
        raise NotAllowed(_("Midtrans reports a different order, amount or currency for this payment. "
                           "Nothing was changed; the payment is flagged for you to check."),
                         code="gateway_mismatch")
    return result


def cancel(attempt_id: int, *, actor: str) -> TransitionResult:
    attempt = _attempt(attempt_id)
    try:
        result = cancellation.cancel_attempt(attempt, actor=actor)
    except GatewayError as exc:
        raise _gateway_problem(exc) from None
    _record(actor, "payment.cancel", attempt, result)
    return result


def decide(attempt_id: int, decision: str, *, actor: str) -> TransitionResult:
    try:
        return review.decide(attempt_id, decision, actor=actor)
    except GatewayError as exc:
        raise _gateway_problem(exc) from None


def refund(attempt_id: int, *, amount: int, reason: str, refund_key: str, actor: str) -> TransitionResult:
    """Refund with the form's key: a double click or a retry is the same refund.

    The amount is checked against what is left before Midtrans is asked; the shared
    refund service reserves it atomically, so concurrent refunds never exceed the payment.
    """
    attempt = _attempt(attempt_id)
    rules = refunds.eligibility(attempt)
    # Against what is settled, not what is free right now: refunds in flight may hand
    # their reservation back (see below).
    if rules.allowed and amount > (attempt.paid_amount or 0) - attempt.refunded_amount:
        raise _too_large(rules.remaining)
    deadline = time.monotonic() + IN_FLIGHT_WAIT_SECONDS
    while True:
        try:
            return refunds.refund(attempt.id, amount=amount, reason=reason or "Refund requested by the shop",
                                  actor=actor, refund_key=refund_key)
        except GatewayError as exc:
            raise _gateway_problem(exc) from None
        except (Conflict, InvalidRequest, NotAllowed) as exc:
            if exc.code not in ("refund_conflict", "amount_too_large", "not_refundable"):
                raise
        # Refused for want of money while other refunds hold reservations: if Midtrans
        # refuses those, their amounts come back. Wait for them, then decide on a fresh read.
        attempt, settled_left, in_flight = _fresh(attempt.id)
        rules = refunds.eligibility(attempt)
        if not rules.allowed and not in_flight:
            raise NotAllowed(rules.reason, code="not_refundable")  # no refund in flight: a real refusal
        if settled_left < amount:
            raise _too_large(settled_left)
        if time.monotonic() > deadline:
            raise Conflict(_("Another refund of this payment is still being processed. Try again in a moment."),
                           code="refund_in_progress")
        if in_flight:
            time.sleep(IN_FLIGHT_POLL_SECONDS)


def _fresh(attempt_id: int) -> tuple[PaymentAttempt, int, int]:
    """The attempt re-read, what is left after the refunds already applied, and the
    amount reserved by refunds in flight."""
    db.session.rollback()  # end the read, so the next one sees other workers' commits
    attempt = _attempt(attempt_id)
    settled_left = max((attempt.paid_amount or 0) - attempt.refunded_amount, 0)
    return attempt, settled_left, attempt.refund_reserved_amount


def _too_large(remaining: int) -> InvalidRequest:
    if remaining <= 0:
        return InvalidRequest(_("Everything paid has already been refunded."), code="amount_too_large",
                              fields={"amount": _("Too large.")})
    return InvalidRequest(_("At most %(amount)s can still be refunded.", amount=format_rupiah(remaining)),
                          code="amount_too_large", fields={"amount": _("Too large.")})
