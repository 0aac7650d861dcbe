"""A whole journey's logs, at DEBUG, contain no secret.

Over real sockets with the simulator mounted and CSRF on: the owner signs in, the shop's
backend creates sessions with its API key, a customer pays one by QRIS and one by card
(3-D Secure) on the simulator, Midtrans's signed notifications arrive, the shop refunds
over the API, and the outbox delivers signed webhooks. Every line written is JSON; the
money events are there (so the scan has something to scan); and no server key, API key,
webhook secret, password, CSRF token, metrics token, SECRET_KEY or full card number
appears in any of them.
"""
from __future__ import annotations

import json
import re
import time
from html import unescape

import pytest
import requests

from checkout import api_keys, shop_settings
from checkout.outbox import delivery, endpoints
from tests.admin.conftest import FAST_HASH
from tests.admin.helpers import OWNER_EMAIL, OWNER_PASSWORD, create_owner
from tests.conftest import SIMULATOR_TEST_CONFIG
from tests.observability.test_logging import _restore_logging  # noqa: F401  (autouse fixture)
from tests.outbox.conftest import receiver as shop  # noqa: F401  (fixture: the shop's endpoint)
from tests.support.live_server import reserve_server, start

CARD = "4811 1111 1111 1114"
METRICS_TOKEN = "journey-metrics-token-7f3a"


@pytest.fixture
def live(make_app, tmp_path):
    server = reserve_server()
    url = f"http://127.0.0.1:{server.server_port}"
    app = make_app(PUBLIC_URL=url, SIMULATOR_MOUNTED=True, WTF_CSRF_ENABLED=True, LOG_FORMAT="json",
                   LOG_LEVEL="DEBUG", ADMIN_PASSWORD_HASH_METHOD=FAST_HASH, METRICS_TOKEN=METRICS_TOKEN,
                   SIMULATOR_CONFIG={"SIMULATOR_DATABASE": str(tmp_path / "simulator.sqlite3"),
                                     **SIMULATOR_TEST_CONFIG})
    running = start(server, app)
    running.app = app
    yield running
    running.stop()
    app.extensions["simulator"].extensions["midtrans_simulator"].stop()


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF field on the page"
    return match.group(1)


def _form_action(html: str, pattern: str) -> str:
    actions = [unescape(a) for a in re.findall(r'<form[^>]*action="([^"]+)"', html)]
    return next(a for a in actions if re.search(pattern, a))


def _until(fetch, done, timeout=20.0):
    deadline = time.monotonic() + timeout
    while True:
        value = fetch()
        if done(value) or time.monotonic() > deadline:
            return value
        time.sleep(0.1)


