"""Delivering outbox events to the shop's endpoints: claim, send, record, retry.

Any number of workers (``flask outbox run`` on several machines, or cron running
``flask outbox deliver-once``) may run at once. A delivery is *claimed* before it is sent
by setting ``locked_until``/``locked_by`` with a conditional UPDATE (only if nobody holds
it), and on PostgreSQL the candidate row is picked with ``FOR UPDATE SKIP LOCKED`` so
workers do not even queue on each other. The claim is committed before the HTTP call,
so no database transaction is open while we wait on the shop; the outcome is written
afterwards. A worker that dies mid-send loses its lease after ``LEASE`` and the delivery
is tried again (receivers de-duplicate on ``webhook-id``).

Each attempt resolves the endpoint's host once and connects only to an address that
passed the public-address check (``destinations``, ``pinned_http``), ignoring proxy
settings from the environment.

A 2xx is success. Anything else (3xx included: redirects are not followed, a webhook
must not silently land elsewhere), a timeout or a refused connection is a failure,
retried with exponential backoff and jitter; after the last attempt (about 2.5 days
after the first) the delivery is marked failed and can be resent from the admin.
"""
from __future__ import annotations

import json
import logging
import os
import random
import socket
import threading
import time
from dataclasses import dataclass, field
from datetime import timedelta

import requests
from flask import current_app
from sqlalchemy import select, update

from checkout import crypto, leases
from checkout.alerts import causes as alert_causes
from checkout.extensions import db
from checkout.models import DeliveryAttempt, OutboxEvent, WebhookDelivery, WebhookEndpoint
from checkout.observability import metrics
from checkout.outbox import destinations, pinned_http, signing
from checkout.timeutil import utcnow

log = logging.getLogger(__name__)

# Seconds to wait after the 1st, 2nd, ... failed attempt. With the +10% jitter the last
# attempt is made at most ~64 hours after the first: always within three days.
SCHEDULE = (30, 120, 600, 3600, 3 * 3600, 6 * 3600, 12 * 3600, 12 * 3600, 12 * 3600, 12 * 3600)
MAX_ATTEMPTS = len(SCHEDULE) + 1
JITTER = 0.1
LEASE = timedelta(seconds=60)  # longer than connect + read timeouts plus bookkeeping
USER_AGENT = "checkout-webhooks/1.0"
MAX_ERROR = 300


@dataclass
class Stats:
    delivered: int = 0
    failed: int = 0  # attempts that failed and will be retried
    gave_up: int = 0  # deliveries marked failed for good

    @property
    def attempted(self) -> int:
        return self.delivered + self.failed + self.gave_up


@dataclass(frozen=True)
class _Job:
    delivery_id: int
    attempts: int
    event_id: str
    endpoint_id: int
    url: str
    secret: str | None = field(repr=False)  # None: it cannot be decrypted with the configured keys
    body: bytes = field(repr=False)


def worker_name() -> str:
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{threading.get_ident() % 1_000_000}"


def backoff(failed_attempts: int) -> timedelta:
    """The wait after the n-th failed attempt (1-based), jittered so retries do not align."""
    base = SCHEDULE[min(failed_attempts, len(SCHEDULE)) - 1]
    return timedelta(seconds=base * random.uniform(1 - JITTER, 1 + JITTER))


def claim_next(worker: str) -> int | None:
    """Take one due delivery for ``worker`` (commits), or None when nothing is due."""
    now = utcnow()
    due = (
        select(WebhookDelivery.id)
        .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
        .where(WebhookDelivery.status == "pending", WebhookDelivery.next_attempt_at <= now,
               leases.free(WebhookDelivery, now), WebhookEndpoint.disabled_at.is_(None))
        .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
    )
    return leases.claim_next(WebhookDelivery, due, worker, LEASE)


