"""What production serves: no demo shop, a plain home page, hardened headers and cookie."""
from __future__ import annotations

import pytest

from tests.storefront.conftest import HX
from tests.support.production import production_app


@pytest.fixture
def prod(make_app, monkeypatch):
    return production_app(make_app, monkeypatch)


def test_production_home_is_a_plain_page_with_nothing_to_buy(prod):
    response = prod.test_client().get("/?lang=en")
    assert response.status_code == 200
    assert "To pay, open the payment link the shop sent you." in response.text
    assert "Toko Demo" in response.text  # the shop's name
    assert "Demo shop" not in response.text and 'name="product"' not in response.text
    assert "/buy" not in response.text


@pytest.mark.parametrize("headers", [HX, {}], ids=["fragment", "page"])
def test_production_has_no_buy(prod, headers):
    response = prod.test_client().post("/buy", data={"product": "batik-tulis"}, headers=headers)
    assert response.status_code == 404
    with prod.app_context():
        from checkout.extensions import db
        from checkout.models import Order

        assert db.session.scalar(db.select(db.func.count(Order.id))) == 0


def test_development_still_has_the_demo_shop(client):
    assert 'name="product"' in client.get("/").text


def test_production_sends_hsts(prod, client):
    assert prod.test_client().get("/").headers["Strict-Transport-Security"].startswith("max-age=31536000")
    assert "Strict-Transport-Security" not in client.get("/").headers


def test_csp_forbids_foreign_forms_and_base_urls(prod, client):
    for app_client in (prod.test_client(), client):
        csp = app_client.get("/").headers["Content-Security-Policy"]
        assert "form-action 'self'" in csp and "base-uri 'none'" in csp
        assert "base-uri 'self'" not in csp


def test_checkout_pages_let_forms_redirect_to_snap_and_allowed_return_urls(make_app, monkeypatch):
    from checkout.extensions import db
    from tests.factories import make_order

    app = production_app(make_app, monkeypatch, RETURN_URL_ALLOWLIST=["https://shop.example.com/return/"])
    with app.app_context():
        public_id = make_order().public_id
        db.session.remove()
    csp = app.test_client().get(f"/pay/{public_id}").headers["Content-Security-Policy"]
    form_action = next(part for part in csp.split("; ") if part.startswith("form-action"))
    assert form_action == "form-action 'self' https://app.sandbox.midtrans.com https://shop.example.com"
    home = app.test_client().get("/").headers["Content-Security-Policy"]
    assert home.endswith("form-action 'self'")


def test_production_session_cookie_is_host_prefixed(prod):
    with prod.test_request_context("/", base_url="https://pay.example.test"):
        from flask import session

        session["x"] = 1
        response = prod.make_response("ok")
        prod.session_interface.save_session(prod, session, response)
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("__Host-session=")
    assert "Secure" in cookie and "Path=/" in cookie and "Domain" not in cookie
