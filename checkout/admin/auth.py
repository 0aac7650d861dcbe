"""Signing in and out, and the check every admin view runs first (``login_required``).

The session is Flask's signed cookie. At login it is cleared and refilled with a fresh
random nonce, so nothing from before the login survives (session fixation). Each request
checks, in the view's decorator:

* idle time: ``ADMIN_IDLE_TIMEOUT_SECONDS`` since the last request that was not a poll;
* absolute age: ``ADMIN_SESSION_MAX_SECONDS`` since login (default 12 hours);
* the password binding: changing the password ends every older session;
* logout: a logged-out nonce is refused even if someone kept a copy of the cookie.

Failed logins are throttled (Flask-Limiter, shared storage, so the limits hold across
workers) three ways: strictly per (account, client address), so whoever keeps guessing is
stopped quickly; loosely per account (ten times more), so a stranger's guesses cannot lock
the owner out from their own address, while a spread-out attack is still capped; and per
address across accounts. Only failures count: the limits are deducted after the
response, and only when the view marked the attempt as failed. Each failure is audited,
and the owner sees how many there were when they next sign in.
"""
from __future__ import annotations

import hmac
import logging
import secrets
import time
from functools import wraps
from urllib.parse import urlsplit

from babel.dates import format_datetime
from flask import current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address

from checkout.admin import bp
from checkout.admin.forms import LoginForm
from checkout.admin.services import accounts
from checkout.admin.throttle import on_throttle, retry_after_seconds
from checkout.extensions import db, limiter
from checkout.htmx import redirect_to
from checkout.models import AdminUser
from checkout.timeutil import to_jakarta

log = logging.getLogger(__name__)
DEFAULT_MAX_SESSION_SECONDS = 12 * 3600


def _account_address_limit() -> str:
    return current_app.config.get("ADMIN_LOGIN_ACCOUNT_ADDRESS_LIMIT", "10 per 15 minutes")


def _account_limit() -> str:
    return current_app.config.get("ADMIN_LOGIN_ACCOUNT_LIMIT", "100 per 15 minutes")


def _ip_limit() -> str:
    return current_app.config.get("ADMIN_LOGIN_IP_LIMIT", "50 per 15 minutes")


def _typed_email() -> str:
    return accounts.normalise_email(request.form.get("email", ""))[:254]


def _submitted_account() -> str:
    email = _typed_email()
    return f"account:{email}" if email else ""  # empty: no account to count against


def _submitted_account_from_address() -> str:
    email = _typed_email()
    return f"account-address:{email}|{get_remote_address()}" if email else ""


def _login_failed(_response) -> bool:
    return bool(g.get("admin_login_failed"))


def login_required(view=None, *, touch: bool = True):
    """Refuse the view unless a live owner session is present; sets ``g.admin`` and
    ``g.admin_actor``. ``touch=False`` for polls, which must not keep a session alive."""

    def decorate(func):
        @wraps(func)
        def wrapper(*args, **kwargs):
            user, reason = _session_user(touch=touch)
            if user is None:
                return _to_login(reason)
            g.admin = user
            g.admin_actor = accounts.actor_for(user)
            return func(*args, **kwargs)

        wrapper.admin_login_required = True  # lets a test prove every admin view is guarded
        return wrapper

    return decorate(view) if view is not None else decorate


def _session_user(*, touch: bool) -> tuple[AdminUser | None, str | None]:
    admin_id = session.get("admin_id")
    if admin_id is None:
        return None, None
    now = int(time.time())
    config = current_app.config
    user = db.session.get(AdminUser, admin_id)
    binding = accounts.session_binding(user, config["SECRET_KEY"]) if user is not None else ""
    if user is None or not hmac.compare_digest(str(session.get("admin_auth", "")), binding):
        _clear()
        return None, "ended"
    nonce = str(session.get("admin_sid", ""))
    if now - int(session.get("admin_seen", 0)) > int(config["ADMIN_IDLE_TIMEOUT_SECONDS"]):
        accounts.record_logout(user, nonce, reason="idle_timeout")
        _clear()
        return None, "idle"
    if now - int(session.get("admin_login_at", 0)) > int(config.get("ADMIN_SESSION_MAX_SECONDS", DEFAULT_MAX_SESSION_SECONDS)):
        accounts.record_logout(user, nonce, reason="max_age")
        _clear()
        return None, "max_age"
    if accounts.session_ended(nonce):
        _clear()
        return None, "ended"
    if touch:
        session["admin_seen"] = now
    return user, None


