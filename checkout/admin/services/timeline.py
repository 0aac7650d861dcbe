"""Everything that happened to one order, on one timeline sorted by time.

Sources: the order and its attempts (created), every notification Midtrans sent about
them (raw JSON kept for inspection), every audit event (state changes with the actor
that caused them, admin actions) and every refund asked for.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, or_, select

from checkout import json_bodies

from checkout.extensions import db
from checkout.models import AuditEvent, Notification, Order, Refund


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    kind: str  # order | attempt | notification | audit | refund
    title: str
    actor: str | None = None
    before: str | None = None
    after: str | None = None
    details: dict = field(default_factory=dict)
    raw: str | None = None  # pretty JSON for notifications


def pretty_json(raw_body: str) -> str:
    """Stored JSON indented for reading; anything unreadable is shown as it was stored."""
    try:
        parsed = json_bodies.parse(raw_body, max_bytes=len(raw_body.encode("utf-8", "surrogatepass")))
    except json_bodies.UnreadableBody:
        return raw_body
    return json.dumps(parsed, indent=2, sort_keys=True, ensure_ascii=False)


def notifications_for(order: Order) -> list[Notification]:
    """Verified notifications about the order's attempts.

    Only a delivery that passed the signature check is linked to an attempt
    (``attempt_id``). The order id a rejected body claims is not evidence of anything, so
    such deliveries never appear here: they are listed, unverified, under Webhook health.
    """
    ids = [a.id for a in order.attempts]
    if not ids:
        return []
    return list(db.session.scalars(
        select(Notification).where(Notification.attempt_id.in_(ids), Notification.outcome != "rejected")
        .order_by(Notification.received_at, Notification.id)
    ))


def audit_events_for(order: Order) -> list[AuditEvent]:
    midtrans_ids = [a.midtrans_order_id for a in order.attempts]
    subject = and_(AuditEvent.subject_type == "order", AuditEvent.subject_id == order.reference)
    if midtrans_ids:
        subject = or_(subject, and_(AuditEvent.subject_type == "payment_attempt", AuditEvent.subject_id.in_(midtrans_ids)))
    return list(db.session.scalars(select(AuditEvent).where(subject).order_by(AuditEvent.at, AuditEvent.id)))


def refunds_for(order: Order) -> list[Refund]:
    ids = [a.id for a in order.attempts]
    if not ids:
        return []
    return list(db.session.scalars(select(Refund).where(Refund.attempt_id.in_(ids)).order_by(Refund.created_at)))


def build(order: Order) -> list[TimelineEntry]:
    entries = [TimelineEntry(order.created_at, "order", "order.created", details={"total": order.total_amount})]
    for attempt in order.attempts:
        entries.append(TimelineEntry(attempt.created_at, "attempt", "attempt.created",
                                     details={"midtrans_order_id": attempt.midtrans_order_id, "method": attempt.method}))
    for note in notifications_for(order):
        entries.append(TimelineEntry(note.received_at, "notification", "notification.received",
                                     after=note.transaction_status,
                                     details={"outcome": note.outcome, "reason": note.reason,
                                              "order_id": note.midtrans_order_id},
                                     raw=pretty_json(note.raw_body)))
    for event in audit_events_for(order):
        if event.action == "order.created":
            continue  # already the first entry
        entries.append(TimelineEntry(event.at, "audit", event.action, actor=event.actor, before=event.before,
                                     after=event.after, details={"subject": event.subject_id, **(event.details or {})}))
    for refund in refunds_for(order):
        entries.append(TimelineEntry(refund.completed_at or refund.created_at, "refund", f"refund.{refund.status}",
                                     actor=refund.actor,
                                     details={"amount": refund.amount, "reason": refund.reason,
                                              "failure": refund.failure_reason}))
    order_of_kind = {"order": 0, "attempt": 1, "notification": 2, "audit": 3, "refund": 4}
    return sorted(entries, key=lambda e: (e.at, order_of_kind[e.kind]))
