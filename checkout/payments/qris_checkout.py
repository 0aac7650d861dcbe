"""Starting (or re-showing) an inline QRIS payment for an order.

The customer presses "Pay with QRIS": if the order already has a live QR, that same QR
is shown again (a second click, a reopened link, a concurrent request); otherwise a new
attempt is recorded, Midtrans is asked for a QRIS charge and the answer (QR string,
transaction id, expiry) is recorded, with the PNG drawn once.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app

from checkout import shop_settings
from checkout.midtrans.errors import GatewayError, GatewayInFlight, GatewayRejected
from checkout.models import Order, PaymentAttempt
from checkout.payments import checkout_flow as flow
from checkout.payments import qris_merchant
from checkout.payments.cancellation import cancel_attempt
from checkout.payments.qr_image import render_png
from checkout.timeutil import parse_gateway_time, utcnow


def start_qris(order: Order, *, actor: str = "customer") -> PaymentAttempt | None:
    """Return the order's live QRIS attempt, charging a new one when there is none.

    Returns None when the order can no longer be paid (paid meanwhile, closed, past its
    expiry): the caller shows the order's state. Raises ``InvalidRequest`` when we or
    Midtrans refuse (the attempt is then failed, with its reason) and
    ``PaymentUnavailable`` when Midtrans cannot be reached (the attempt stays pending and
    unanswered; the next press re-uses it with the same Idempotency-Key).
    """
    now = utcnow()
    ready = flow.ready_to_start(order, "qris", now)
    if ready is None:
        return None
    settings, _offer, gateway = ready

    attempt = flow.latest_attempt(order.id)
    if flow.is_live(attempt):
        if attempt.method == "qris" and flow.is_answered(attempt):
            return attempt
        if attempt.method == "qris" and attempt.expires_at > now:
            return _charge(attempt, order, gateway, actor)
        try:
            if attempt.method == "qris":
                flow.settle_stale_unanswered(attempt, gateway, actor=actor)
            elif not flow.switch_away(attempt, actor=actor):
                return None
        except GatewayError as error:
            raise flow.unavailable(error) from None
        if flow.is_live(attempt):
            return attempt if flow.is_answered(attempt) else None

    expires_at = now + timedelta(seconds=expiry_seconds(settings, order, now))
    attempt = flow.open_attempt(order, "qris", previous=attempt, environment=settings.environment, now=now,
                                expires_at=expires_at)
    if attempt is None:
        return flow.winner_after_race(order)
    return _charge(attempt, order, gateway, actor)


def expiry_seconds(settings, order: Order, now: datetime) -> int:
    """The QR's lifetime: the owner's minutes (or the testing override in seconds),
    never past the order's own expiry."""
    seconds = current_app.config.get("QRIS_EXPIRY_SECONDS") or settings.qris_expiry_minutes * 60
    remaining = int((order.expires_at - now).total_seconds())
    return max(1, min(int(seconds), remaining))


def charge_payload(attempt: PaymentAttempt, order: Order) -> dict:
    """The Core API charge. Built from the attempt row alone, so a retry sends the same."""
    payload = {
        "payment_type": "qris",
        "transaction_details": flow.transaction_details(attempt),
        "item_details": flow.item_details(order),
        "custom_expiry": flow.custom_expiry(attempt),
        "qris": {"acquirer": "gopay"},
    }
    customer = flow.customer_details(order)
    if customer:
        payload["customer_details"] = customer
    return payload


def _charge(attempt: PaymentAttempt, order: Order, gateway, actor: str, *, depth: int = 0) -> PaymentAttempt | None:
    try:
        answer = gateway.charge(charge_payload(attempt, order), idempotency_key=attempt.idempotency_key)
    except GatewayRejected as error:
        if error.code == "406" and depth == 0:
            # The order_id is taken: an earlier call of ours reached Midtrans but its answer
            # was lost beyond the idempotency window. Find out what exists there.
            return _recover_taken(attempt, order, gateway, actor)
        flow.record_refusal(attempt, error, actor=actor)
        raise flow.refused(error) from None
    except GatewayInFlight:
        # Another request (a double click) is charging this very attempt right now: show
        # it as "waiting for Midtrans"; the poll picks up the QR once that request records it.
        return attempt
    except GatewayError as error:
        raise flow.unavailable(error) from None
    if not answer.get("transaction_id") or not answer.get("transaction_status"):
        # Not an answer to record: "still processing the same Idempotency-Key" can also
        # arrive as a 202 body. Same as above.
        return attempt
    qr_string = answer.get("qr_string")
    values = {
        "qr_string": qr_string,
        "qr_png": render_png(qr_string) if qr_string else None,
        "merchant_name": qris_merchant.merchant(qr_string).name,
        "expires_at": parse_gateway_time(answer.get("expiry_time") or answer.get("expire_time")) or attempt.expires_at,
    }
    flow.record_answer(attempt, answer, **values)
    flow.apply_answer(attempt, answer, actor=actor)
    return attempt


def _recover_taken(attempt: PaymentAttempt, order: Order, gateway, actor: str) -> PaymentAttempt | None:
    try:
        answer = gateway.status(attempt.midtrans_order_id)
        if answer and answer.get("qr_string") and str(answer.get("transaction_status")) == "pending":
            return _record_recovered(attempt, answer, actor)
        # We cannot show a QR we never received: end that transaction and start afresh.
        cancel_attempt(attempt, actor=actor)
    except GatewayError as error:
        raise flow.unavailable(error) from None
    now = utcnow()
    latest = flow.latest_attempt(order.id)
    if not flow.order_is_payable(order, now) or flow.is_live(latest) or latest.id != attempt.id:
        return flow.winner_after_race(order)
    settings = shop_settings.current()
    fresh = flow.open_attempt(order, "qris", previous=attempt, environment=settings.environment, now=now,
                              expires_at=now + timedelta(seconds=expiry_seconds(settings, order, now)))
    if fresh is None:
        return flow.winner_after_race(order)
    return _charge(fresh, order, gateway, actor, depth=1)


def _record_recovered(attempt: PaymentAttempt, answer: dict, actor: str) -> PaymentAttempt:
    qr_string = answer["qr_string"]
    flow.record_answer(attempt, answer, qr_string=qr_string, qr_png=render_png(qr_string),
                       merchant_name=qris_merchant.merchant(qr_string).name,
                       expires_at=parse_gateway_time(answer.get("expiry_time")) or attempt.expires_at)
    return attempt
