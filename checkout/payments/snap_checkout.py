"""Starting (or resuming) a Snap payment: Midtrans hosts cards, VAs, e-wallets and stores.

The transaction is created on the server (the browser never sees a key), recorded as an
attempt with its token, redirect URL and expiry, and the customer is sent to the
redirect URL. Snap's finish redirect brings them back to our page, which shows only what
we know (a notification or the status API), never what the redirect's query claims.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from checkout.midtrans.errors import GatewayError, GatewayRejected
from checkout.models import Order, PaymentAttempt
from checkout.payments import checkout_flow as flow
from checkout.payments.gateway_answers import apply_checked
from checkout.payments.transitions import GatewayReport, apply_gateway_status
from checkout.sessions_view import checkout_url
from checkout.timeutil import gateway_time, utcnow

MAX_SNAP_MINUTES = 24 * 60


def start_snap(order: Order, *, actor: str = "customer") -> PaymentAttempt | None:
    """Return a live, answered Snap attempt whose ``redirect_url`` the customer should visit.

    Re-uses the live Snap attempt if there is one; cancels a live QR first (one payable
    attempt at a time). None when the order can no longer be paid. Raises
    ``InvalidRequest`` (refused) or ``PaymentUnavailable`` (Midtrans unreachable).
    """
    now = utcnow()
    ready = flow.ready_to_start(order, "snap", now)
    if ready is None:
        return None
    settings, offer, gateway = ready

    attempt = flow.latest_attempt(order.id)
    if flow.is_live(attempt):
        if attempt.method == "snap":
            if flow.is_answered(attempt) and attempt.redirect_url:
                if attempt.expires_at > now or attempt.transaction_id:
                    return attempt
                try:
                    expire_if_untouched(attempt, gateway, actor=actor)
                except GatewayError as error:
                    raise flow.unavailable(error) from None
            elif attempt.expires_at > now:
                return _create(attempt, order, offer.snap_methods, gateway, actor)
            else:
                _settle(attempt, gateway, actor)
        else:
            try:
                if not flow.switch_away(attempt, actor=actor):
                    return None
            except GatewayError as error:
                raise flow.unavailable(error) from None
        if flow.is_live(attempt):
            return attempt if flow.is_answered(attempt) and attempt.redirect_url else None

    minutes = snap_minutes(order, now)
    attempt = flow.open_attempt(order, "snap", previous=attempt, environment=settings.environment, now=now,
                                expires_at=now + timedelta(minutes=minutes))
    if attempt is None:
        winner = flow.winner_after_race(order)
        return winner if winner is not None and winner.redirect_url else None
    return _create(attempt, order, offer.snap_methods, gateway, actor)


def snap_minutes(order: Order, now: datetime) -> int:
    """The Snap page lives as long as the order, capped at 24 hours, at least a minute."""
    remaining = int((order.expires_at - now).total_seconds() // 60)
    return max(1, min(MAX_SNAP_MINUTES, remaining))


def snap_payload(attempt: PaymentAttempt, order: Order, methods: tuple[str, ...]) -> dict:
    """Built from the attempt row, so re-creating after a lost answer sends the same."""
    minutes = max(1, round((attempt.expires_at - attempt.created_at).total_seconds() / 60))
    # The storefront's /pay/<public_id>/return, which shows only what we know.
    finish = checkout_url(order) + "/return"
    payload = {
        "transaction_details": flow.transaction_details(attempt),
        "item_details": flow.item_details(order),
        "enabled_payments": list(methods),
        "callbacks": {"finish": finish, "error": finish},
        "expiry": {"start_time": gateway_time(attempt.created_at), "unit": "minute", "duration": minutes},
    }
    customer = flow.customer_details(order)
    if customer:
        payload["customer_details"] = customer
    return payload


def _create(attempt: PaymentAttempt, order: Order, methods, gateway, actor: str) -> PaymentAttempt | None:
    try:
        answer = gateway.create_snap(snap_payload(attempt, order, methods))
    except GatewayRejected as error:
        if _known(attempt, gateway, actor):
            return attempt if flow.is_live(attempt) and attempt.redirect_url else None
        flow.record_refusal(attempt, error, actor=actor)
        raise flow.refused(error) from None
    except GatewayError as error:
        raise flow.unavailable(error) from None
    token, redirect_url = answer.get("token"), answer.get("redirect_url")
    if not token or not redirect_url:
        raise flow.unavailable(GatewayError("Snap answered without a token", code="snap_no_token"))
    flow.record_answer(attempt, {"token": token, "redirect_url": redirect_url},
                       snap_token=str(token)[:64], redirect_url=redirect_url)
    return attempt


def _known(attempt: PaymentAttempt, gateway, actor: str) -> bool:
    """After a refused re-create: does a transaction exist for this order_id already?

    Snap refuses a repeated order_id once a method was picked on it; then the status API
    knows the truth, which is applied instead of failing a payment that may be under way.
    """
    try:
        answer = gateway.status(attempt.midtrans_order_id)
    except GatewayError:
        return False
    if answer is None:
        return False
    apply_gateway_status(attempt.id, GatewayReport.from_payload(answer), actor=actor)
    return True


def expire_if_untouched(attempt: PaymentAttempt, gateway, *, actor: str) -> bool:
    """A Snap page past its expiry on which nothing was picked expires here.

    Snap sends no notification when its page expires; the status API answers 404 while
    no method was picked. If a method was picked, that transaction has its own expiry
    and Midtrans will report it, so it stays. Returns True if this call expired it.
    """
    answer = gateway.status(attempt.midtrans_order_id)
    if answer is not None:
        apply_checked(attempt, answer, actor=actor)
        return False
    result = apply_gateway_status(attempt.id, GatewayReport(transaction_status="expire",
                                                           raw={"status_message": "Snap page expired unused"}),
                                  actor=actor)
    return result.changed


def _settle(attempt: PaymentAttempt, gateway, actor: str) -> None:
    try:
        flow.settle_stale_unanswered(attempt, gateway, actor=actor)
    except GatewayError as error:
        raise flow.unavailable(error) from None
