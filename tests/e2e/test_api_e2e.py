"""End to end over real sockets: the shop's backend creates a session over the API, the
customer pays it by QRIS on the simulator, the shop receives exactly one signed
checkout.session.paid from the outbox worker, and the customer lands on success_url."""
from __future__ import annotations

import json
import re
import time

import pytest
import requests
from sqlalchemy import select

from checkout import api_keys
from checkout.extensions import db
from checkout.models import PaymentAttempt, ShopSettings
from checkout.outbox import endpoints
from tests.outbox.receiver import start_receiver
from tests.outbox.verifier import verify


@pytest.fixture
def shop():
    """The shop's server: its webhook handler and its thank-you page, on one socket."""
    server = start_receiver()
    yield server
    server.receiver.release.set()
    server.stop()


def _poll(fetch, done, timeout=20.0, interval=0.1):
    deadline = time.monotonic() + timeout
    while True:
        value = fetch()
        if done(value) or time.monotonic() > deadline:
            return value
        time.sleep(interval)


def test_api_session_paid_on_the_simulator_notifies_the_shop_once(live_app, shop):
    app = live_app.app
    with app.app_context():
        db.session.add(ShopSettings(id=1, return_url_allowlist=[shop.url + "/"]))
        db.session.commit()
        _, token = api_keys.create("shop-backend", actor="test")
        _, secret = endpoints.add(f"{shop.url}/webhooks", events=["checkout.session.paid"], actor="test")

    http = requests.Session()
    api = f"{live_app.url}/api/v1"
    auth = {"Authorization": f"Bearer {token}"}
    created = http.post(f"{api}/checkout-sessions", headers={**auth, "Idempotency-Key": "order-e2e-1"}, timeout=10,
                        json={"reference": "SHOP-E2E-1", "items": [{"name": "Kopi Susu", "unit_price": 25_000,
                                                                     "quantity": 2}],
                              "total": 50_000, "allowed_methods": ["qris"],
                              "success_url": f"{shop.url}/thanks", "cancel_url": f"{shop.url}/cart"})
    assert created.status_code == 201, created.text
    session = created.json()
    assert session["url"].startswith(live_app.url + "/pay/")

    # The customer opens the checkout link and starts QRIS with the page's form.
    page = http.get(session["url"], timeout=10)
    assert page.status_code == 200
    assert http.post(session["url"] + "/qris", timeout=30).status_code == 200
    with app.app_context():
        midtrans_order_id = db.session.scalar(select(PaymentAttempt.midtrans_order_id))
    assert midtrans_order_id == "SHOP-E2E-1-1"

    # They scan and pay: the simulator settles and notifies us.
    settled = http.post(f"{live_app.url}/midtrans-simulator/simulator/transactions/{midtrans_order_id}/settle",
                        timeout=10)
    assert settled.status_code == 200, settled.text
    status = _poll(lambda: http.get(f"{api}/checkout-sessions/{session['id']}", headers=auth, timeout=10).json(),
                   lambda s: s["status"] == "paid")
    assert status["status"] == "paid" and status["amount_paid"] == 50_000

    # The outbox worker delivers the event: exactly one, signed.
    result = app.test_cli_runner().invoke(args=["outbox", "deliver-once"])
    assert "delivered=1" in result.output, result.output
    assert app.test_cli_runner().invoke(args=["outbox", "deliver-once"]).output.startswith("delivered=0")
    hooks = shop.receiver.for_path("/webhooks")
    assert len(hooks) == 1
    assert verify(secret, hooks[0].headers, hooks[0].body)
    event = json.loads(hooks[0].body)
    assert event["type"] == "checkout.session.paid"
    assert event["data"]["id"] == session["id"] and event["data"]["status"] == "paid"
    assert hooks[0].headers["Webhook-Id"] == event["id"]

    # The customer's page now sends them back to the shop with the session id.
    final = http.get(session["url"], timeout=10).text
    links = re.findall(r'href="([^"]*/thanks\?[^"]*)"', final)
    assert links, "the paid page links back to success_url"
    landed = http.get(links[0].replace("&amp;", "&"), timeout=10)
    assert landed.status_code == 200
    [visit] = shop.receiver.for_path("/thanks")
    assert visit.query == {"session_id": session["id"]}
