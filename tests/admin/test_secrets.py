"""A saved server key never reaches a page, a fragment or a log line.

Runs the whole product in the sandbox environment with the owner's saved key, pointed at
the simulator (which accepts any sandbox-shaped key), so the real Midtrans client, the
real webhook endpoint and real refunds all handle the key.
"""
from __future__ import annotations

import base64
import logging
import re

import pytest
import requests

from checkout import shop_settings
from checkout.config import SIMULATOR_MOUNT
from checkout.extensions import db
from checkout.models import MidtransCredentials, Order
from tests.admin.helpers import HX, SANDBOX_CLIENT_KEY, settings_form
from tests.admin.live import paid_qris, signed_in_session
from tests.conftest import SIMULATOR_TEST_CONFIG
from tests.support.live_server import reserve_server, start

SERVER_KEY = "SB-Mid-server-NeverShowThisKeyQ7Zx"
TAIL = SERVER_KEY[-4:]


@pytest.fixture
def sandbox_live(make_app, tmp_path):
    server = reserve_server()
    url = f"http://127.0.0.1:{server.server_port}"
    app = make_app(
        PUBLIC_URL=url, SIMULATOR_MOUNTED=True, ADMIN_PASSWORD_HASH_METHOD="scrypt:1024:8:1",
        # The sandbox environment, but talking to the embedded simulator instead of Midtrans.
        MIDTRANS_API_BASE_URL=url + SIMULATOR_MOUNT, MIDTRANS_SNAP_BASE_URL=url + SIMULATOR_MOUNT + "/snap/v1",
        SIMULATOR_CONFIG={"SIMULATOR_DATABASE": str(tmp_path / "simulator.sqlite3"), **SIMULATOR_TEST_CONFIG},
    )
    live = start(server, app)
    live.app = app
    yield live
    live.stop()


def _forms_of_the_key() -> list[str]:
    return [SERVER_KEY, SERVER_KEY[len("SB-Mid-server-"):], base64.b64encode(f"{SERVER_KEY}:".encode()).decode()]


def _admin_get_urls(app, reference: str, attempt_id: int) -> list[str]:
    urls = []
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("admin.") or "GET" not in rule.methods:
            continue
        if not rule.arguments:
            urls.append(rule.rule)
        elif rule.arguments == {"key"}:
            urls.append(rule.rule.replace("<key>", reference))
        elif rule.arguments == {"order_id"}:
            with app.app_context():
                order_id = db.session.scalar(db.select(Order.id).where(Order.reference == reference))
            urls.append(rule.rule.replace("<int:order_id>", str(order_id)))
    return urls


def test_server_key_never_appears_in_html_or_logs(sandbox_live, caplog):
    caplog.set_level(logging.DEBUG)
    app, url = sandbox_live.app, sandbox_live.url
    session = signed_in_session(app, url)

    # Save the key and switch to sandbox.
    saved = session.post(f"{url}/admin/settings", allow_redirects=False, timeout=10, data=settings_form(
        environment="sandbox", sandbox_merchant_id="G123456789", sandbox_client_key=SANDBOX_CLIENT_KEY,
        sandbox_server_key=SERVER_KEY))
    assert saved.status_code == 303, saved.text
    with app.test_request_context():
        assert shop_settings.current().environment == "sandbox"
        assert shop_settings.current().server_key_source == "database"

    # Test connection with the saved key (the simulator accepts sandbox keys).
    tested = session.post(f"{url}/admin/settings/test-connection", headers=HX, timeout=10)
    assert 'data-outcome="ok"' in tested.text, tested.text

    # A QRIS payment charged, paid and refunded with that key.
    reference, attempt_id, _ = paid_qris(app, url, amount=60_000)
    page = session.get(f"{url}/admin/transactions/{reference}", timeout=10).text
    key = re.search(r'name="refund_key"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="refund_key"', page)
    refunded = session.post(f"{url}/admin/transactions/attempts/{attempt_id}/refund", allow_redirects=False, timeout=30,
                            data={"amount": "60000", "refund_key": key.group(1) or key.group(2)})
    assert refunded.status_code == 303, refunded.text
    ping = session.post(f"{url}/admin/webhook-health/test", headers=HX, timeout=10)
    assert "answered 200" in ping.text

    # Every admin page and fragment, and the CSV.
    bodies = {}
    for path in _admin_get_urls(app, reference, attempt_id):
        for headers in ({}, HX):
            response = session.get(f"{url}{path}", headers=headers, timeout=10)
            assert response.status_code in (200, 303, 204), (path, response.status_code)
            bodies[(path, bool(headers))] = response.text
    assert len(bodies) >= 20
    assert any("SB-Mid-server-••••" + TAIL in body for body in bodies.values())  # the hint is shown
    for (path, _), body in bodies.items():
        for form in _forms_of_the_key():
            assert form not in body, f"server key in {path}"
    assert any(record.name.startswith("checkout.midtrans") for record in caplog.records)  # logs were captured
    for form in _forms_of_the_key():
        assert form not in tested.text and form not in refunded.text and form not in ping.text
        assert form not in caplog.text, "server key in a log line"
    with app.app_context():
        creds = db.session.get(MidtransCredentials, "sandbox")
        assert SERVER_KEY not in creds.server_key_encrypted
    assert requests.get(f"{url}/admin/settings", timeout=10).url.endswith("/admin/login?next=/admin/settings")
