"""Owner accounts: creating them, checking passwords, and the audit trail of signing in.

Passwords are hashed with werkzeug's default (scrypt). An unknown email still costs one
hash check, so response time does not tell which emails have accounts.

Every failed sign-in is an ``admin.login_failed`` audit event (subject: the email typed;
details: whether an account has that email, and its id) and, once committed, the
``failed_sign_in`` signal, which owner alerts connect to. After the owner signs in, the
failures since their previous sign-in are counted from those events and shown to them.
"""
from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime

from blinker import Namespace
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from checkout import audit
from checkout.errors import InvalidRequest, NotFound
from checkout.extensions import db
from checkout.models import AdminUser, AuditEvent
from checkout.timeutil import utcnow

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 1024  # hashing megabytes of "password" is a denial of service
EMAIL_PATTERN = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")

_dummy_hashes: dict[str | None, str] = {}

LOGIN = "admin.login"
LOGIN_FAILED = "admin.login_failed"
LOGOUT = "admin.logout"

# Sent after a failed sign-in is committed, with keyword arguments ``email`` (as typed,
# normalised), ``account_id`` (None for an unknown email) and ``address``.
failed_sign_in = Namespace().signal("admin.login_failed")


def _hash(password: str) -> str:
    """werkzeug's default (scrypt) unless ADMIN_PASSWORD_HASH_METHOD names other
    parameters (e.g. a cheaper scrypt for the test suite)."""
    method = current_app.config.get("ADMIN_PASSWORD_HASH_METHOD")
    return generate_password_hash(password, method=method) if method else generate_password_hash(password)


def _dummy_hash() -> str:
    """A real hash of a random password, so unknown emails cost as much as known ones."""
    method = current_app.config.get("ADMIN_PASSWORD_HASH_METHOD")
    if method not in _dummy_hashes:
        _dummy_hashes[method] = _hash(secrets.token_urlsafe(24))
    return _dummy_hashes[method]


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def _check_password_rules(password: str) -> None:
    if not isinstance(password, str) or len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidRequest(_("The password must be at least %(count)s characters long.", count=MIN_PASSWORD_LENGTH),
                             code="weak_password", fields={"password": _("Too short.")})
    if len(password) > MAX_PASSWORD_LENGTH:
        raise InvalidRequest(_("The password is too long."), code="weak_password", fields={"password": _("Too long.")})


def create_admin(email: str, password: str, *, actor: str = "cli") -> AdminUser:
    """Create an owner account. Commits. Raises InvalidRequest for a bad email or password
    or an email that already has an account."""
    email = normalise_email(email)
    if len(email) > 254 or not EMAIL_PATTERN.match(email):
        raise InvalidRequest(_("That is not an email address."), code="invalid_email", fields={"email": _("Invalid.")})
    _check_password_rules(password)
    user = AdminUser(email=email, password_hash=_hash(password))
    db.session.add(user)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise InvalidRequest(_("An account with this email already exists."), code="duplicate_email",
                             fields={"email": _("Already used.")}) from None
    audit.record(actor, "admin_user.created", subject_type="admin_user", subject_id=email)
    db.session.commit()
    return user


def set_password(email: str, password: str, *, actor: str = "cli") -> AdminUser:
    """Replace an owner's password. Commits. Every session signed in with the old password
    stops working, because sessions are bound to the password hash (see ``session_binding``)."""
    _check_password_rules(password)
    user = find_by_email(email)
    if user is None:
        raise NotFound(_("No account with this email."), code="unknown_admin")
    user.password_hash = _hash(password)
    audit.record(actor, "admin_user.password_changed", subject_type="admin_user", subject_id=user.email)
    db.session.commit()
    return user


def find_by_email(email: str) -> AdminUser | None:
    return db.session.scalar(select(AdminUser).where(func.lower(AdminUser.email) == normalise_email(email)))


def authenticate(email: str, password: str) -> AdminUser | None:
    """The account if the password matches, else None (the same cost either way)."""
    user = find_by_email(email)
    if not password or len(password) > MAX_PASSWORD_LENGTH:
        check_password_hash(_dummy_hash(), "x")
        return None
    if user is None:
        check_password_hash(_dummy_hash(), password)
        return None
    return user if check_password_hash(user.password_hash, password) else None


def session_binding(user: AdminUser, secret_key: str) -> str:
    """A short digest of the password hash kept in the session: changing the password
    invalidates every session signed in before."""
    return hashlib.sha256(f"{secret_key}:{user.password_hash}".encode()).hexdigest()[:24]


def session_digest(nonce: str) -> str:
    """How a session is named in the audit trail (never the nonce itself)."""
    return hashlib.sha256(nonce.encode()).hexdigest()[:32]


def record_login(user: AdminUser, nonce: str) -> None:
    """Commits the login time and the audit event."""
    user.last_login_at = utcnow()
    audit.record(actor_for(user), LOGIN, subject_type="admin_session", subject_id=session_digest(nonce))
    db.session.commit()


def record_failed_login(email: str, address: str | None = None) -> None:
    """Commits an audit event naming the email tried (never the password), then tells
    ``failed_sign_in``'s receivers."""
    typed = normalise_email(email)
    account = find_by_email(typed) if typed else None
    audit.record("anonymous", LOGIN_FAILED, subject_type="admin_user", subject_id=typed[:64] or None,
                 details={"account_exists": account is not None, "account_id": account.id if account else None})
    db.session.commit()
    failed_sign_in.send(current_app._get_current_object(), email=typed, account_id=account.id if account else None,
                        address=address)
    from checkout.alerts.causes import sign_in_failures  # alerts import the payment core: load late

    sign_in_failures(typed, account.id if account else None)


def failures_since_last_sign_in(user: AdminUser) -> tuple[int, datetime]:
    """How many sign-ins failed for this account since its previous successful one (or
    since it was created), and that moment. Call before ``record_login``."""
    since = user.last_login_at or user.created_at
    count = db.session.scalar(
        select(func.count(AuditEvent.id)).where(
            AuditEvent.action == LOGIN_FAILED, AuditEvent.subject_type == "admin_user",
            AuditEvent.subject_id == user.email[:64], AuditEvent.at > since)
    )
    return int(count or 0), since


def record_logout(user: AdminUser, nonce: str, *, reason: str = "logout") -> None:
    """Commits a logout; the session named by ``nonce`` is refused from now on."""
    audit.record(actor_for(user), LOGOUT, subject_type="admin_session", subject_id=session_digest(nonce),
                 details={"reason": reason})
    db.session.commit()


def session_ended(nonce: str) -> bool:
    """True when this session was logged out. Cookie sessions cannot be deleted on the
    server, so a copied cookie would otherwise outlive the logout."""
    return db.session.scalar(
        select(AuditEvent.id).where(AuditEvent.action == LOGOUT, AuditEvent.subject_type == "admin_session",
                                    AuditEvent.subject_id == session_digest(nonce)).limit(1)
    ) is not None


def actor_for(user: AdminUser) -> str:
    return f"admin:{user.email}"
