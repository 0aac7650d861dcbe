"""A stranger's wrong passwords cannot lock the owner out, and the owner hears about them.

Failed sign-ins are limited strictly per (account, client address) and loosely per
account; each is audited, announced to ``failed_sign_in`` receivers, and counted in a
banner the owner sees after signing in.
"""
from __future__ import annotations

import pytest
from sqlalchemy import select

from checkout.admin.services import accounts
from checkout.extensions import db
from checkout.models import AuditEvent
from tests.admin.helpers import OWNER_EMAIL, OWNER_PASSWORD

STRANGER = "203.0.113.9"
OWNER_ADDRESS = "198.51.100.7"


def _login(app, address, password=OWNER_PASSWORD, *, email=OWNER_EMAIL, lang="en", follow=False):
    client = app.test_client()
    client.set_cookie("lang", lang)
    response = client.post("/admin/login", data={"email": email, "password": password},
                           environ_base={"REMOTE_ADDR": address}, follow_redirects=follow)
    return response


def test_a_strangers_ten_wrong_passwords_do_not_lock_the_owner_out(app, owner):
    for _ in range(10):
        assert _login(app, STRANGER, "wrong wrong wrong").status_code == 422
    assert _login(app, STRANGER, "wrong wrong wrong").status_code == 429
    assert _login(app, STRANGER).status_code == 429  # that address waits, even with the right password
    assert _login(app, OWNER_ADDRESS).status_code == 303  # the owner, elsewhere, does not
    assert _login(app, OWNER_ADDRESS, "a typo typo typo").status_code == 422  # and has a budget of their own


def test_the_account_wide_limit_is_much_higher_and_still_holds(make_app, owner):
    from checkout.admin import auth

    app = make_app(ADMIN_PASSWORD_HASH_METHOD="scrypt:1024:8:1", ADMIN_LOGIN_ACCOUNT_ADDRESS_LIMIT="2 per 15 minutes",
                   ADMIN_LOGIN_ACCOUNT_LIMIT="5 per 15 minutes")
    with app.test_request_context():
        assert (auth._account_address_limit(), auth._account_limit()) == ("2 per 15 minutes", "5 per 15 minutes")
    for number in range(5):  # five addresses, within each one's own budget
        assert _login(app, f"203.0.113.{number}", "wrong wrong wrong").status_code == 422
    assert _login(app, OWNER_ADDRESS).status_code == 429  # a spread-out attack is capped for the account
    assert _login(app, OWNER_ADDRESS, email="other@example.com").status_code == 422  # other accounts are not


def test_default_limits(app):
    from checkout.admin import auth

    with app.test_request_context():
        assert auth._account_address_limit() == "10 per 15 minutes"
        assert auth._account_limit() == "100 per 15 minutes"
        assert auth._ip_limit() == "50 per 15 minutes"


def test_failures_are_audited_and_announced(app, owner):
    heard = []

    def receiver(sender, **kwargs):
        heard.append(kwargs)

    accounts.failed_sign_in.connect(receiver)
    try:
        _login(app, STRANGER, "wrong wrong wrong")
        _login(app, STRANGER, "wrong wrong wrong", email="nobody@example.com")
    finally:
        accounts.failed_sign_in.disconnect(receiver)
    with app.app_context():
        owner_id = accounts.find_by_email(OWNER_EMAIL).id
        events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "admin.login_failed")
                                    .order_by(AuditEvent.id)).all()
        assert [(e.subject_id, e.ip, e.details) for e in events] == [
            (OWNER_EMAIL, STRANGER, {"account_exists": True, "account_id": owner_id}),
            ("nobody@example.com", STRANGER, {"account_exists": False, "account_id": None}),
        ]
    assert heard == [{"email": OWNER_EMAIL, "account_id": owner_id, "address": STRANGER},
                     {"email": "nobody@example.com", "account_id": None, "address": STRANGER}]


@pytest.mark.parametrize("lang,expected", [
    ("en", "3 failed sign-in attempts on your account since"),
    ("id", "3 percobaan masuk yang gagal pada akun Anda sejak"),
])
def test_the_owner_sees_the_failures_after_signing_in_once(app, owner, lang, expected):
    for _ in range(3):
        _login(app, STRANGER, "wrong wrong wrong")
    _login(app, STRANGER, "wrong wrong wrong", email="someone-else@example.com")  # not this account's
    page = _login(app, OWNER_ADDRESS, lang=lang, follow=True)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert expected in html and "WIB" in html
    again = _login(app, OWNER_ADDRESS, lang=lang, follow=True).get_data(as_text=True)
    assert expected.split(" ", 1)[1][:20] not in again  # counted since the previous sign-in: nothing new


def test_one_failure_reads_in_the_singular(app, owner):
    _login(app, STRANGER, "wrong wrong wrong")
    html = _login(app, OWNER_ADDRESS, follow=True).get_data(as_text=True)
    assert "1 failed sign-in attempt on your account since" in html


def test_the_owner_is_alerted_once_when_someone_keeps_trying(app, owner):
    from checkout.alerts import kinds
    from checkout.models import Alert

    for number in range(9):  # nine wrong passwords from three addresses: not yet
        assert _login(app, f"203.0.113.{number % 3}", "wrong wrong wrong").status_code == 422
    with app.app_context():
        assert Alert.query.count() == 0
    assert _login(app, STRANGER, "wrong wrong wrong").status_code == 422  # the tenth
    assert _login(app, STRANGER, "wrong wrong wrong").status_code == 422  # and more: the same alert
    with app.app_context():
        [alert] = Alert.query.all()
        assert alert.kind == kinds.SIGN_IN_FAILURES and alert.occurrences == 2
        assert alert.details["email"] == OWNER_EMAIL and alert.details["count"] >= 10
        assert alert.details["addresses"] == 4
    assert _login(app, STRANGER, "wrong", email="nobody@example.com").status_code == 422
    with app.app_context():
        assert Alert.query.count() == 1  # an address with no account is nobody's alert
