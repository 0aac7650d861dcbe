"""Helpers shared by the admin tests."""
from __future__ import annotations

import time

from checkout.admin.services import accounts
from checkout.extensions import db
from checkout.models import AdminUser

OWNER_EMAIL = "owner@example.com"
OWNER_PASSWORD = "correct horse battery staple"
HX = {"HX-Request": "true"}
SANDBOX_SERVER_KEY = "SB-Mid-server-Zq8xTestKeyAB12"
SANDBOX_CLIENT_KEY = "SB-Mid-client-PublicKey123"


def create_owner(app, email: str = OWNER_EMAIL, password: str = OWNER_PASSWORD) -> int:
    with app.app_context():
        existing = accounts.find_by_email(email)
        if existing is not None:
            return existing.id
        return accounts.create_admin(email, password, actor="test").id


def english_client(app):
    """A test client that asks for English (the default locale is Indonesian)."""
    client = app.test_client()
    client.set_cookie("lang", "en")
    return client


def sign_in(client, app, email: str = OWNER_EMAIL, *, seen_ago: int = 0, login_ago: int = 0) -> None:
    """Write an owner session into the client's cookie, as a login would."""
    with app.app_context():
        user = db.session.scalar(db.select(AdminUser).where(AdminUser.email == email))
        binding = accounts.session_binding(user, app.config["SECRET_KEY"])
        user_id = user.id
    now = int(time.time())
    client.set_cookie("lang", "en")  # assertions quote the English source texts
    with client.session_transaction() as session:
        session.clear()
        session.update(admin_id=user_id, admin_auth=binding, admin_sid=f"test-session-{now}-{id(client)}",
                       admin_login_at=now - login_ago, admin_seen=now - seen_ago)
        session.permanent = True


def settings_form(**overrides) -> dict:
    """A complete, valid settings form (simulator environment, no keys)."""
    data = {
        "environment": "simulator",
        "shop_name": "Toko Kopi",
        "logo_text": "TK",
        "qris_enabled": "y",
        "snap_enabled": "y",
        "snap_methods": ["credit_card", "gopay", "bca_va"],
        "qris_expiry_minutes": "15",
        "order_expiry_minutes": "1440",
        "return_url_allowlist": "",
        "verify_with_status_api": "default",
        "sandbox_merchant_id": "",
        "sandbox_client_key": "",
        "sandbox_server_key": "",
        "production_merchant_id": "",
        "production_client_key": "",
        "production_server_key": "",
    }
    for key, value in overrides.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return data


class FakeGateway:
    """Stands in for MidtransClient: records calls, answers what the test programmed."""

    def __init__(self, **answers):
        self.answers = answers
        self.calls: list[tuple[str, tuple, dict]] = []

    def _answer(self, name, *args, **kwargs):
        self.calls.append((name, args, kwargs))
        answer = self.answers.get(name)
        if isinstance(answer, Exception):
            raise answer
        if callable(answer):
            return answer(*args, **kwargs)
        return answer

    def status(self, *args, **kwargs):
        return self._answer("status", *args, **kwargs)

    def cancel(self, *args, **kwargs):
        return self._answer("cancel", *args, **kwargs)

    def approve(self, *args, **kwargs):
        return self._answer("approve", *args, **kwargs)

    def deny(self, *args, **kwargs):
        return self._answer("deny", *args, **kwargs)

    def refund(self, *args, **kwargs):
        return self._answer("refund", *args, **kwargs)

    def names(self) -> list[str]:
        return [name for name, _, _ in self.calls]


def use_gateway(monkeypatch, gateway: FakeGateway) -> FakeGateway:
    from checkout import shop_settings

    monkeypatch.setattr(shop_settings, "gateway", lambda settings=None, **options: gateway)
    return gateway
