"""GET /metrics: the Prometheus text format, for whoever holds ``METRICS_TOKEN``.

Access: ``Authorization: Bearer <METRICS_TOKEN>``, compared in constant time; anything
else is 401 with no data. Without a token configured, production answers 404 (metrics
off) and development/testing serve loopback clients only (a local Prometheus or curl),
still 404 to anyone else.

Under gunicorn (``PROMETHEUS_MULTIPROC_DIR`` set) the samples of every process, web
workers and the worker commands sharing the directory, are summed by prometheus_client's
``MultiProcessCollector``; otherwise the process's own registry is served. The outbox
backlog gauges are read from the database at scrape time, so they are right whichever
process answers and cost two indexed aggregates per scrape.
"""
from __future__ import annotations

import hmac
import logging
import os

from flask import Blueprint, Response, abort, current_app, request
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest, multiprocess
from prometheus_client.core import GaugeMetricFamily
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from checkout.extensions import db
from checkout.timeutil import utcnow

log = logging.getLogger(__name__)
LOOPBACK = frozenset({"127.0.0.1", "::1"})
bp = Blueprint("metrics", __name__)


@bp.get("/metrics")
def metrics_view():
    refused = _refusal()
    if refused is not None:
        return refused
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(_ProcessRegistry())
    registry.register(OutboxBacklog())
    return Response(generate_latest(registry), mimetype=CONTENT_TYPE_LATEST,
                    headers={"Cache-Control": "no-store"})


def _refusal() -> Response | None:
    """None when the caller may read the metrics; otherwise the answer to send (no data)."""
    token = current_app.config.get("METRICS_TOKEN")
    if not token:
        if current_app.config.get("APP_ENV") == "production" or request.remote_addr not in LOOPBACK:
            abort(404)
        return None
    offered = request.headers.get("Authorization", "")
    if hmac.compare_digest(offered.encode("utf-8", "replace"), f"Bearer {token}".encode()):
        return None
    return Response("authentication required\n", status=401, mimetype="text/plain",
                    headers={"WWW-Authenticate": 'Bearer realm="metrics"', "Cache-Control": "no-store"})


class _ProcessRegistry:
    """The default registry's metrics (single-process mode), served through a fresh registry."""

    def collect(self):
        yield from REGISTRY.collect()


class OutboxBacklog:
    """Outbox gauges computed from the database when Prometheus scrapes."""

    def collect(self):
        from checkout.models import WebhookDelivery

        try:
            count, oldest = db.session.execute(
                select(func.count(WebhookDelivery.id), func.min(WebhookDelivery.created_at))
                .where(WebhookDelivery.status == "pending")
            ).one()
            db.session.rollback()
        except SQLAlchemyError:
            db.session.rollback()
            log.warning("metrics: outbox backlog not readable (database unavailable)")
            return
        pending = GaugeMetricFamily("checkout_outbox_pending_deliveries",
                                    "Webhook deliveries to the shop not yet delivered or given up.")
        pending.add_metric([], count)
        yield pending
        age = GaugeMetricFamily("checkout_outbox_oldest_pending_age_seconds",
                                "Age of the oldest pending webhook delivery (0 when none is pending).")
        age.add_metric([], max(0.0, (utcnow() - oldest).total_seconds()) if oldest else 0.0)
        yield age
