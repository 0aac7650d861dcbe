"""Starting a payment attempt: the parts the inline QRIS and the Snap redirect share.

Record before you call. ``open_attempt`` commits a pending attempt whose
``gateway_answered_at`` is NULL before anything is sent to Midtrans; ``record_answer``
and ``record_refusal`` write what Midtrans said afterwards. A crash in between leaves a
pending, unanswered row the reconciler can finish by asking the status API, and a
customer's retry re-uses that same row (same Midtrans order_id, same Idempotency-Key).

At most one attempt per order is live at a time: a new one is opened only when the
latest is not live, and two requests opening one at once collide on the unique
(order_id, number) constraint, so the loser shows the winner's attempt.
"""
from __future__ import annotations

import logging
from datetime import datetime
from typing import NamedTuple

from flask_babel import gettext as _
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from checkout import shop_settings
from checkout.errors import InvalidRequest, PaymentUnavailable
from checkout.extensions import db
from checkout.midtrans.client import MidtransClient
from checkout.midtrans.errors import GatewayAuthError, GatewayError, GatewayRejected
from checkout.models import Order, PaymentAttempt
from checkout.observability import context as log_context
from checkout.observability import metrics
from checkout.payments.cancellation import cancel_attempt
from checkout.payments.gateway_answers import apply_checked
from checkout.payments.method_rules import Offer, offer_for
from checkout.payments.states import LIVE, OrderStatus, PaymentStatus
from checkout.payments.transitions import GatewayReport, TransitionResult, apply_gateway_status
from checkout.shop_settings import EffectiveSettings
from checkout.timeutil import gateway_time, utcnow

log = logging.getLogger(__name__)

MAX_ITEM_NAME = 50


def latest_attempt(order_id: int) -> PaymentAttempt | None:
    """The newest attempt of an order: the only one that can be live."""
    return db.session.scalars(
        select(PaymentAttempt).where(PaymentAttempt.order_id == order_id)
        .order_by(PaymentAttempt.number.desc()).limit(1)
        .execution_options(populate_existing=True)
    ).first()


def is_live(attempt: PaymentAttempt | None) -> bool:
    return attempt is not None and attempt.status in LIVE


def is_answered(attempt: PaymentAttempt) -> bool:
    return attempt.gateway_answered_at is not None


