"""Fifty deliveries of one settlement, customer polls and reconciler runs, all at once.

Real concurrent HTTP requests against a real server (threads in one process, then
gunicorn with several worker processes), on whichever database the suite runs on.
Exactly one of them performs the transition and writes its audit and outbox rows.
"""
from __future__ import annotations

from datetime import timedelta

import requests

from checkout.payments.reconciler import Rules, reconcile
from tests.conftest import base_config
from tests.races.conftest import assert_paid_exactly_once, fire
from tests.races.servers import gunicorn
from tests.support.live_server import serve

DELIVERIES = 50
POLLS = 10
EAGER = Rules(interval=timedelta(0), unanswered_after=timedelta(0))  # every live attempt is due


def _calls(base_url: str, app, settled):
    session = requests.Session()
    adapter = requests.adapters.HTTPAdapter(pool_maxsize=DELIVERIES + POLLS)
    session.mount("http://", adapter)

    def deliver():
        return session.post(base_url + "/webhooks/midtrans", json=settled.body, timeout=30,
                            headers={"User-Agent": "Veritrans"}).status_code

    def poll():
        return session.get(f"{base_url}/pay/{settled.public_id}/status", timeout=30,
                           headers={"HX-Request": "true"}).status_code

    def reconciler():
        with app.app_context():
            return reconcile(rules=EAGER).checked

    return [deliver] * DELIVERIES + [poll] * POLLS + [reconciler] * 2


def test_threaded_server(race_app, settled):
    server = serve(race_app)
    try:
        results = fire(_calls(server.url, race_app, settled))
    finally:
        server.stop()
    assert results[:DELIVERIES] == [200] * DELIVERIES
    assert all(code in (200, 204) for code in results[DELIVERIES:DELIVERIES + POLLS]), results
    assert_paid_exactly_once(race_app, settled, DELIVERIES)


def test_gunicorn_workers(race_app, settled, database_uri, tmp_path):
    config = base_config(database_uri, tmp_path / "instance", MIDTRANS_API_BASE_URL=race_app.config[
        "MIDTRANS_API_BASE_URL"], STATUS_CHECK_INTERVAL_SECONDS=0)
    with gunicorn(config) as url:
        results = fire(_calls(url, race_app, settled))
    assert results[:DELIVERIES] == [200] * DELIVERIES
    assert all(code in (200, 204) for code in results[DELIVERIES:DELIVERIES + POLLS]), results
    assert_paid_exactly_once(race_app, settled, DELIVERIES)
