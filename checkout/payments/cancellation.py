"""Cancelling: an attempt at Midtrans, or a whole order (customer, owner or API)."""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from checkout import shop_settings
from checkout.errors import NotAllowed, PaymentUnavailable
from checkout.extensions import db
from checkout.midtrans.errors import GatewayRejected, GatewayUnavailable
from checkout.models import Order, PaymentAttempt
from checkout.payments.gateway_answers import apply_checked
from checkout.payments.states import LIVE, LIVE_VALUES, OrderStatus
from checkout.payments.transitions import GatewayReport, TransitionResult, apply_gateway_status, close_order


def cancel_attempt(attempt: PaymentAttempt, *, actor: str) -> TransitionResult:
    """Cancel a live attempt at Midtrans first, then here. Commits.

    A Snap attempt Midtrans does not know yet (no method picked) is cancelled locally. If
    Midtrans refuses (412: it was paid meanwhile), the status it reports is applied instead,
    so the customer sees the truth rather than an error.
    """
    if attempt.status not in LIVE:
        return TransitionResult(attempt.id, attempt.status, attempt.status, changed=False)
    gateway = shop_settings.gateway()
    try:
        if attempt.method == "snap" and attempt.transaction_id is None and gateway.status(attempt.midtrans_order_id) is None:
            answer = {"transaction_status": "cancel", "status_message": "cancelled before a method was picked"}
        else:
            answer = gateway.cancel(attempt.midtrans_order_id)
    except GatewayRejected as exc:
        if exc.code not in ("412", "404"):
            raise NotAllowed(exc.message, code=f"gateway_{exc.code}") from None
        # Midtrans would not cancel (paid meanwhile, or gone): apply what it says now.
        status = gateway.status(attempt.midtrans_order_id)
        if status is not None:
            checked = apply_checked(attempt, status, actor=actor)
            return checked.result or TransitionResult(attempt.id, attempt.status, attempt.status, changed=False)
        answer = {"transaction_status": "cancel"}
    except GatewayUnavailable:
        raise PaymentUnavailable(_("Midtrans could not be reached, so nothing was cancelled. Please try again.")) from None
    return apply_gateway_status(attempt.id, GatewayReport.from_payload(answer), actor=actor)


def cancel_order(order: Order, *, actor: str, reason: str | None = None) -> bool:
    """Cancel every live attempt, then the order. True if the order is now cancelled by us.

    If money arrived meanwhile the order stays paid: cancellation never wins over a payment.
    """
    live = db.session.scalars(select(PaymentAttempt).where(PaymentAttempt.order_id == order.id,
                                                           PaymentAttempt.status.in_(LIVE_VALUES)))
    for attempt in list(live):
        cancel_attempt(attempt, actor=actor)
    db.session.refresh(order)
    if order.status != OrderStatus.OPEN:
        return False
    return close_order(order.id, OrderStatus.CANCELLED, actor=actor, reason=reason)


def cancel_open_order(order: Order, *, actor: str, reason: str) -> bool:
    """Cancel an order for the shop's backend. Commits. True if this call cancelled it,
    False if it was cancelled already (a retry is not an error).

    Raises NotAllowed when the order is not open, or when a payment (or its expiry) won
    the race with the cancellation: payment always wins.
    """
    if order.status == OrderStatus.CANCELLED:
        return False
    if order.status != OrderStatus.OPEN:
        raise NotAllowed(f"A {order.status} session cannot be cancelled.", code="session_not_cancellable")
    cancelled = cancel_order(order, actor=actor, reason=reason)
    db.session.refresh(order)
    if not cancelled and order.status != OrderStatus.CANCELLED:
        raise NotAllowed(f"The session became {order.status} and was not cancelled.", code="session_not_cancellable")
    return cancelled
