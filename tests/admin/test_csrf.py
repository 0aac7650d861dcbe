"""CSRF: every admin POST needs the token, as a form field or as htmx's X-CSRFToken header."""
from __future__ import annotations

import re

import pytest

from tests.admin.conftest import FAST_HASH
from tests.admin.helpers import english_client, HX, OWNER_EMAIL, OWNER_PASSWORD, create_owner, settings_form, sign_in


@pytest.fixture
def csrf_app(make_app):
    app = make_app(WTF_CSRF_ENABLED=True, ADMIN_PASSWORD_HASH_METHOD=FAST_HASH)
    create_owner(app)
    return app


def _token(page: bytes) -> str:
    match = re.search(rb'name="csrf_token" value="([^"]+)"', page)
    assert match, "the page carries no CSRF field"
    return match.group(1).decode()


def _header_token(page: bytes) -> str:
    match = re.search(rb'hx-headers=\'\{"X-CSRFToken": "([^"]+)"\}\'', page)
    assert match, "the page sets no X-CSRFToken for htmx"
    return match.group(1).decode()


def test_login_without_token_is_refused(csrf_app):
    client = english_client(csrf_app)
    response = client.post("/admin/login", data={"email": OWNER_EMAIL, "password": OWNER_PASSWORD})
    assert response.status_code == 400
    assert b"Reload the page" in response.data
    assert client.get("/admin/").status_code == 303


def test_login_with_the_form_token_works(csrf_app):
    client = english_client(csrf_app)
    token = _token(client.get("/admin/login").data)
    response = client.post("/admin/login", data={"email": OWNER_EMAIL, "password": OWNER_PASSWORD, "csrf_token": token})
    assert response.status_code == 303


def test_settings_post_needs_the_token(csrf_app):
    client = english_client(csrf_app)
    sign_in(client, csrf_app)
    page = client.get("/admin/settings").data
    missing = client.post("/admin/settings", data=settings_form())
    assert missing.status_code == 400
    wrong = client.post("/admin/settings", data=settings_form(csrf_token="forged"))
    assert wrong.status_code == 400
    ok = client.post("/admin/settings", data=settings_form(csrf_token=_token(page)))
    assert ok.status_code == 303


def test_htmx_request_with_the_header_token_works(csrf_app):
    client = english_client(csrf_app)
    sign_in(client, csrf_app)
    page = client.get("/admin/settings").data
    without = client.post("/admin/settings", data=settings_form(), headers=HX)
    assert without.status_code == 400
    response = client.post("/admin/settings", data=settings_form(),
                           headers={**HX, "X-CSRFToken": _header_token(page)})
    assert response.status_code == 200
    assert b'id="settings-form"' in response.data


def test_logout_needs_the_token(csrf_app):
    client = english_client(csrf_app)
    sign_in(client, csrf_app)
    assert client.post("/admin/logout").status_code == 400
    assert client.get("/admin/").status_code == 200
    token = _token(client.get("/admin/").data)
    assert client.post("/admin/logout", data={"csrf_token": token}).status_code == 303


def test_every_admin_form_carries_the_token(csrf_app):
    from tests.factories import make_attempt, make_order

    client = english_client(csrf_app)
    sign_in(client, csrf_app)
    with csrf_app.app_context():
        order = make_order()
        make_attempt(order, status="paid", paid_amount=order.total_amount, payment_type="qris")
        reference = order.reference
    for path in ("/admin/", "/admin/settings", "/admin/payment-links/new", "/admin/webhook-health",
                 f"/admin/transactions/{reference}"):
        body = client.get(path).data.decode()
        for form in re.findall(r"<form[^>]*method=\"post\"[^>]*>.*?</form>", body, flags=re.S):
            assert 'name="csrf_token"' in form, (path, form[:200])
