"""Admin page for API keys: create (shown once), revoke; page and fragment; guarded."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from checkout.extensions import db
from checkout.models import ApiKey, AuditEvent
from tests.admin.helpers import HX, create_owner, sign_in
from tests.api.helpers import Api

ALL_SCOPES = ["read", "write", "refund"]


@pytest.fixture
def app(make_app):
    return make_app(ADMIN_PASSWORD_HASH_METHOD="scrypt:1024:8:1")


@pytest.fixture
def admin(app):
    create_owner(app)
    client = app.test_client()
    sign_in(client, app)
    return client


def test_pages_need_a_signed_in_owner(client):
    assert client.get("/admin/api-keys").status_code in (302, 303)
    assert client.post("/admin/api-keys", data={"name": "x"}).status_code in (302, 303)


@pytest.mark.parametrize("headers", [{}, HX], ids=["page", "fragment"])
def test_list_page_and_fragment(admin, headers):
    response = admin.get("/admin/api-keys", headers=headers)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'id="api-keys"' in html
    assert ("<html" in html) == (not headers)


@pytest.mark.parametrize("headers", [{}, HX], ids=["page", "fragment"])
def test_create_shows_the_key_once(app, admin, headers):
    response = admin.post("/admin/api-keys", data={"name": "shop backend", "scopes": ALL_SCOPES},
                          headers=headers)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    html = response.get_data(as_text=True)
    token = html.split('id="new-api-key-value" type="text" readonly value="', 1)[1].split('"', 1)[0]
    assert token.startswith("ck_live_")
    assert Api(app.test_client(), token).get("/checkout-sessions").status_code == 200
    again = admin.get("/admin/api-keys", headers=headers).get_data(as_text=True)
    assert token not in again and token[:12] in again
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "api_key.created"))
        assert event.actor == "admin:owner@example.com" and token not in str(event.details)


@pytest.mark.parametrize("headers", [{}, HX], ids=["page", "fragment"])
def test_create_without_a_name_is_422(admin, headers):
    response = admin.post("/admin/api-keys", data={"name": "  "}, headers=headers)
    assert response.status_code == 422
    assert "field__error" in response.get_data(as_text=True)


@pytest.mark.parametrize("headers", [{}, HX], ids=["page", "fragment"])
def test_revoke(app, admin, headers):
    admin.post("/admin/api-keys", data={"name": "old", "scopes": ALL_SCOPES})
    with app.app_context():
        key_id = db.session.scalar(select(ApiKey.id))
    response = admin.post(f"/admin/api-keys/{key_id}/revoke", headers=headers)
    if headers:
        assert response.status_code == 200 and "revoked" in response.get_data(as_text=True)
    else:
        assert response.status_code == 303 and response.headers["Location"].endswith("/admin/api-keys")
    with app.app_context():
        assert db.session.get(ApiKey, key_id).revoked_at is not None
    assert admin.post("/admin/api-keys/999/revoke", headers=headers).status_code == 404


def test_forms_need_the_csrf_token(make_app):
    app = make_app(ADMIN_PASSWORD_HASH_METHOD="scrypt:1024:8:1", WTF_CSRF_ENABLED=True)
    create_owner(app)
    client = app.test_client()
    sign_in(client, app)
    assert client.post("/admin/api-keys", data={"name": "x"}).status_code == 400


@pytest.mark.parametrize("headers", [{}, HX], ids=["page", "fragment"])
def test_the_owner_chooses_scopes_and_expiry_and_the_list_shows_them(app, admin, headers):
    from datetime import timedelta

    from checkout.timeutil import utcnow

    form = admin.get("/admin/api-keys", headers=headers).get_data(as_text=True)
    for scope in ALL_SCOPES:  # every scope is offered, ticked by default
        assert f'id="api-key-scope-{scope}" name="scopes" value="{scope}" checked' in form
    assert 'name="lifetime"' in form
    response = admin.post("/admin/api-keys", data={"name": "reports", "scopes": ["read"], "lifetime": "90"},
                          headers=headers)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    token = html.split('id="new-api-key-value" type="text" readonly value="', 1)[1].split('"', 1)[0]
    with app.app_context():
        key = db.session.scalar(select(ApiKey))
        assert key.scopes == "read"
        assert timedelta(days=89, hours=23) < key.expires_at - utcnow() <= timedelta(days=90)
    row = html.split(f'id="api-key-{key.id}"', 1)[1].split("</tr>", 1)[0]
    assert ">read</td>" in row and "until" in row
    assert Api(app.test_client(), token).post("/checkout-sessions", {}).status_code == 403


@pytest.mark.parametrize("headers", [{}, HX], ids=["page", "fragment"])
def test_a_key_needs_a_scope_and_a_known_lifetime(app, admin, headers):
    none = admin.post("/admin/api-keys", data={"name": "k", "lifetime": ""}, headers=headers)
    assert none.status_code == 422
    html = none.get_data(as_text=True)
    assert 'id="api-key-scopes-error"' in html
    assert 'value="k"' in html  # what was typed is kept
    odd = admin.post("/admin/api-keys", data={"name": "k", "scopes": ["read"], "lifetime": "7000"}, headers=headers)
    assert odd.status_code == 422
    with app.app_context():
        assert db.session.scalar(select(ApiKey)) is None


def test_expired_keys_are_marked_in_the_list(app, admin):
    from datetime import timedelta

    from sqlalchemy import update

    from checkout.timeutil import utcnow

    admin.post("/admin/api-keys", data={"name": "short", "scopes": ALL_SCOPES, "lifetime": "30"})
    with app.app_context():
        db.session.execute(update(ApiKey).values(expires_at=utcnow() - timedelta(minutes=1)))
        db.session.commit()
    html = admin.get("/admin/api-keys").get_data(as_text=True)
    assert "expired" in html
