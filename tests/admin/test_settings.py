"""Settings: keys validated, encrypted, never shown back; environment variables win."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from checkout import crypto, shop_settings
from checkout.admin.services import settings_store
from checkout.extensions import db
from checkout.models import AuditEvent, MidtransCredentials, ShopSettings
from tests.admin.conftest import FAST_HASH
from tests.admin.helpers import english_client, HX, SANDBOX_CLIENT_KEY, SANDBOX_SERVER_KEY, create_owner, settings_form, sign_in

PRODUCTION_SERVER_KEY = "Mid-server-Pr0dKeyValueXY99"


def _save(admin, headers=None, **overrides):
    return admin.post("/admin/settings", data=settings_form(**overrides), headers=headers or {})


def _row(app):
    with app.app_context():
        return db.session.get(ShopSettings, 1)


def _creds(app, environment="sandbox"):
    with app.app_context():
        return db.session.get(MidtransCredentials, environment)


def test_settings_page_and_fragment(admin):
    page = admin.get("/admin/settings")
    assert page.status_code == 200
    assert b"<html" in page.data and b'id="settings-form"' in page.data and b'id="webhook-health"' in page.data
    fragment = admin.get("/admin/settings", headers=HX)
    assert fragment.status_code == 200
    assert b"<html" not in fragment.data and fragment.data.lstrip().startswith(b'<section id="settings-form"')
    assert "HX-Request" in fragment.headers["Vary"]


def test_saving_keys_encrypts_them_and_shows_only_a_hint(admin, app):
    response = _save(admin, sandbox_merchant_id="G123456789", sandbox_client_key=SANDBOX_CLIENT_KEY,
                     sandbox_server_key=SANDBOX_SERVER_KEY)
    assert response.status_code == 303 and response.headers["Location"] == "/admin/settings"
    creds = _creds(app)
    assert creds.merchant_id == "G123456789" and creds.client_key == SANDBOX_CLIENT_KEY
    assert SANDBOX_SERVER_KEY not in creds.server_key_encrypted
    with app.app_context():
        assert crypto.decrypt(creds.server_key_encrypted) == SANDBOX_SERVER_KEY
    assert creds.server_key_hint == "SB-Mid-server-••••AB12"
    page = admin.get("/admin/settings").data.decode()
    assert "Settings saved." in page
    assert "SB-Mid-server-••••AB12" in page
    assert SANDBOX_SERVER_KEY not in page
    assert "Zq8xTestKey" not in page


def test_saving_with_htmx_answers_the_fragment(admin):
    response = _save(admin, headers=HX, sandbox_server_key=SANDBOX_SERVER_KEY)
    assert response.status_code == 200
    assert b"Settings saved." in response.data and b"<html" not in response.data
    assert SANDBOX_SERVER_KEY.encode() not in response.data
    again = _save(admin, headers=HX)
    assert b"Nothing changed." in again.data


def test_an_empty_server_key_keeps_the_saved_one(admin, app):
    _save(admin, sandbox_server_key=SANDBOX_SERVER_KEY)
    first = _creds(app).server_key_encrypted
    _save(admin, shop_name="Another name", sandbox_server_key="")
    assert _creds(app).server_key_encrypted == first
    assert _row(app).shop_name == "Another name"


def test_audit_names_changed_fields_never_values(admin, app):
    _save(admin, sandbox_server_key=SANDBOX_SERVER_KEY, shop_name="Kopi Kita")
    with app.app_context():
        [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "settings.changed"))
    assert event.actor == "admin:owner@example.com"
    assert "sandbox.server_key" in event.details["fields"] and "shop_name" in event.details["fields"]
    assert SANDBOX_SERVER_KEY not in repr(event.details)
    assert "Kopi Kita" not in repr(event.details)


@pytest.mark.parametrize("field, value, expected", [
    ("sandbox_server_key", "Mid-server-WrongEnvironment1", "SB-Mid-server-"),
    ("sandbox_server_key", "SB-Mid-client-ClientNotServer1", "SB-Mid-server-"),
    ("sandbox_server_key", "SB-Mid-server-sh", "SB-Mid-server-"),
    ("sandbox_server_key", "SB-Mid-server-has spaces in it", "SB-Mid-server-"),
    ("sandbox_client_key", "SB-Mid-server-ServerNotClient1", "SB-Mid-client-"),
    ("production_server_key", "SB-Mid-server-SandboxInProd1", "Mid-server-"),
    ("production_client_key", "garbage-value-123", "Mid-client-"),
    ("sandbox_merchant_id", "G-12 34", "letters and digits"),
])
def test_malformed_keys_are_refused_without_echoing_them(admin, app, field, value, expected):
    response = _save(admin, shop_name="Must not be saved", **{field: value})
    assert response.status_code == 422
    body = response.data.decode()
    assert expected in body
    if "server" in field:
        assert value not in body
    assert _row(app) is None  # nothing half-saved
    assert _creds(app) is None


def test_invalid_settings_fragment_is_a_422_swap(admin):
    response = _save(admin, headers=HX, qris_expiry_minutes="0")
    assert response.status_code == 422
    assert b'id="settings-form"' in response.data and b"<html" not in response.data
    assert b"nothing was saved" in response.data


@pytest.mark.parametrize("value, ok", [("0", False), ("1", True), ("120", True), ("121", False), ("abc", False)])
def test_qris_expiry_is_1_to_120_minutes(admin, app, value, ok):
    response = _save(admin, qris_expiry_minutes=value)
    assert response.status_code == (303 if ok else 422)
    if ok:
        assert _row(app).qris_expiry_minutes == int(value)


def test_a_payment_method_is_required(admin, app):
    assert _save(admin, qris_enabled=None, snap_enabled=None).status_code == 422
    assert _save(admin, snap_methods=[]).status_code == 422
    assert _save(admin, snap_methods=["bitcoin"]).status_code == 422
    response = _save(admin, snap_enabled=None, snap_methods=[])
    assert response.status_code == 303
    assert _row(app).snap_enabled is False and _row(app).qris_enabled is True


def test_switching_to_sandbox_needs_a_server_key(admin, app):
    response = _save(admin, environment="sandbox")
    assert response.status_code == 422
    assert b"Enter the sandbox server key" in response.data
    assert _save(admin, environment="sandbox", sandbox_server_key=SANDBOX_SERVER_KEY).status_code == 303
    assert _row(app).environment == "sandbox"
    # Removing the key while sandbox is in force is refused as well.
    assert _save(admin, environment="sandbox", sandbox_forget_server_key="y").status_code == 422


def test_a_saved_server_key_can_be_removed(admin, app):
    _save(admin, sandbox_server_key=SANDBOX_SERVER_KEY)
    assert b"Remove the saved server key" in admin.get("/admin/settings").data
    assert _save(admin, sandbox_forget_server_key="y").status_code == 303
    assert _creds(app).server_key_encrypted is None and _creds(app).server_key_hint is None


@pytest.mark.parametrize("lines, ok", [
    ("https://shop.example.com/\nhttp://localhost:8000/thanks", True),
    ("ftp://shop.example.com/", False),
    ("shop.example.com/thanks", False),
    ("javascript:alert(1)", False),
])
def test_return_url_allowlist_must_be_web_addresses(admin, app, lines, ok):
    response = _save(admin, return_url_allowlist=lines)
    assert response.status_code == (303 if ok else 422)
    if ok:
        assert _row(app).return_url_allowlist == lines.splitlines()


def test_production_environment_requires_https_return_urls(admin, app):
    keys = {"production_server_key": PRODUCTION_SERVER_KEY, "environment": "production"}
    assert _save(admin, return_url_allowlist="http://shop.example.com/", **keys).status_code == 422
    assert _save(admin, return_url_allowlist="https://shop.example.com/", **keys).status_code == 303
    assert _row(app).environment == "production"


@pytest.mark.parametrize("choice, stored", [("on", True), ("off", False), ("default", None)])
def test_verify_with_status_api(admin, app, choice, stored):
    _save(admin, verify_with_status_api="off" if stored is None else "default")
    assert _save(admin, verify_with_status_api=choice).status_code == 303
    assert _row(app).verify_with_status_api is stored


def test_environment_variables_win_and_are_shown_as_such(make_app):
    env_key = "SB-Mid-server-FromEnvironment77"
    app = make_app(MIDTRANS_SERVER_KEY=env_key, MIDTRANS_CLIENT_KEY="SB-Mid-client-FromEnv", ADMIN_PASSWORD_HASH_METHOD=FAST_HASH)
    create_owner(app)
    client = english_client(app)
    sign_in(client, app)
    client.post("/admin/settings", data=settings_form(sandbox_server_key=SANDBOX_SERVER_KEY))
    page = client.get("/admin/settings").data.decode()
    assert "set by the MIDTRANS_SERVER_KEY environment variable" in page
    assert "SB-Mid-server-••••nt77" in page
    assert env_key not in page and SANDBOX_SERVER_KEY not in page
    assert "set by the server&#39;s environment variables" in page or "set by the server's environment variables" in page
    with app.test_request_context():
        effective = shop_settings.current()
        assert effective.server_key_source == "environment"
        assert effective.server_key == env_key
        assert settings_store.key_status("sandbox").client_key_source == "environment"


def test_saving_forgets_the_cached_settings(app, owner):
    with app.test_request_context():
        assert shop_settings.current().shop_name == "Toko Demo"
        form = settings_store.SettingsInput(
            environment="simulator", shop_name="Fresh", logo_text="F", qris_enabled=True, snap_enabled=False,
            snap_methods=(), qris_expiry_minutes=10, order_expiry_minutes=60, return_url_allowlist=(),
            verify_with_status_api=None, keys={})
        settings_store.save(form, actor="test")
        assert shop_settings.current().shop_name == "Fresh"
        assert shop_settings.current().qris_expiry_minutes == 10


def test_keys_input_never_prints_the_server_key():
    keys = settings_store.KeysInput(server_key=SANDBOX_SERVER_KEY)
    assert SANDBOX_SERVER_KEY not in repr(keys) and SANDBOX_SERVER_KEY not in str(keys)


def test_app_buttons_are_off_until_the_owner_turns_them_on(admin, app):
    page = admin.get("/admin/settings").data.decode()
    assert '<input id="app_payments-0" name="app_payments" type="checkbox" value="gopay">' in page
    assert "App buttons on phones" in page
    with app.app_context():
        assert shop_settings.current().app_payments == ()
    assert _save(admin, app_payments=["shopeepay", "gopay"]).status_code == 303
    assert _row(app).app_payments == ["gopay", "shopeepay"]
    with app.app_context():
        assert shop_settings.current().app_payments == ("gopay", "shopeepay")
    page = admin.get("/admin/settings").data.decode()
    assert '<input checked id="app_payments-0" name="app_payments" type="checkbox" value="gopay">' in page
    assert _save(admin, app_payments=None).status_code == 303
    assert _row(app).app_payments == []


def test_unknown_app_buttons_are_refused(admin, app):
    response = _save(admin, app_payments=["ovo"])
    assert response.status_code == 422
    assert _row(app) is None or _row(app).app_payments == []