def open_attempt(order: Order, method: str, *, previous: PaymentAttempt | None, environment: str,
                 now: datetime, expires_at: datetime) -> PaymentAttempt | None:
    """Commit a new pending attempt numbered right after ``previous``, the newest attempt
    the caller saw and found not live.

    The number comes from that same observation, not from a fresh read: if anyone opened
    an attempt since, it holds this number and the unique (order_id, number) constraint
    refuses ours. Returns None then, or when the order is no longer open; the caller
    shows the attempt that won (or the order's state) instead of creating a second
    payable one.
    """
    number = (previous.number if previous is not None else 0) + 1
    # Claim the order first, in the transaction that inserts the attempt: refused if the
    # order was closed (or ran out of time) meanwhile, and a close racing us sees the
    # version move and loses (see ``transitions.close_order``). Never both.
    still_open = db.session.execute(
        update(Order).where(Order.id == order.id, Order.status == OrderStatus.OPEN, Order.expires_at > now)
        .values(version=Order.version + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    if still_open != 1:
        db.session.rollback()
        return None
    attempt = PaymentAttempt(
        order_id=order.id, number=number, midtrans_order_id=f"{order.reference}-{number}", method=method,
        environment=environment, status=PaymentStatus.PENDING, gross_amount=order.total_amount,
        created_at=now, updated_at=now, expires_at=expires_at,
    )
    db.session.add(attempt)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return None
    log_context.bind_attempt(attempt)
    metrics.attempt_created(method)
    log.info("payment attempt %s opened (%s, Rp %d)", attempt.midtrans_order_id, method, attempt.gross_amount)
    return attempt


def winner_after_race(order: Order) -> PaymentAttempt | None:
    """The attempt that a concurrent request opened, if it is still live."""
    attempt = latest_attempt(order.id)
    return attempt if is_live(attempt) else None


def record_answer(attempt: PaymentAttempt, answer: dict, **values) -> bool:
    """Store the gateway's answer to the creating call. Commits; False if already stored.

    Only the first answer is written (a concurrent retry got the same one back from the
    idempotent charge). The attempt's status is not touched here: a state change goes
    through ``apply_gateway_status`` (see ``apply_answer``).
    """
    now = utcnow()
    values.update(last_gateway_response=answer, gateway_answered_at=now, updated_at=now,
                  version=PaymentAttempt.version + 1)
    if answer.get("transaction_id"):
        values.setdefault("transaction_id", answer["transaction_id"])
    if answer.get("payment_type"):
        values.setdefault("payment_type", answer["payment_type"])
    if answer.get("transaction_status"):
        values.setdefault("gateway_status", answer["transaction_status"])
    rows = db.session.execute(
        update(PaymentAttempt)
        .where(PaymentAttempt.id == attempt.id, PaymentAttempt.gateway_answered_at.is_(None))
        .values(**values)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    db.session.refresh(attempt)
    return rows == 1


def apply_answer(attempt: PaymentAttempt, answer: dict, *, actor: str) -> None:
    """A creating call that already reports a final status (rare) moves the attempt."""
    status = str(answer.get("transaction_status") or "").lower()
    if status and status != "pending":
        apply_gateway_status(attempt.id, GatewayReport.from_payload(answer), actor=actor)
        db.session.refresh(attempt)


def record_refusal(attempt: PaymentAttempt, error: GatewayRejected, *, actor: str) -> TransitionResult:
    """Midtrans definitely refused the creating call: the attempt failed, with the reason."""
    now = utcnow()
    reason = (error.message or "refused")[:200]
    raw = {"status_code": error.code, "messages": error.messages[:5]}
    db.session.execute(
        update(PaymentAttempt).where(PaymentAttempt.id == attempt.id)
        .values(failure_reason=reason, gateway_answered_at=func.coalesce(PaymentAttempt.gateway_answered_at, now),
                last_gateway_response=raw)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    result = apply_gateway_status(attempt.id, GatewayReport(transaction_status="failure", raw=raw), actor=actor)
    db.session.refresh(attempt)
    return result


def refused(error: GatewayRejected) -> InvalidRequest:
    return InvalidRequest(_("Midtrans refused this payment: %(reason)s", reason=error.message), code="gateway_refused")


def unavailable(error: GatewayError) -> PaymentUnavailable:
    """The outcome of the call is unknown (or our keys are wrong): ask the customer to retry."""
    if isinstance(error, GatewayAuthError):
        # A configuration problem for the owner, not something the customer can fix; the
        # message names no key.
        log.error("Midtrans refused our credentials (%s); check the keys in the admin", error.code)
    else:
        log.warning("Midtrans unavailable while starting a payment: %s", error.message)
    return PaymentUnavailable(_("Midtrans, our payment provider, is not answering right now. "
                                "Please try again in a moment; you will not be charged twice."),
                              code="gateway_unavailable")


def gateway():
    """The Midtrans client for the settings in force; no usable key is "unavailable"."""
    try:
        return shop_settings.gateway()
    except GatewayError as error:
        raise unavailable(error) from None


def switch_away(attempt: PaymentAttempt, *, actor: str) -> bool:
    """Cancel a live attempt of the other method before opening a new one.

    True when it is no longer payable. False when money arrived meanwhile (the caller
    shows the paid state). Raises PaymentUnavailable if Midtrans cannot be reached, so
    there is never a second payable attempt.
    """
    result = cancel_attempt(attempt, actor=actor)
    return result.after in (PaymentStatus.CANCELLED, PaymentStatus.EXPIRED, PaymentStatus.FAILED)


def settle_stale_unanswered(attempt: PaymentAttempt, gateway, *, actor: str) -> None:
    """An unanswered attempt whose time ran out: learn what Midtrans knows and end it.

    Unknown at Midtrans: nothing can be paid, so it expires here. Known and still
    pending: cancelled at Midtrans, so the customer's new attempt is the only payable one.
    """
    answer = gateway.status(attempt.midtrans_order_id)
    if answer is None:
        apply_gateway_status(attempt.id, GatewayReport(transaction_status="expire",
                                                       raw={"status_message": "never reached Midtrans"}), actor=actor)
    else:
        apply_checked(attempt, answer, actor=actor)
        db.session.refresh(attempt)
        if attempt.status in LIVE:
            cancel_attempt(attempt, actor=actor)
    db.session.refresh(attempt)


class Ready(NamedTuple):
    settings: EffectiveSettings
    offer: Offer  # what this order may be paid with
    gateway: MidtransClient


def ready_to_start(order: Order, method: str, now: datetime) -> Ready | None:
    """What both methods check before touching an attempt.

    None when the order can no longer be paid. Raises InvalidRequest when the method is
    not offered for this order or its items cannot be sent, PaymentUnavailable when no
    Midtrans client can be had (no key).
    """
    if not order_is_payable(order, now):
        return None
    settings = shop_settings.current()
    offer = offer_for(order, settings)
    if method == "qris" and not offer.qris:
        raise InvalidRequest(offer.qris_reason or _("QRIS is not available for this payment."),
                             code="method_unavailable")
    if method == "snap" and not offer.snap:
        raise InvalidRequest(offer.snap_reason or _("Other payment methods are not available for this payment."),
                             code="method_unavailable")
    check_items(order)
    try:
        # The customer watches a spinner: short timeout, one retry (about 10 s at most).
        return Ready(settings, offer, shop_settings.gateway(customer_waiting=True))
    except GatewayError as error:
        raise unavailable(error) from None


def order_is_payable(order: Order, now: datetime) -> bool:
    return order.status == OrderStatus.OPEN and order.expires_at > now


def check_items(order: Order) -> None:
    """Refuse what Midtrans would refuse: items must exist and add up to the total exactly."""
    items = list(order.items)
    if not items:
        raise InvalidRequest(_("This order has no items to pay for."), code="invalid_items")
    if any(len(item.name) > MAX_ITEM_NAME or item.quantity < 1 for item in items):
        raise InvalidRequest(_("An item of this order cannot be sent to the payment provider."), code="invalid_items")
    if sum(item.line_total for item in items) != order.total_amount or order.total_amount < 1:
        raise InvalidRequest(_("The items of this order do not add up to its total, so it cannot be paid."),
                             code="total_mismatch")


def item_details(order: Order) -> list[dict]:
    return [
        {"id": item.sku or f"item-{index + 1}", "price": int(item.unit_price), "quantity": int(item.quantity),
         "name": item.name[:MAX_ITEM_NAME]}
        for index, item in enumerate(order.items)
    ]


def customer_details(order: Order) -> dict | None:
    details = {}
    if order.customer_name:
        first, _space, last = order.customer_name.strip().partition(" ")
        details["first_name"] = first[:255]
        if last:
            details["last_name"] = last[:255]
    if order.customer_email:
        details["email"] = order.customer_email
    if order.customer_phone:
        details["phone"] = order.customer_phone
    return details or None


def custom_expiry(attempt: PaymentAttempt) -> dict:
    """Midtrans's ``custom_expiry`` for the attempt's own window (from the row, so a retry
    sends the same): whole minutes where they fit, else seconds."""
    seconds = max(1, round((attempt.expires_at - attempt.created_at).total_seconds()))
    duration, unit = (seconds // 60, "minute") if seconds % 60 == 0 else (seconds, "second")
    return {"order_time": gateway_time(attempt.created_at), "expiry_duration": duration, "unit": unit}


def transaction_details(attempt: PaymentAttempt) -> dict:
    return {"order_id": attempt.midtrans_order_id, "gross_amount": int(attempt.gross_amount)}
