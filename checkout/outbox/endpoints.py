"""The shop's webhook endpoints: registered, listed, disabled, and their deliveries resent.

Each endpoint gets its own signing secret (``whsec_...``), shown once and stored encrypted
(we need the plaintext to sign, so it cannot be hashed). URLs are http(s) only; in
production they must resolve to public addresses only, checked when registered and again
at every delivery, which then connects to the address it checked (``destinations`` and
``pinned_http``), so the webhook worker cannot be pointed at our own network.
"""
from __future__ import annotations

from sqlalchemy import func, select, update

from checkout import audit, crypto
from checkout.errors import Conflict, InvalidRequest, NotFound
from checkout.extensions import db
from checkout.models import DeliveryAttempt, WebhookDelivery, WebhookEndpoint
from checkout.outbox import destinations
from checkout.outbox.events import EVENT_TYPES
from checkout.outbox.signing import new_secret
from checkout.timeutil import utcnow

ALL_EVENTS = "*"


def destination_problem(url: str) -> str | None:
    """Why an endpoint may not be registered with ``url``, or None (see ``destinations``)."""
    return destinations.problem(url)


def normalise_events(events: list[str] | None) -> list[str]:
    chosen = [e.strip() for e in (events or []) if e and e.strip()]
    if not chosen or ALL_EVENTS in chosen:
        return [ALL_EVENTS]
    unknown = [e for e in chosen if e not in EVENT_TYPES]
    if unknown:
        raise InvalidRequest("Unknown event type: " + ", ".join(unknown), code="invalid_events",
                             fields={"events": "Choose from " + ", ".join(EVENT_TYPES) + " or *."})
    return [e for e in EVENT_TYPES if e in chosen]


def add(url: str, *, events: list[str] | None = None, description: str | None = None,
        actor: str) -> tuple[WebhookEndpoint, str]:
    """Register an endpoint; returns it with its signing secret (never shown again). Commits."""
    url = (url or "").strip()
    problem = destination_problem(url)
    if problem:
        raise InvalidRequest(problem, code="invalid_url", fields={"url": problem})
    chosen = normalise_events(events)
    secret = new_secret()
    endpoint = WebhookEndpoint(url=url, events=chosen, secret_encrypted=crypto.encrypt(secret),
                               description=(description or "").strip()[:200] or None, created_at=utcnow())
    db.session.add(endpoint)
    db.session.flush()
    audit.record(actor, "webhook_endpoint.created", subject_type="webhook_endpoint", subject_id=endpoint.id,
                 details={"url": url, "events": chosen})
    db.session.commit()
    return endpoint, secret


def get(endpoint_id: int) -> WebhookEndpoint:
    endpoint = db.session.get(WebhookEndpoint, endpoint_id)
    if endpoint is None:
        raise NotFound("No webhook endpoint with that id.", code="endpoint_not_found")
    return endpoint


def set_enabled(endpoint_id: int, enabled: bool, *, actor: str) -> WebhookEndpoint:
    """Disable (deliveries wait, nothing is dropped) or enable again. Idempotent. Commits."""
    endpoint = get(endpoint_id)
    condition = WebhookEndpoint.disabled_at.is_not(None) if enabled else WebhookEndpoint.disabled_at.is_(None)
    rows = db.session.execute(
        update(WebhookEndpoint).where(WebhookEndpoint.id == endpoint_id, condition)
        .values(disabled_at=None if enabled else utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    if rows:
        audit.record(actor, "webhook_endpoint.enabled" if enabled else "webhook_endpoint.disabled",
                     subject_type="webhook_endpoint", subject_id=endpoint_id, details={"url": endpoint.url})
    db.session.commit()
    db.session.refresh(endpoint)
    return endpoint


def all_endpoints() -> list[WebhookEndpoint]:
    return list(db.session.scalars(select(WebhookEndpoint).order_by(WebhookEndpoint.id)))


def delivery_counts() -> dict[int, dict[str, int]]:
    """endpoint id -> {"pending": n, "delivered": n, "failed": n}."""
    counts: dict[int, dict[str, int]] = {}
    rows = db.session.execute(
        select(WebhookDelivery.endpoint_id, WebhookDelivery.status, func.count())
        .group_by(WebhookDelivery.endpoint_id, WebhookDelivery.status)
    )
    for endpoint_id, status, count in rows:
        counts.setdefault(endpoint_id, {"pending": 0, "delivered": 0, "failed": 0})[status] = count
    return counts


def recent_deliveries(endpoint_id: int, limit: int = 50) -> list[WebhookDelivery]:
    return list(db.session.scalars(
        select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint_id)
        .order_by(WebhookDelivery.id.desc()).limit(limit)
    ))


def attempts_for(delivery_ids: list[int]) -> dict[int, list[DeliveryAttempt]]:
    grouped: dict[int, list[DeliveryAttempt]] = {i: [] for i in delivery_ids}
    if delivery_ids:
        for attempt in db.session.scalars(select(DeliveryAttempt).where(DeliveryAttempt.delivery_id.in_(delivery_ids))
                                          .order_by(DeliveryAttempt.id)):
            grouped[attempt.delivery_id].append(attempt)
    return grouped


def resend(delivery_id: int, *, actor: str, endpoint_id: int | None = None) -> WebhookDelivery:
    """Queue a delivery again now, with a fresh retry schedule. Commits.

    Conditional on no worker holding it at this moment, so a resend never races a send.
    """
    delivery = db.session.get(WebhookDelivery, delivery_id)
    if delivery is None or (endpoint_id is not None and delivery.endpoint_id != endpoint_id):
        raise NotFound("No delivery with that id.", code="delivery_not_found")
    now = utcnow()
    rows = db.session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.id == delivery_id,
               (WebhookDelivery.locked_until.is_(None)) | (WebhookDelivery.locked_until < now))
        .values(status="pending", attempts=0, next_attempt_at=now, delivered_at=None, locked_until=None,
                locked_by=None)
        .execution_options(synchronize_session=False)
    ).rowcount
    if rows != 1:
        db.session.rollback()
        raise Conflict("This delivery is being sent right now; try again in a moment.", code="delivery_in_flight")
    audit.record(actor, "webhook_delivery.resent", subject_type="webhook_delivery", subject_id=delivery_id,
                 details={"event_id": delivery.event_id, "endpoint_id": delivery.endpoint_id})
    db.session.commit()
    db.session.refresh(delivery)
    return delivery
