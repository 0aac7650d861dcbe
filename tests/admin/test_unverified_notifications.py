"""The admin shows only what was verified: rejected notifications stay off an order's
timeline and are listed, collapsed and paginated, as unverified under Webhook health."""
from __future__ import annotations

import re
from types import SimpleNamespace

import pytest

from checkout.extensions import db
from checkout.models import ShopSettings
from tests.admin.helpers import HX, create_owner, settings_form, sign_in
from tests.factories import make_attempt, make_order
from tests.support.production import production_app
from tests.webhooks.payloads import notification

URL = "/webhooks/midtrans"


@pytest.fixture
def attempt(app):
    with app.app_context():
        made = make_attempt(make_order())
        return SimpleNamespace(midtrans_order_id=made.midtrans_order_id, gross_amount=made.gross_amount,
                               reference=made.order.reference)


def _forge(app, attempt, padding: str = "") -> None:
    body = notification(attempt.midtrans_order_id, "settlement", gross=attempt.gross_amount,
                        server_key="SB-Mid-server-FORGED", extra={"forged_marker": "FORGED-BODY" + padding})
    assert app.test_client().post(URL, json=body).status_code == 401


def test_a_rejected_notification_is_not_on_the_timeline_of_the_order_it_names(app, admin, attempt):
    _forge(app, attempt)
    page = admin.get(f"/admin/transactions/{attempt.reference}")
    assert page.status_code == 200
    assert "FORGED-BODY" not in page.text and "signature does not match" not in page.text


def test_webhook_health_lists_unverified_notifications_collapsed(app, admin, attempt):
    _forge(app, attempt)
    page = admin.get("/admin/webhook-health")
    assert page.status_code == 200
    section = page.text[page.text.index('id="unverified-notifications"'):]
    assert re.search(r'<details class="unverified">', section)  # collapsed: no "open"
    assert "Unverified notifications (1)" in section
    assert ">unverified<" in section and "signature does not match" in section
    assert attempt.midtrans_order_id in section and "FORGED-BODY" in section


def test_unverified_notifications_are_paginated(app, admin, attempt):
    for _ in range(23):
        _forge(app, attempt)
    first = admin.get("/admin/webhook-health").text
    assert "Unverified notifications (23)" in first
    assert first.count('class="unverified__item"') == 20
    assert "/admin/webhook-health/unverified?page=2" in first

    fragment = admin.get("/admin/webhook-health/unverified?page=2", headers=HX)
    assert fragment.status_code == 200 and "<html" not in fragment.text
    assert fragment.text.count('class="unverified__item"') == 3
    assert '<details class="unverified" open>' in fragment.text

    full = admin.get("/admin/webhook-health/unverified?page=2")
    assert "<html" in full.text and full.text.count('class="unverified__item"') == 3
    # Out-of-range and garbage page numbers are brought back within the pages that exist.
    assert admin.get("/admin/webhook-health/unverified?page=99999999999999999999", headers=HX).status_code == 200
    assert admin.get("/admin/webhook-health/unverified?page=x", headers=HX).text.count("unverified__item") == 20


def test_an_unreadable_rejected_body_is_shown_as_text(app, admin):
    assert app.test_client().post(URL, data=b"[" * 60_000, content_type="application/json").status_code == 400
    page = admin.get("/admin/webhook-health")
    assert page.status_code == 200 and "[[[[" in page.text


@pytest.fixture
def prod(make_app, monkeypatch):
    app = production_app(make_app, monkeypatch, ADMIN_PASSWORD_HASH_METHOD="scrypt:1024:8:1")
    create_owner(app)
    return app


def _prod_admin(prod):
    client = prod.test_client()
    sign_in(client, prod)
    return client


def _verify(app, value):
    with app.app_context():
        row = db.session.get(ShopSettings, 1) or ShopSettings(id=1)
        row.verify_with_status_api = value
        db.session.add(row)
        db.session.commit()


WARNING = "Re-checking notifications with the status API is off"


def test_production_warns_when_statuses_are_trusted_unverified(prod):
    client = _prod_admin(prod)
    assert WARNING not in client.get("/admin/webhook-health").text
    _verify(prod, False)
    assert WARNING in client.get("/admin/webhook-health").text
    assert WARNING in client.get("/admin/settings").text


def test_development_does_not_warn(app, admin):
    _verify(app, False)
    assert WARNING not in admin.get("/admin/webhook-health").text


def test_production_settings_offer_no_simulator(prod):
    client = _prod_admin(prod)
    page = client.get("/admin/settings").text
    assert 'value="simulator"' not in page and 'value="sandbox"' in page
    assert "built-in simulator" not in page
    refused = client.post("/admin/settings", data=settings_form(environment="simulator", shop_name="Toko Baru"))
    assert refused.status_code == 422
    with prod.app_context():
        row = db.session.get(ShopSettings, 1)
        assert row is None or row.environment != "simulator"


def test_development_settings_still_offer_the_simulator(admin):
    assert 'value="simulator"' in admin.get("/admin/settings").text