def test_a_whole_journey_logs_no_secret(live, shop, capfd):
    app, base = live.app, live.url
    with app.app_context():
        create_owner(app)
        _, api_token = api_keys.create("shop-backend", actor="test")
        _, webhook_secret = endpoints.add(f"{shop.url}/hooks", actor="test")
        server_key = shop_settings.current().server_key
    assert server_key
    capfd.readouterr()  # from here on, everything the journey logs
    secrets = {"server key": server_key, "API key": api_token, "webhook secret": webhook_secret,
               "password": OWNER_PASSWORD, "SECRET_KEY": app.config["SECRET_KEY"], "metrics token": METRICS_TOKEN,
               "card number": CARD.replace(" ", ""), "card number (spaced)": CARD}

    # The owner signs in through the real form.
    owner = requests.Session()
    login_page = owner.get(f"{base}/admin/login", timeout=10).text
    secrets["CSRF token (admin)"] = _csrf(login_page)
    signed_in = owner.post(f"{base}/admin/login", timeout=10, allow_redirects=False,
                           data={"email": OWNER_EMAIL, "password": OWNER_PASSWORD,
                                 "csrf_token": secrets["CSRF token (admin)"]})
    assert signed_in.status_code == 303
    assert owner.get(f"{base}/admin/transactions", timeout=10).status_code == 200

    # The shop's backend creates two sessions with its API key.
    api = requests.Session()
    api.headers["Authorization"] = f"Bearer {api_token}"

    def new_session(reference: str, method: str) -> dict:
        created = api.post(f"{base}/api/v1/checkout-sessions", headers={"Idempotency-Key": reference}, timeout=10,
                           json={"reference": reference, "allowed_methods": [method],
                                 "items": [{"name": "Kopi", "unit_price": 40_000, "quantity": 1}], "total": 40_000})
        assert created.status_code == 201, created.text
        return created.json()

    qris, card = new_session("LOGSCAN-QRIS", "qris"), new_session("LOGSCAN-CARD", "snap")

    # A customer pays the first by QRIS (scan and pay at the simulator).
    customer = requests.Session()
    page = customer.get(qris["url"], timeout=10).text
    secrets["CSRF token (checkout)"] = _csrf(page)
    assert customer.post(qris["url"] + "/qris", data={"csrf_token": secrets["CSRF token (checkout)"]},
                         timeout=30).status_code == 200
    assert requests.post(f"{base}/midtrans-simulator/simulator/transactions/LOGSCAN-QRIS-1/settle",
                         timeout=10).status_code == 200

    # Another pays the second by card on Snap's page, with 3-D Secure.
    buyer = requests.Session()
    buyer.get(card["url"], timeout=10)
    to_snap = buyer.post(card["url"] + "/snap", data={"csrf_token": _csrf(buyer.get(card["url"], timeout=10).text)},
                         allow_redirects=False, timeout=30)
    assert to_snap.status_code == 303, to_snap.text
    snap_page = buyer.get(to_snap.headers["Location"], timeout=10).text
    pay = _form_action(snap_page, r"/pay$")
    three_ds = buyer.post(base + pay if pay.startswith("/") else pay, timeout=30,
                          data={"method": "credit_card", "card_number": CARD, "card_exp_month": "12",
                                "card_exp_year": str(time.gmtime().tm_year + 2), "card_cvv": "123"})
    assert three_ds.status_code == 200 and "One-time password" in three_ds.text, three_ds.text[:500]
    otp_action = _form_action(three_ds.text, r"/3ds/")
    finished = buyer.post(base + otp_action if otp_action.startswith("/") else otp_action, timeout=30,
                          data={"otp": "112233", "action": "authenticate"})
    assert finished.status_code == 200

    for session in (qris, card):
        status = _until(lambda s=session: api.get(f"{base}/api/v1/checkout-sessions/{s['id']}", timeout=10).json(),
                        lambda body: body["status"] == "paid")
        assert status["status"] == "paid", status

    # The shop refunds the QRIS payment in part; the outbox delivers the signed events.
    refunded = api.post(f"{base}/api/v1/checkout-sessions/{qris['id']}/refunds", timeout=30,
                        headers={"Idempotency-Key": "refund-logscan"}, json={"amount": 15_000})
    assert refunded.status_code in (200, 201), refunded.text
    with app.app_context():
        stats = delivery.deliver_due()
    assert stats.delivered >= 3 and stats.failed == 0 and stats.gave_up == 0
    assert shop.receiver.received and all(r.headers.get("Webhook-Signature") for r in shop.receiver.received)
    assert requests.get(f"{base}/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"},
                        timeout=10).status_code == 200

    out = capfd.readouterr().out
    lines = [json.loads(line) for line in out.splitlines() if line.strip()]  # every line is JSON
    messages = "\n".join(line["message"] for line in lines)
    for event in ("midtrans charge requested", "midtrans charge answered", "midtrans snap_create answered",
                  "midtrans refund requested", "midtrans refund answered", "midtrans notification",
                  "-> paid", "delivered"):
        assert event in messages, f"no log line for {event!r}"
    assert any(line.get("request_id") and line.get("order_reference") == "LOGSCAN-QRIS" for line in lines)
    for name, secret in secrets.items():
        assert secret not in out, f"the {name} appears in the logs"
