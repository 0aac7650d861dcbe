"""What the operations layer costs per request, in process (no load generator needed).

1. The request observer (request id, HTTP counter and histogram) around the status poll's
   fast lane: the same "204, nothing changed" poll answered with and without it.
2. GET /readyz and GET /healthz through the whole app (a probe every second must be cheap).

    python -m bench.observability            # single-process metrics
    PROMETHEUS_MULTIPROC_DIR=$(mktemp -d) python -m bench.observability   # as under gunicorn

Runs on a temporary SQLite database migrated with ``flask db upgrade``; prints medians
and 99th percentiles in microseconds.
"""
from __future__ import annotations

import os
import statistics
import tempfile
import time
from datetime import timedelta

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3000"))


def _time(call, rounds: int = ROUNDS) -> tuple[float, float]:
    for _ in range(min(200, rounds)):
        call()
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1e6)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.99) - 1]


def main() -> None:
    from flask_migrate import upgrade
    from werkzeug.test import EnvironBuilder

    from checkout import create_app
    from checkout.extensions import db
    from checkout.models import PaymentAttempt
    from checkout.observability.middleware import RequestObserver
    from checkout.payments.checkout_flow import open_attempt
    from checkout.payments.orders import NewItem, create_order
    from checkout.timeutil import utcnow

    work = tempfile.mkdtemp(prefix="checkout-bench-obs-")
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{work}/bench.sqlite3", "INSTANCE_PATH": work,
                      "SIMULATOR_MOUNTED": False, "LOG_LEVEL": "WARNING", "SECRET_KEY": "bench-only-" + "x" * 32})
    with app.app_context():
        upgrade()
        order = create_order(items=[NewItem("Kopi", 10_000, 1)], actor="bench")
        now = utcnow()
        attempt = open_attempt(order, "qris", previous=None, environment="simulator", now=now,
                               expires_at=now + timedelta(minutes=15))
        db.session.get(PaymentAttempt, attempt.id).gateway_answered_at = now
        db.session.get(PaymentAttempt, attempt.id).last_notification_at = now
        db.session.commit()
        public_id = order.public_id

    observed = app.wsgi_app
    assert isinstance(observed, RequestObserver)
    bare = observed.app  # the fast lane and everything under it, without the observer
    poll = EnvironBuilder(path=f"/pay/{public_id}/status", query_string="have=qris.1.0",
                          headers={"HX-Request": "true"}).get_environ()

    def call(wsgi):
        def once():
            statuses = []
            body = wsgi(dict(poll), lambda status, headers, exc_info=None: statuses.append(status))
            b"".join(body)
            assert statuses[0].startswith("204"), statuses
        return once

    client = app.test_client()
    mode = "multiprocess" if os.environ.get("PROMETHEUS_MULTIPROC_DIR") else "single-process"
    print(f"metrics mode: {mode}; {ROUNDS} rounds each; microseconds (median / p99)")
    without = _time(call(bare))
    with_observer = _time(call(observed))
    print(f"fast-lane poll without the observer: {without[0]:8.1f} / {without[1]:8.1f}")
    print(f"fast-lane poll with the observer:    {with_observer[0]:8.1f} / {with_observer[1]:8.1f}"
          f"   (+{with_observer[0] - without[0]:.1f} median)")
    for path in ("/healthz", "/readyz"):
        def probe(path=path):
            assert client.get(path).status_code == 200
        median, p99 = _time(probe, rounds=max(200, ROUNDS // 3))
        print(f"GET {path:<8} through the app:       {median:8.1f} / {p99:8.1f}")


if __name__ == "__main__":
    main()
