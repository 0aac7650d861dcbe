"""Periodic checks, run by ``flask worker`` every ``WORKER_ALERT_CHECKS_EVERY_SECONDS``.

They look for trouble that no single event reveals, and resolve alerts whose cause is
gone. Safe on several machines at once: opening and resolving are conditional statements
(see ``service``), so two workers checking together still alert once.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import and_, func, or_, select

from checkout.alerts import kinds
from checkout.alerts.causes import safe_url
from checkout.alerts.service import open_alert, resolve_cause
from checkout.extensions import db
from checkout.models import Alert, Notification, PaymentAttempt, WebhookDelivery, WebhookEndpoint
from checkout.payments.states import MONEY_RECEIVED
from checkout.timeutil import utcnow

SUBJECT_MIDTRANS = "midtrans"
# A charge answered this recently may still be waiting for its first notification.
NOTIFICATION_GRACE = timedelta(minutes=10)


@dataclass
class CheckResult:
    opened: list[str] = field(default_factory=list)
    resolved: list[str] = field(default_factory=list)


def run_checks(now: datetime | None = None) -> CheckResult:
    """All checks; commits once at the end."""
    now = now or utcnow()
    result = CheckResult()
    _notifications_silent(now, result)
    _failing_endpoints(now, result)
    db.session.commit()
    return result


def _notifications_silent(now: datetime, result: CheckResult) -> None:
    hours = int(current_app.config.get("ALERT_NOTIFICATION_SILENCE_HOURS", 3))
    window_start = now - timedelta(hours=hours)
    last = db.session.scalar(select(func.max(Notification.received_at)))
    if last is not None and last >= window_start:
        if resolve_cause(kinds.NOTIFICATIONS_SILENT, SUBJECT_MIDTRANS):
            result.resolved.append(kinds.NOTIFICATIONS_SILENT)
        return
    # "Payments were made": a QRIS charge Midtrans answered (it always sends a pending
    # notification for those) or money received, inside the window and past the grace.
    due_by = now - NOTIFICATION_GRACE
    made = db.session.scalar(
        select(func.count()).select_from(PaymentAttempt).where(or_(
            and_(PaymentAttempt.method == "qris", PaymentAttempt.gateway_answered_at >= window_start,
                 PaymentAttempt.gateway_answered_at <= due_by),
            and_(PaymentAttempt.status.in_([s.value for s in MONEY_RECEIVED]),
                 PaymentAttempt.paid_at >= window_start, PaymentAttempt.paid_at <= due_by),
        ))
    ) or 0
    if made and open_alert(kinds.NOTIFICATIONS_SILENT, SUBJECT_MIDTRANS, {
            "hours": hours, "payments": made,
            "last_notification_at": last.isoformat(timespec="seconds") + "Z" if last else None}, now=now):
        result.opened.append(kinds.NOTIFICATIONS_SILENT)


def _failing_endpoints(now: datetime, result: CheckResult) -> None:
    """An endpoint whose oldest undelivered, already-failed delivery is older than the limit,
    with nothing delivered to it within the limit."""
    seconds = int(current_app.config.get("ALERT_WEBHOOK_FAILING_SECONDS", 3600))
    since = now - timedelta(seconds=seconds)
    failing = db.session.execute(
        select(WebhookDelivery.endpoint_id, func.count())
        .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
        .where(WebhookDelivery.status == "pending", WebhookDelivery.attempts >= 1,
               WebhookDelivery.created_at < since, WebhookEndpoint.disabled_at.is_(None))
        .group_by(WebhookDelivery.endpoint_id)
    ).all()
    recently_ok = set(db.session.scalars(
        select(WebhookDelivery.endpoint_id).where(WebhookDelivery.delivered_at >= since).distinct()))
    failing_ids = {row[0] for row in failing if row[0] not in recently_ok}
    for endpoint_id in sorted(failing_ids):
        endpoint = db.session.get(WebhookEndpoint, endpoint_id)
        last_error = db.session.scalar(
            select(WebhookDelivery.last_error).where(WebhookDelivery.endpoint_id == endpoint_id,
                                                     WebhookDelivery.last_error.is_not(None))
            .order_by(WebhookDelivery.id.desc()).limit(1))
        if open_alert(kinds.WEBHOOK_FAILING, str(endpoint_id), {
                "url": safe_url(endpoint.url), "minutes": seconds // 60, "error": last_error}, now=now):
            result.opened.append(f"{kinds.WEBHOOK_FAILING}:{endpoint_id}")
    open_ids = db.session.scalars(select(Alert.subject).where(Alert.kind == kinds.WEBHOOK_FAILING,
                                                               Alert.status == "open"))
    for subject in list(open_ids):
        if not subject.isdigit() or int(subject) not in failing_ids:
            if resolve_cause(kinds.WEBHOOK_FAILING, subject):
                result.resolved.append(f"{kinds.WEBHOOK_FAILING}:{subject}")
