"""Signing in and out: generic errors, throttling, cookie flags, rotation, idle timeout."""
from __future__ import annotations

import time

import pytest
from sqlalchemy import select

from checkout.extensions import db
from checkout.models import AdminUser, AuditEvent
from tests.admin.helpers import english_client, HX, OWNER_EMAIL, OWNER_PASSWORD, sign_in

GENERIC = b"Email or password is incorrect"


def _login(client, email=OWNER_EMAIL, password=OWNER_PASSWORD, **kwargs):
    return client.post("/admin/login", data={"email": email, "password": password}, **kwargs)


def _events(app, action):
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def test_admin_pages_send_a_stranger_to_the_login_page(client, owner):
    response = client.get("/admin/transactions?status=paid")
    assert response.status_code == 303
    assert response.headers["Location"].startswith("/admin/login?next=")
    assert "transactions" in response.headers["Location"]


def test_htmx_request_without_session_is_redirected_with_hx_redirect(client, owner):
    response = client.get("/admin/transactions", headers=HX)
    assert response.status_code == 200
    assert response.headers["HX-Redirect"].startswith("/admin/login")


def test_login_page_renders(client, owner):
    response = client.get("/admin/login")
    assert response.status_code == 200
    assert b'name="email"' in response.data and b'type="password"' in response.data


def test_correct_password_signs_in_and_goes_to_next(client, owner, app):
    response = _login(client, query_string={"next": "/admin/audit?actor=x"})
    assert response.status_code == 303
    assert response.headers["Location"] == "/admin/audit?actor=x"
    assert client.get("/admin/").status_code == 200
    [event] = _events(app, "admin.login")
    assert event.actor == f"admin:{OWNER_EMAIL}"
    with app.app_context():
        assert db.session.scalar(select(AdminUser.last_login_at)) is not None


@pytest.mark.parametrize("target", ["https://evil.example/admin", "//evil.example/admin", "/pay/abc", "/admin/logout",
                                    "\\\\evil.example"])
def test_next_never_leaves_the_admin(client, owner, target):
    response = _login(client, query_string={"next": target})
    assert response.headers["Location"] == "/admin/"


def test_wrong_password_and_unknown_email_get_the_same_generic_message(client, owner, app):
    wrong = _login(client, password="not the password at all")
    unknown = _login(client, email="nobody@example.com", password="not the password at all")
    for response in (wrong, unknown):
        assert response.status_code == 422
        assert GENERIC in response.data
        assert b"not the password at all" not in response.data
    assert client.get("/admin/").status_code == 303
    events = _events(app, "admin.login_failed")
    assert [e.subject_id for e in events] == [OWNER_EMAIL, "nobody@example.com"]
    for event in events:
        assert "not the password" not in repr((event.details, event.before, event.after, event.subject_id))


def test_empty_form_is_a_422_without_counting_as_a_failure(client, owner, app):
    response = client.post("/admin/login", data={"email": "", "password": ""})
    assert response.status_code == 422
    assert _events(app, "admin.login_failed") == []


def test_session_cookie_is_httponly_and_lax(client, owner):
    response = _login(client)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_production_config_marks_the_session_cookie_secure():
    from checkout.config import ProductionConfig

    assert ProductionConfig.SESSION_COOKIE_SECURE is True


def test_login_rotates_the_session(client, owner):
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
        session["admin_sid"] = "fixed-nonce"
    _login(client)
    with client.session_transaction() as session:
        assert "planted" not in session
        first = session["admin_sid"]
        assert first != "fixed-nonce" and len(first) >= 40
    client.post("/admin/logout")
    _login(client)
    with client.session_transaction() as session:
        assert session["admin_sid"] != first


def test_idle_session_expires_with_a_message(client, app, owner):
    sign_in(client, app, seen_ago=app.config["ADMIN_IDLE_TIMEOUT_SECONDS"] + 5)
    response = client.get("/admin/settings")
    assert response.status_code == 303
    assert response.headers["Location"].startswith("/admin/login")
    page = client.get(response.headers["Location"])
    assert b"Your session expired" in page.data
    assert client.get("/admin/").status_code == 303
    [event] = _events(app, "admin.logout")
    assert event.details == {"reason": "idle_timeout"}


def test_idle_session_on_htmx_request_redirects_the_whole_page(client, app, owner):
    sign_in(client, app, seen_ago=app.config["ADMIN_IDLE_TIMEOUT_SECONDS"] + 5)
    response = client.get("/admin/transactions", headers={
        **HX, "HX-Current-URL": "http://localhost/admin/transactions?status=paid"})
    assert response.headers["HX-Redirect"] == "/admin/login?next=/admin/transactions?status%3Dpaid"


