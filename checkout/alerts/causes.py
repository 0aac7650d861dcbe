"""The hooks other parts call when something the owner must hear about happens.

Each is one line at its call site and never raises: an alert that cannot be written is
logged and dropped rather than failing the payment, notification or delivery it reports.
``payment_needs_attention`` runs inside the caller's transaction (the alert commits with
the state change); the others run after their caller committed and commit themselves.
"""
from __future__ import annotations

import logging
import threading
import time
from urllib.parse import urlsplit

from flask import current_app

from checkout.alerts import kinds
from checkout.alerts.service import open_alert
from checkout.extensions import db

log = logging.getLogger(__name__)

ATTENTION_FLAGS = frozenset({"paid_late", "amount_mismatch", "duplicate_payment", "reversed"})
KEY_REFUSED_THROTTLE_SECONDS = 60.0
_key_refused_last: dict[str, float] = {}
_key_refused_lock = threading.Lock()
ADMIN_LOGIN_WINDOW_SECONDS = 15 * 60  # the window of the admin's sign-in limits


def payment_needs_attention(attempt, status: str, flag: str | None) -> None:
    """A payment moved to ``status`` with ``flag``: alert on a flag or a challenged card.

    Runs in the caller's transaction (no commit), so the alert exists iff the change does.
    """
    reason = flag if flag in ATTENTION_FLAGS else ("challenged" if status == "challenged" else None)
    if reason is None:
        return
    try:
        with db.session.begin_nested():
            open_alert(kinds.PAYMENT_ATTENTION, f"{attempt.midtrans_order_id}:{reason}", {
                "flag": reason, "midtrans_order_id": attempt.midtrans_order_id,
                "reference": attempt.order.reference if attempt.order is not None else None,
                "amount": attempt.paid_amount or attempt.gross_amount, "status": str(status)})
    except Exception:  # noqa: BLE001 - the payment's own change must still commit
        log.exception("could not record a payment alert for %s", attempt.midtrans_order_id)


def key_refused(environment: str) -> None:
    """Midtrans answered 401 on a live call. Recorded from a short background thread.

    The caller is in the middle of a request (a charge, a poll, a refund) whose session
    must not be committed by us, so the alert gets its own app context and session; at
    most one write per environment per minute per process.
    """
    now = time.monotonic()
    with _key_refused_lock:
        if now - _key_refused_last.get(environment, -1e9) < KEY_REFUSED_THROTTLE_SECONDS:
            return
        _key_refused_last[environment] = now
    app = current_app._get_current_object()

    def record() -> None:
        with app.app_context():
            try:
                open_alert(kinds.KEY_REFUSED, environment, {"environment": environment})
                db.session.commit()
            except Exception:  # noqa: BLE001
                db.session.rollback()
                log.exception("could not record the refused-key alert")
            finally:
                db.session.remove()

    threading.Thread(target=record, name="alert-key-refused", daemon=True).start()


def webhook_gave_up(delivery_id: int) -> None:
    """The outbox gave a delivery up. Commits."""
    from checkout.models import WebhookDelivery

    try:
        delivery = db.session.get(WebhookDelivery, delivery_id)
        open_alert(kinds.WEBHOOK_GAVE_UP, str(delivery.endpoint_id), {
            "url": safe_url(delivery.endpoint.url), "event": delivery.event.type, "attempts": delivery.attempts,
            "error": delivery.last_error, "delivery_id": delivery.id})
        db.session.commit()
    except Exception:  # noqa: BLE001
        db.session.rollback()
        log.exception("could not record the given-up webhook alert for delivery %s", delivery_id)


def notification_missing(attempt_id: int, *, had_notification: bool, changed: bool) -> None:
    """The reconciler moved an attempt that never got a notification. Commits."""
    if had_notification or not changed:
        return
    from checkout.models import PaymentAttempt

    try:
        attempt = db.session.get(PaymentAttempt, attempt_id, populate_existing=True)
        if attempt.status in ("pending", "challenged") or attempt.last_notification_at is not None:
            return
        if attempt.status in ("expired",) and attempt.method == "snap" and attempt.transaction_id is None:
            return  # an unused Snap page: Midtrans never sends anything for those
        open_alert(kinds.NOTIFICATION_MISSING, attempt.environment, {
            "midtrans_order_id": attempt.midtrans_order_id, "status": attempt.status,
            "environment": attempt.environment})
        db.session.commit()
    except Exception:  # noqa: BLE001
        db.session.rollback()
        log.exception("could not record the missing-notification alert for attempt %s", attempt_id)


def safe_url(url: str) -> str:
    """An endpoint URL for people: no credentials, no query string (it may carry a token)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}{parts.path}"


def sign_in_failures(email: str, account_id: int | None) -> None:
    """An existing admin account collects failed sign-ins: alert once ``ALERT_SIGN_IN_FAILURES``
    (10) of them arrive within the sign-in window, whoever sent them. Commits.

    The per-(account, address) limit already stops one stranger; this tells the owner that
    someone is trying, before the loose per-account limit would matter.
    """
    if account_id is None:
        return  # an address nobody has: nothing of the owner's at stake
    from datetime import timedelta

    from sqlalchemy import func, select

    from checkout.models import AuditEvent
    from checkout.timeutil import utcnow

    try:
        window = ADMIN_LOGIN_WINDOW_SECONDS
        since = utcnow() - timedelta(seconds=window)
        count, addresses = db.session.execute(
            select(func.count(AuditEvent.id), func.count(func.distinct(AuditEvent.ip)))
            .where(AuditEvent.action == "admin.login_failed", AuditEvent.subject_id == email[:64],
                   AuditEvent.at > since)).one()
        if count < int(current_app.config.get("ALERT_SIGN_IN_FAILURES", 10)):
            return
        open_alert(kinds.SIGN_IN_FAILURES, str(account_id), {
            "email": email, "count": count, "addresses": addresses, "minutes": window // 60})
        db.session.commit()
    except Exception:  # noqa: BLE001 - a sign-in page must answer whatever happens here
        db.session.rollback()
        log.exception("could not record the failed sign-in alert")

