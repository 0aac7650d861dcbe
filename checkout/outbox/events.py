"""Emitting outbox events. Delivery happens later, from ``checkout.outbox.delivery``."""
from __future__ import annotations

import secrets

from sqlalchemy import select

from checkout.extensions import db
from checkout.models import Order, OutboxEvent, WebhookDelivery, WebhookEndpoint
from checkout.timeutil import utcnow

EVENT_TYPES = (
    "checkout.session.paid",
    "checkout.session.expired",
    "checkout.session.cancelled",
    "checkout.session.refunded",
    "checkout.session.paid_late",
)


def order_snapshot(order: Order) -> dict:
    """The checkout session as the shop's backend sees it (API and webhooks share it)."""
    from checkout.sessions_view import session_representation

    return session_representation(order)


def emit(event_type: str, order: Order) -> OutboxEvent:
    """Add the event and one pending delivery per subscribed endpoint to the session.

    Does not commit: the caller's transaction decides whether the change and its event
    both happen.
    """
    if event_type not in EVENT_TYPES:
        raise ValueError(f"unknown event type {event_type!r}")
    now = utcnow()
    event = OutboxEvent(
        event_id="evt_" + secrets.token_hex(12),
        type=event_type,
        order_id=order.id,
        created_at=now,
        # The body shops receive: an id (also the webhook-id header, for de-duplication),
        # the type, when it happened, and the session as the API shows it.
        payload={"id": None, "type": event_type, "timestamp": now.isoformat(timespec="seconds") + "Z",
                 "data": order_snapshot(order)},
    )
    event.payload["id"] = event.event_id
    db.session.add(event)
    db.session.flush()
    endpoints = db.session.scalars(select(WebhookEndpoint).where(WebhookEndpoint.disabled_at.is_(None)))
    for endpoint in endpoints:
        if "*" in endpoint.events or event_type in endpoint.events:
            db.session.add(WebhookDelivery(event_id=event.id, endpoint_id=endpoint.id, next_attempt_at=now))
    return event
