"""``SMTP_URL`` -> Flask-Mailman settings.

    smtp://user:password@mail.example.com:587     STARTTLS (required), the usual submission port
    smtps://user:password@mail.example.com:465    TLS from the first byte
    smtp://127.0.0.1:25?starttls=off              plain, for a relay on the same machine

User and password are percent-decoded (``%40`` for ``@``). The URL holds a password:
it is never logged or shown; ``describe`` gives a safe summary.
"""
from __future__ import annotations

from urllib.parse import parse_qs, unquote, urlsplit

from flask import Flask

from checkout.config import ConfigError


def mail_settings(url: str) -> dict:
    """The MAIL_* settings for ``url``; raises ConfigError (without the password) when malformed."""
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise ConfigError("SMTP_URL must look like smtp://user:password@host:587 or smtps://host:465")
    query = {key: values[-1].lower() for key, values in parse_qs(parts.query).items()}
    implicit_tls = parts.scheme == "smtps"
    starttls = not implicit_tls and query.get("starttls", "on") not in ("off", "0", "false", "no")
    try:
        port = parts.port or (465 if implicit_tls else 587)
    except ValueError:
        raise ConfigError("SMTP_URL has an invalid port") from None
    return {
        "MAIL_BACKEND": "smtp",
        "MAIL_SERVER": parts.hostname,
        "MAIL_PORT": port,
        "MAIL_USERNAME": unquote(parts.username) if parts.username else None,
        "MAIL_PASSWORD": unquote(parts.password) if parts.password else None,
        "MAIL_USE_TLS": starttls,
        "MAIL_USE_SSL": implicit_tls,
    }


def describe(url: str | None) -> str:
    """Where mail goes, without credentials (for logs and the admin)."""
    if not url:
        return "not configured"
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname}:{parts.port or ''}".rstrip(":")


def init_app(app: Flask) -> None:
    """Configure Flask-Mailman from SMTP_URL (no connection is made here)."""
    from checkout.extensions import mail

    url = app.config.get("SMTP_URL")
    if url:
        app.config.update(mail_settings(url))
    app.config.setdefault("MAIL_TIMEOUT", app.config.get("SMTP_TIMEOUT_SECONDS", 10))
    app.config.setdefault("MAIL_DEFAULT_SENDER", app.config.get("MAIL_FROM"))
    mail.init_app(app)
