"""`flask admin create`, `set-password` and `rotate-keys`."""
from __future__ import annotations

from cryptography.fernet import Fernet
from sqlalchemy import select

from checkout import crypto
from checkout.admin.services import accounts
from checkout.extensions import db
from checkout.models import AdminUser, AuditEvent, MidtransCredentials, WebhookEndpoint

PASSWORD = "a long enough password"


def _user(app, email="owner@example.com"):
    with app.app_context():
        return db.session.scalar(select(AdminUser).where(AdminUser.email == email))


def test_create_prompts_twice_and_hashes_with_scrypt(app):
    result = app.test_cli_runner().invoke(args=["admin", "create", "Owner@Example.com"], input=f"{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert "Created owner account owner@example.com" in result.output
    assert PASSWORD not in result.output
    user = _user(app)
    assert user.password_hash.startswith("scrypt:")
    assert PASSWORD not in user.password_hash
    with app.app_context():
        assert accounts.authenticate("owner@example.com", PASSWORD) is not None
        [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "admin_user.created"))
        assert event.actor == "cli"


def test_default_hash_is_werkzeugs_default_scrypt(make_app):
    app = make_app()  # no ADMIN_PASSWORD_HASH_METHOD: werkzeug's default parameters
    with app.app_context():
        user = accounts.create_admin("default@example.com", PASSWORD)
        assert user.password_hash.startswith("scrypt:32768:8:1$")


def test_create_refuses_a_mismatched_confirmation(app):
    result = app.test_cli_runner().invoke(args=["admin", "create", "owner@example.com"],
                                          input=f"{PASSWORD}\nsomething else entirely\n{PASSWORD}\n{PASSWORD}\n")
    assert "do not match" in result.output.lower() or "don't match" in result.output.lower()
    assert result.exit_code == 0  # click asks again; the second pair matched
    assert _user(app) is not None


def test_create_reads_the_password_from_stdin(app):
    result = app.test_cli_runner().invoke(args=["admin", "create", "owner@example.com", "--password-stdin"],
                                          input=f"{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert accounts.authenticate("owner@example.com", PASSWORD) is not None


def test_create_refuses_short_passwords_bad_emails_and_duplicates(make_app):
    # No request, so no lang cookie: the CLI speaks the default locale (Indonesian); pin English.
    app = make_app(ADMIN_PASSWORD_HASH_METHOD="scrypt:1024:8:1", BABEL_DEFAULT_LOCALE="en")
    runner = app.test_cli_runner()
    short = runner.invoke(args=["admin", "create", "owner@example.com", "--password-stdin"], input="short pass\n")
    assert short.exit_code != 0 and "at least 12" in short.output
    assert _user(app) is None
    bad = runner.invoke(args=["admin", "create", "not-an-email", "--password-stdin"], input=f"{PASSWORD}\n")
    assert bad.exit_code != 0 and "not an email" in bad.output
    assert runner.invoke(args=["admin", "create", "owner@example.com", "--password-stdin"], input=f"{PASSWORD}\n").exit_code == 0
    again = runner.invoke(args=["admin", "create", "OWNER@example.com", "--password-stdin"], input=f"{PASSWORD}\n")
    assert again.exit_code != 0 and "already exists" in again.output


def test_set_password(app):
    runner = app.test_cli_runner()
    runner.invoke(args=["admin", "create", "owner@example.com", "--password-stdin"], input=f"{PASSWORD}\n")
    result = runner.invoke(args=["admin", "set-password", "owner@example.com", "--password-stdin"],
                           input="another long password\n")
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert accounts.authenticate("owner@example.com", PASSWORD) is None
        assert accounts.authenticate("owner@example.com", "another long password") is not None
    missing = runner.invoke(args=["admin", "set-password", "x@example.com", "--password-stdin"], input=f"{PASSWORD}\n")
    assert missing.exit_code != 0


def test_rotate_keys_reencrypts_under_the_newest_key(make_app):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    app = make_app(CHECKOUT_ENCRYPTION_KEY=old)
    with app.app_context():
        db.session.add(MidtransCredentials(environment="sandbox", server_key_encrypted=crypto.encrypt("SB-Mid-server-secret123"),
                                           server_key_hint="SB-Mid-server-••••t123"))
        db.session.add(WebhookEndpoint(url="https://shop.example/hook", events=["*"], secret_encrypted=crypto.encrypt("whsec_1")))
        db.session.commit()
    rotated = make_app(CHECKOUT_ENCRYPTION_KEY=f"{new},{old}")
    result = rotated.test_cli_runner().invoke(args=["admin", "rotate-keys"])
    assert result.exit_code == 0, result.output
    assert "1 server key(s) and 1 webhook secret(s)" in result.output
    only_new = make_app(CHECKOUT_ENCRYPTION_KEY=new)
    with only_new.app_context():
        creds = db.session.get(MidtransCredentials, "sandbox")
        assert crypto.decrypt(creds.server_key_encrypted) == "SB-Mid-server-secret123"
        endpoint = db.session.scalar(select(WebhookEndpoint))
        assert crypto.decrypt(endpoint.secret_encrypted) == "whsec_1"
        assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "secrets.rotated")) is not None


def test_rotate_keys_changes_nothing_when_a_secret_is_unreadable(make_app):
    app = make_app(CHECKOUT_ENCRYPTION_KEY=Fernet.generate_key().decode())
    with app.app_context():
        db.session.add(MidtransCredentials(environment="sandbox", server_key_encrypted=crypto.encrypt("SB-Mid-server-x1234567")))
        db.session.commit()
        before = db.session.get(MidtransCredentials, "sandbox").server_key_encrypted
    stranger = make_app(CHECKOUT_ENCRYPTION_KEY=Fernet.generate_key().decode())
    result = stranger.test_cli_runner().invoke(args=["admin", "rotate-keys"])
    assert result.exit_code != 0 and "cannot be decrypted" in result.output
    with stranger.app_context():
        assert db.session.get(MidtransCredentials, "sandbox").server_key_encrypted == before
