"""Paying in the GoPay or ShopeePay app on the phone that shows the checkout.

A customer cannot scan their own screen. Where the shop enables it, "Pay in the GoPay app"
creates a GoPay (or ShopeePay) Core API charge and the customer's browser is sent to the
``deeplink-redirect`` URL Midtrans answers with, which opens the app. The app sends the
customer back to ``callback_url`` (our checkout's return link) once they are done; that
redirect proves nothing: the page shows only what a notification or the status API says.

Same rules as the inline QRIS: the attempt (its own Midtrans order_id) is committed before
Midtrans is called, the charge carries the attempt's Idempotency-Key, one attempt per order
is live at a time (a live QR or Snap payment is cancelled first), and a second tap on the
same button re-opens the same deeplink instead of charging again. The deeplink is kept in
``PaymentAttempt.redirect_url``: where the customer goes to pay.
"""
from __future__ import annotations

from datetime import timedelta

from flask_babel import gettext as _

from checkout import shop_settings
from checkout.errors import InvalidRequest
from checkout.extensions import db
from checkout.midtrans.errors import GatewayError, GatewayInFlight, GatewayRejected
from checkout.models import Order, PaymentAttempt
from checkout.models.settings import APP_PAYMENT_METHODS
from checkout.payments import checkout_flow as flow
from checkout.payments.cancellation import cancel_attempt
from checkout.payments.gateway_answers import apply_checked
from checkout.payments.method_rules import offer_for
from checkout.payments.qris_checkout import expiry_seconds
from checkout.sessions_view import checkout_url
from checkout.timeutil import parse_gateway_time, utcnow

DEEPLINK_ACTION = "deeplink-redirect"


def start_app_payment(order: Order, wallet: str, *, actor: str = "customer") -> PaymentAttempt | None:
    """Return a live, answered ``wallet`` attempt whose ``redirect_url`` opens the app.

    Re-uses the live attempt of the same wallet; cancels a live attempt of another method
    first. None when the order can no longer be paid (or the attempt was taken over by a
    concurrent request that has not recorded its answer yet). Raises ``InvalidRequest``
    when the shop does not offer this app (or Midtrans refuses) and ``PaymentUnavailable``
    when Midtrans cannot be reached: the attempt then stays pending and unanswered, and
    the next tap re-uses it with the same Idempotency-Key.
    """
    now = utcnow()
    if not flow.order_is_payable(order, now):
        return None
    settings = shop_settings.current()
    if wallet not in APP_PAYMENT_METHODS or wallet not in offer_for(order, settings).apps:
        raise InvalidRequest(_("This app cannot be used for this payment."), code="method_unavailable")
    flow.check_items(order)
    gateway = flow.gateway()

    attempt = flow.latest_attempt(order.id)
    if flow.is_live(attempt):
        if attempt.method == wallet and attempt.expires_at > now:
            return attempt if flow.is_answered(attempt) else _charge(attempt, order, gateway, actor)
        try:
            if attempt.method == wallet:
                flow.settle_stale_unanswered(attempt, gateway, actor=actor)
            elif not flow.switch_away(attempt, actor=actor):
                return None
        except GatewayError as error:
            raise flow.unavailable(error) from None
        if flow.is_live(attempt):
            return attempt if attempt.method == wallet and flow.is_answered(attempt) else None

    attempt = flow.open_attempt(order, wallet, previous=attempt, environment=settings.environment, now=now,
                                expires_at=now + timedelta(seconds=expiry_seconds(settings, order, now)))
    if attempt is None:
        winner = flow.winner_after_race(order)
        return winner if winner is not None and winner.method == wallet and winner.redirect_url else None
    return _charge(attempt, order, gateway, actor)


def charge_payload(attempt: PaymentAttempt, order: Order) -> dict:
    """The Core API charge, built from the attempt row alone so a retry sends the same.

    ``callback_url`` is where the app sends the customer afterwards: this checkout.
    """
    callback_url = checkout_url(order) + "/return"
    payload = {
        "payment_type": attempt.method,
        "transaction_details": flow.transaction_details(attempt),
        "item_details": flow.item_details(order),
        "custom_expiry": flow.custom_expiry(attempt),
    }
    if attempt.method == "gopay":
        payload["gopay"] = {"enable_callback": True, "callback_url": callback_url}
    else:
        payload["shopeepay"] = {"callback_url": callback_url}
    customer = flow.customer_details(order)
    if customer:
        payload["customer_details"] = customer
    return payload


def deeplink(answer: dict) -> str | None:
    """The ``deeplink-redirect`` action's URL in a charge answer (http(s) or an app scheme)."""
    for action in answer.get("actions") or ():
        if isinstance(action, dict) and action.get("name") == DEEPLINK_ACTION and action.get("url"):
            return str(action["url"])
    return None


def _charge(attempt: PaymentAttempt, order: Order, gateway, actor: str) -> PaymentAttempt | None:
    try:
        answer = gateway.charge(charge_payload(attempt, order), idempotency_key=attempt.idempotency_key)
    except GatewayRejected as error:
        if error.code == "406":
            # The order_id exists at Midtrans (an earlier answer of ours was lost beyond the
            # idempotency window). Its deeplink cannot be fetched again: learn its state,
            # and end it if still pending so the next tap starts a fresh attempt.
            return _end_taken(attempt, gateway, actor)
        flow.record_refusal(attempt, error, actor=actor)
        raise flow.refused(error) from None
    except GatewayInFlight:
        return attempt  # a double tap: the first request records the answer
    except GatewayError as error:
        raise flow.unavailable(error) from None
    if not answer.get("transaction_id") or not answer.get("transaction_status"):
        return attempt
    expires_at = parse_gateway_time(answer.get("expiry_time") or answer.get("expire_time")) or attempt.expires_at
    flow.record_answer(attempt, answer, redirect_url=deeplink(answer), expires_at=expires_at)
    flow.apply_answer(attempt, answer, actor=actor)
    return attempt


def _end_taken(attempt: PaymentAttempt, gateway, actor: str) -> None:
    try:
        answer = gateway.status(attempt.midtrans_order_id)
        if answer is not None:
            # Checked against the attempt (order id, amount, currency) before it is applied.
            apply_checked(attempt, answer, actor=actor)
            db.session.refresh(attempt)
        if flow.is_live(attempt):
            cancel_attempt(attempt, actor=actor)
    except GatewayError as error:
        raise flow.unavailable(error) from None
    return None
