"""Every Prometheus metric the checkout exports, and one small recorder per event.

Services call the recorders (one line per site, e.g. ``metrics.attempt_created("qris")``);
nothing else in the code base touches ``prometheus_client``. Conventions: names are
``checkout_<thing>_<unit>``, counters end in ``_total``, units are base units (seconds,
rupiah), and every label has a small, fixed set of values: never an order id, a
reference or a raw URL path.

Under gunicorn (several processes) ``prometheus_client`` runs in its multiprocess mode:
when ``PROMETHEUS_MULTIPROC_DIR`` is set *before this module is imported*, every process
writes its samples to files in that directory and ``/metrics`` sums them. The web workers
and the ``flask`` worker commands of one machine share the directory, so one scrape sees
both. Gauges that describe the database (outbox backlog) are not kept here: they are
computed when Prometheus scrapes (see ``exposition``).
"""
from __future__ import annotations

import os

# The multiprocess directory must exist before prometheus_client creates its first value.
if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.makedirs(os.environ["PROMETHEUS_MULTIPROC_DIR"], exist_ok=True)

from prometheus_client import Counter, Histogram, disable_created_metrics  # noqa: E402

# No ``*_created`` timestamp series: multiprocess mode has none, and they double the output.
disable_created_metrics()

# Latency buckets in seconds: a poll answers in milliseconds, Midtrans in tenths, a
# timeout in tens.
HTTP_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
GATEWAY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0, 20.0)
HTTP_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
PAYMENT_METHODS = frozenset({"qris", "snap"})
UNMATCHED_ROUTE = "unmatched"  # a 404, or anything Flask did not route

http_requests = Counter("checkout_http_requests_total", "HTTP requests answered, by URL rule, method and status.",
                        ["route", "method", "status"])
http_duration = Histogram("checkout_http_request_duration_seconds",
                          "Time to answer an HTTP request (the status poll's fast lane included).",
                          ["route", "method"], buckets=HTTP_BUCKETS)
sessions_created = Counter("checkout_sessions_created_total",
                           "Checkout sessions (orders) created, by the payment methods they allow.", ["methods"])
attempts_created = Counter("checkout_payment_attempts_created_total",
                           "Payment attempts opened (recorded before Midtrans is called), by method.", ["method"])
attempts_finished = Counter("checkout_payment_attempts_finished_total",
                            "Payment attempts reaching a final state, by method and state.", ["method", "state"])
paid_amount = Counter("checkout_paid_amount_rupiah_total", "Money received, in rupiah, by method.", ["method"])
refunded_amount = Counter("checkout_refunded_amount_rupiah_total", "Money refunded, in rupiah, by method.", ["method"])
gateway_requests = Counter("checkout_midtrans_requests_total",
                           "HTTP requests to Midtrans, by operation and outcome.", ["operation", "outcome"])
gateway_duration = Histogram("checkout_midtrans_request_duration_seconds",
                             "Time Midtrans took to answer (or to fail), by operation.", ["operation"],
                             buckets=GATEWAY_BUCKETS)
notifications = Counter("checkout_notifications_total",
                        "Midtrans notifications received, by outcome (rejections by reason).", ["outcome"])
status_checks = Counter("checkout_status_checks_claimed_total",
                        "Status-API checks claimed for an attempt, by who claimed them.", ["by"])
reconciler_runs = Counter("checkout_reconciler_runs_total", "Reconciler passes completed.")
reconciler_attempts = Counter("checkout_reconciler_attempts_total",
                              "Attempts the reconciler looked at, by what came of it.", ["result"])
reconciler_orders_closed = Counter("checkout_reconciler_orders_closed_total",
                                   "Open orders the reconciler closed as expired.")
webhook_deliveries = Counter("checkout_webhook_deliveries_total",
                             "Webhook delivery attempts to the shop, by endpoint id and outcome.",
                             ["endpoint", "outcome"])
rate_limit_refusals = Counter("checkout_rate_limit_refusals_total",
                              "Requests refused by a rate limit, by limit (its scope or endpoint).", ["limit"])


def _method(method: str | None) -> str:
    return method if method in PAYMENT_METHODS else "other"


# (route, method, status) -> its counter and histogram children. ``labels()`` costs more
# than the increment itself, and this runs on every request; the key set is bounded by the
# URL map, so the cache is too.
_http_children: dict[tuple[str, str, int], tuple] = {}


def http_request(route: str, method: str, status: int, seconds: float) -> None:
    children = _http_children.get((route, method, status))
    if children is None:
        label = method if method in HTTP_METHODS else "OTHER"
        children = _http_children[(route, method, status)] = (
            http_requests.labels(route, label, str(status)), http_duration.labels(route, label))
    children[0].inc()
    children[1].observe(seconds)


def session_created(allowed_methods: list[str] | None) -> None:
    methods = "_".join(sorted({_method(m) for m in allowed_methods})) if allowed_methods else "any"
    sessions_created.labels(methods).inc()


def attempt_created(method: str) -> None:
    attempts_created.labels(_method(method)).inc()


def attempt_finished(method: str, state: str) -> None:
    attempts_finished.labels(_method(method), state).inc()


def money_received(method: str, rupiah: int) -> None:
    paid_amount.labels(_method(method)).inc(int(rupiah))


def money_refunded(method: str, rupiah: int) -> None:
    refunded_amount.labels(_method(method)).inc(int(rupiah))


def gateway_request(operation: str, outcome: str, seconds: float) -> None:
    gateway_requests.labels(operation, outcome).inc()
    gateway_duration.labels(operation).observe(seconds)


def notification(outcome: str) -> None:
    notifications.labels(outcome).inc()


def status_check_claimed(by: str) -> None:
    status_checks.labels(by).inc()


def reconciler_run(*, changed: int, unchanged: int, flagged: int, unreachable: int, claimed_elsewhere: int,
                   orders_closed: int) -> None:
    reconciler_runs.inc()
    for result, count in (("changed", changed), ("unchanged", unchanged), ("flagged", flagged),
                          ("unreachable", unreachable), ("claimed_elsewhere", claimed_elsewhere)):
        if count:
            reconciler_attempts.labels(result).inc(count)
    if orders_closed:
        reconciler_orders_closed.inc(orders_closed)


def webhook_delivery(endpoint_id: int, outcome: str) -> None:
    webhook_deliveries.labels(str(int(endpoint_id)), outcome).inc()


def rate_limit_refused(scope: str | None) -> None:
    rate_limit_refusals.labels(scope or "unknown").inc()