def _load(delivery_id: int, worker: str) -> _Job | None:
    delivery = db.session.get(WebhookDelivery, delivery_id, populate_existing=True)
    try:
        if delivery is None or delivery.locked_by != worker:
            return None
        event = db.session.get(OutboxEvent, delivery.event_id)
        endpoint = db.session.get(WebhookEndpoint, delivery.endpoint_id)
        body = json.dumps(event.payload, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
        try:
            secret = crypto.decrypt(endpoint.secret_encrypted)
        except crypto.SecretUnreadable:
            secret = None
        return _Job(delivery.id, delivery.attempts, event.event_id, endpoint.id, endpoint.url, secret, body)
    finally:
        db.session.commit()  # no transaction stays open while we talk to the shop


def _send(job: _Job) -> tuple[int | None, str | None]:
    """POST the event; (status code or None, error or None). Never raises for network trouble.

    The error is one of a few fixed categories. In particular a refused and a timed-out
    connection read the same ("connection failed"), and a blocked address is refused
    before any connection, in the same words whatever it was: the delivery log must not
    become a way to map which addresses listen.
    """
    if job.secret is None:
        return None, "the signing secret cannot be decrypted; check CHECKOUT_ENCRYPTION_KEY"
    try:
        destination = destinations.resolve(job.url)
    except destinations.DestinationRefused as exc:
        return None, f"refused: {exc}"
    config = current_app.config
    timestamp = int(time.time())
    headers = {"Content-Type": "application/json", "User-Agent": USER_AGENT,
               **signing.headers(job.secret, job.event_id, timestamp, job.body)}
    try:
        code = pinned_http.post(
            destination, destinations.target_of(job.url), body=job.body, headers=headers,
            timeout=(config.get("WEBHOOK_CONNECT_TIMEOUT", 3.0), config.get("WEBHOOK_READ_TIMEOUT", 10.0)),
            verify=config.get("WEBHOOK_CA_BUNDLE") or True,
        )
    except requests.exceptions.SSLError:
        return None, "TLS handshake or certificate check failed"
    except requests.ConnectionError:  # refused, reset, or no answer to connect (ConnectTimeout)
        return None, "connection failed"
    except requests.Timeout:  # connected, but the answer did not come in time
        return None, "timed out"
    except requests.RequestException as exc:
        return None, f"request failed: {type(exc).__name__}"
    if 200 <= code < 300:
        return code, None
    if 300 <= code < 400:
        return code, f"HTTP {code}: redirect not followed"
    return code, f"HTTP {code}"


def _record(job: _Job, worker: str, status_code: int | None, error: str | None, duration_ms: int) -> str:
    now = utcnow()
    attempts = job.attempts + 1
    if error is None:
        outcome, values = "delivered", {"status": "delivered", "delivered_at": now}
    elif attempts >= MAX_ATTEMPTS:
        outcome, values = "gave_up", {"status": "failed"}
    else:
        outcome, values = "failed", {"status": "pending", "next_attempt_at": now + backoff(attempts)}
    values.update(attempts=attempts, last_status_code=status_code, last_error=error[:MAX_ERROR] if error else None,
                  locked_until=None, locked_by=None)
    db.session.add(DeliveryAttempt(delivery_id=job.delivery_id, at=now, status_code=status_code,
                                   duration_ms=duration_ms, error=error))
    kept = db.session.execute(
        update(WebhookDelivery).where(WebhookDelivery.id == job.delivery_id, WebhookDelivery.locked_by == worker)
        .values(**values).execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    if not kept:
        log.warning("delivery %s: lease lost while sending; attempt recorded only", job.delivery_id)
    return outcome


def deliver(delivery_id: int, worker: str) -> str | None:
    """Send one claimed delivery and record the attempt. Returns delivered|failed|gave_up."""
    job = _load(delivery_id, worker)
    if job is None:
        return None
    started = time.monotonic()
    status_code, error = _send(job)
    duration_ms = int((time.monotonic() - started) * 1000)
    outcome = _record(job, worker, status_code, error, duration_ms)
    metrics.webhook_delivery(job.endpoint_id, outcome)
    if outcome == "gave_up":
        alert_causes.webhook_gave_up(delivery_id)
    if outcome == "delivered":
        log.info("webhook %s delivered (delivery %s, HTTP %s, %d ms)", job.event_id, delivery_id, status_code,
                 duration_ms)
    elif outcome == "failed":
        log.warning("webhook %s to endpoint failed (delivery %s, attempt %d): %s", job.event_id, delivery_id,
                    job.attempts + 1, error)
    else:
        log.error("webhook %s given up after %d attempts (delivery %s): %s", job.event_id, job.attempts + 1,
                  delivery_id, error)
    return outcome


def deliver_due(*, worker: str | None = None, limit: int | None = None,
                stop: threading.Event | None = None) -> Stats:
    """Deliver everything due now (or ``limit`` deliveries), then return."""
    worker = worker or worker_name()
    stats = Stats()
    while (limit is None or stats.attempted < limit) and not (stop and stop.is_set()):
        delivery_id = claim_next(worker)
        if delivery_id is None:
            break
        outcome = deliver(delivery_id, worker)
        if outcome is not None:
            setattr(stats, outcome, getattr(stats, outcome) + 1)
    return stats


def release_claims(worker: str) -> int:
    """Hand back the deliveries ``worker`` holds because it is stopping. Commits; returns how many.

    The attempt in hand may or may not have reached the shop; it is sent again later and
    the shop de-duplicates on ``webhook-id``.
    """
    return leases.release(WebhookDelivery, worker)