def test_activity_keeps_the_session_alive_but_polls_do_not(client, app, owner):
    from tests.factories import make_order

    with app.app_context():
        order_id = make_order().id
    sign_in(client, app, seen_ago=60)
    client.get(f"/admin/transactions/rows/{order_id}", headers=HX)  # a poll
    with client.session_transaction() as session:
        assert int(time.time()) - session["admin_seen"] >= 60
    client.get("/admin/")
    with client.session_transaction() as session:
        assert int(time.time()) - session["admin_seen"] < 5


def test_session_older_than_the_maximum_age_ends(client, app, owner):
    sign_in(client, app, login_ago=13 * 3600)
    response = client.get("/admin/")
    assert response.status_code == 303
    assert b"sessions last at most 12 hours" in client.get(response.headers["Location"]).data


def test_logout_ends_the_session_even_for_a_copied_cookie(client, app, owner):
    _login(client)
    with client.session_transaction() as session:
        copied = dict(session)
    response = client.post("/admin/logout")
    assert response.status_code == 303 and response.headers["Location"] == "/admin/login"
    assert client.get("/admin/").status_code == 303
    # Someone who kept the old cookie replays it.
    thief = english_client(app)
    with thief.session_transaction() as session:
        session.update(copied)
        session["admin_seen"] = int(time.time())
    assert thief.get("/admin/").status_code == 303
    [event] = _events(app, "admin.logout")
    assert event.actor == f"admin:{OWNER_EMAIL}"


def test_logout_is_post_only(admin):
    assert admin.get("/admin/logout").status_code == 405


def test_changing_the_password_ends_older_sessions(client, app, owner):
    from checkout.admin.services import accounts

    _login(client)
    assert client.get("/admin/").status_code == 200
    with app.app_context():
        accounts.set_password(OWNER_EMAIL, "a brand new long password")
    assert client.get("/admin/").status_code == 303


def test_failed_logins_are_throttled_per_account(client, owner, app):
    for _ in range(10):
        assert _login(client, password="wrong wrong wrong").status_code == 422
    refused = _login(client, password="wrong wrong wrong")
    assert refused.status_code == 429
    assert b"Too many failed sign-ins" in refused.data
    assert "Retry-After" in refused.headers
    # Even the right password waits, from this address: (account, address) is locked for this window.
    assert _login(client).status_code == 429
    # Another account from the same address is not locked by this one.
    assert _login(client, email="other@example.com", password="wrong wrong wrong").status_code == 422


def test_successful_logins_do_not_count(client, owner):
    for _ in range(12):
        assert _login(client).status_code == 303
    assert _login(client, password="wrong wrong wrong").status_code == 422


def test_failed_logins_are_throttled_per_ip(make_app, owner):
    app = make_app(ADMIN_LOGIN_IP_LIMIT="3 per 15 minutes", ADMIN_PASSWORD_HASH_METHOD="scrypt:1024:8:1")
    client = english_client(app)
    for number in range(3):
        assert _login(client, email=f"guess{number}@example.com", password="x" * 12).status_code == 422
    assert _login(client, email="guess9@example.com", password="x" * 12).status_code == 429


def test_failed_sign_in_is_logged_without_the_password(client, owner, caplog):
    caplog.set_level("DEBUG")
    _login(client, password="my secret guess 123")
    assert "admin sign-in failed for 'owner@example.com'" in caplog.text
    assert "my secret guess 123" not in caplog.text


def test_every_admin_view_checks_the_session(app, client, owner):
    """Every route on the admin blueprint except the login page is guarded in the view."""
    guarded = 0
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("admin.") or rule.endpoint == "admin.login":
            continue
        view = app.view_functions[rule.endpoint]
        assert getattr(view, "admin_login_required", False), f"{rule.endpoint} is not guarded"
        values = {}
        for name in rule.arguments:
            converter = rule._converters[name]
            items = getattr(converter, "items", None)
            values[name] = sorted(items)[0] if items else (1 if "Integer" in type(converter).__name__ else "x")
        path = app.url_map.bind("localhost").build(rule.endpoint, values)
        method = "POST" if "POST" in rule.methods and "GET" not in rule.methods else "GET"
        response = client.open(path, method=method)
        assert response.status_code == 303, (rule.rule, response.status_code)
        assert response.headers["Location"].startswith("/admin/login")
        guarded += 1
    assert guarded >= 15
