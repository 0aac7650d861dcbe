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
    "checkout.alert.opened",  # an owner alert (checkout/alerts); data is the alert, not a session
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
    _fan_out(event)
    return event


def emit_alert(data: dict, *, exclude_endpoint_ids: tuple[int, ...] = ()) -> OutboxEvent:
    """Add a ``checkout.alert.opened`` event (``data``: the alert). Does not commit."""
    now = utcnow()
    event = OutboxEvent(event_id="evt_" + secrets.token_hex(12), type="checkout.alert.opened", created_at=now,
                        payload={"id": None, "type": "checkout.alert.opened",
                                 "timestamp": now.isoformat(timespec="seconds") + "Z", "data": data})
    event.payload["id"] = event.event_id
    _fan_out(event, exclude_endpoint_ids)
    return event


def _fan_out(event: OutboxEvent, exclude_endpoint_ids: tuple[int, ...] = ()) -> None:
    """One pending delivery per enabled endpoint subscribed to the event's type."""
    db.session.add(event)
    db.session.flush()
    endpoints = db.session.scalars(select(WebhookEndpoint).where(WebhookEndpoint.disabled_at.is_(None)))
    for endpoint in endpoints:
        if endpoint.id in exclude_endpoint_ids:
            continue
        if "*" in endpoint.events or event.type in endpoint.events:
            db.session.add(WebhookDelivery(event_id=event.id, endpoint_id=endpoint.id,
                                           next_attempt_at=event.created_at))