def _clear() -> None:
    session.clear()


def _to_login(reason: str | None):
    if reason == "idle":
        minutes = max(int(current_app.config["ADMIN_IDLE_TIMEOUT_SECONDS"]) // 60, 1)
        flash(_("Your session expired after %(minutes)s minutes without activity. Please sign in again.",
                minutes=minutes), "warning")
    elif reason == "max_age":
        flash(_("For your safety, sessions last at most %(hours)s hours. Please sign in again.",
                hours=max(int(current_app.config.get("ADMIN_SESSION_MAX_SECONDS", DEFAULT_MAX_SESSION_SECONDS)) // 3600, 1)),
              "warning")
    elif reason == "ended":
        flash(_("Your session has ended. Please sign in again."), "warning")
    if request.headers.get("HX-Request"):
        # Back to the page the owner was looking at, not to the fragment's URL.
        current = urlsplit(request.headers.get("HX-Current-URL", ""))
        target = current.path + (f"?{current.query}" if current.query else "") if current.path else None
    else:
        target = request.full_path if request.method == "GET" else None
    return redirect_to(url_for("admin.login", next=_safe_next(target) if target else None))


def _safe_next(candidate: str | None) -> str:
    """Only paths inside the admin: a login link must never send the owner elsewhere."""
    default = url_for("admin.dashboard")
    if not candidate:
        return default
    parts = urlsplit(candidate)
    if parts.scheme or parts.netloc or not parts.path.startswith("/admin") or candidate.startswith("//") or "\\" in candidate:
        return default
    if parts.path.rstrip("/") in ("/admin/login", "/admin/logout"):
        return default
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _format_moment(moment) -> str:
    """A date and time in WIB with the month named in the reader's language."""
    return format_datetime(to_jakarta(moment), "d MMM yyyy HH:mm", locale=str(get_locale() or "en")) + " WIB"


def _start_session(user: AdminUser) -> None:
    """Rotate: drop everything the old session held, then write a fresh nonce."""
    nonce = secrets.token_urlsafe(32)
    now = int(time.time())
    session.clear()
    session.permanent = True
    session.update(admin_id=user.id, admin_auth=accounts.session_binding(user, current_app.config["SECRET_KEY"]),
                   admin_sid=nonce, admin_login_at=now, admin_seen=now)
    failures, since = accounts.failures_since_last_sign_in(user)
    accounts.record_login(user, nonce)
    if failures:
        flash(ngettext("%(num)d failed sign-in attempt on your account since %(since)s. If it was not you, "
                       "check the audit log and keep your password strong.",
                       "%(num)d failed sign-in attempts on your account since %(since)s. If they were not you, "
                       "check the audit log and keep your password strong.",
                       failures, since=_format_moment(since)), "warning")


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_account_address_limit, key_func=_submitted_account_from_address, methods=["POST"],
               deduct_when=_login_failed)
@limiter.limit(_account_limit, key_func=_submitted_account, methods=["POST"], deduct_when=_login_failed)
@limiter.limit(_ip_limit, key_func=get_remote_address, methods=["POST"], deduct_when=_login_failed)
def login():
    form = LoginForm()
    if request.method == "GET":
        if _session_user(touch=False)[0] is not None:
            return redirect(_safe_next(request.args.get("next")), code=303)
        return render_template("admin/login.html", form=form, error=None)
    if not form.validate():
        return render_template("admin/login.html", form=form, error=None), 422
    user = accounts.authenticate(form.email.data, form.password.data)
    if user is None:
        g.admin_login_failed = True
        accounts.record_failed_login(form.email.data, request.remote_addr)
        # For fail2ban and friends; the email is what was typed, the password never appears.
        log.warning("admin sign-in failed for %r from %s", accounts.normalise_email(form.email.data)[:254],
                    request.remote_addr)
        return render_template("admin/login.html", form=form, error=_("Email or password is incorrect.")), 422
    _start_session(user)
    return redirect_to(_safe_next(request.args.get("next")))


@on_throttle("admin.login")
def _login_throttled():
    seconds = retry_after_seconds()
    minutes = max((seconds + 59) // 60, 1)
    message = _("Too many failed sign-ins. Try again in %(minutes)s minutes.", minutes=minutes)
    return render_template("admin/login.html", form=LoginForm(), error=message)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    accounts.record_logout(g.admin, str(session.get("admin_sid", "")))
    _clear()
    flash(_("You have signed out."), "info")
    return redirect_to(url_for("admin.login"))
