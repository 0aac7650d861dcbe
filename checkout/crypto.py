"""Encryption at rest for secrets kept in the database (Midtrans server keys, webhook secrets).

Keys come from ``CHECKOUT_ENCRYPTION_KEY`` (comma-separated Fernet keys, newest first,
for rotation with MultiFernet) or, when absent, are derived from ``SECRET_KEY``.
"""
from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import current_app


class SecretUnreadable(Exception):
    """The stored secret cannot be decrypted with the configured keys."""


def _derive(secret_key: str) -> bytes:
    digest = hashlib.sha256(b"checkout-encryption-at-rest:" + secret_key.encode()).digest()
    return base64.urlsafe_b64encode(digest)


def _fernet() -> MultiFernet:
    configured = current_app.config.get("CHECKOUT_ENCRYPTION_KEY")
    keys = [k.strip() for k in (configured or "").split(",") if k.strip()]
    if not keys:
        keys = [_derive(current_app.config["SECRET_KEY"]).decode()]
    return MultiFernet([Fernet(k.encode()) for k in keys])


def encrypt(plaintext: str) -> str:
    return _fernet().encrypt(plaintext.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise SecretUnreadable("stored secret cannot be decrypted with the configured keys") from exc


def rotate(token: str) -> str:
    """Re-encrypt under the newest key (the first one configured)."""
    return _fernet().rotate(token.encode()).decode()


def mask(secret: str, visible: int = 4) -> str:
    """'SB-Mid-server-abcdefAB12' -> 'SB-Mid-server-••••AB12'. Never more than the tail."""
    if not secret:
        return ""
    prefix = ""
    for known in ("SB-Mid-server-", "Mid-server-", "SB-Mid-client-", "Mid-client-"):
        if secret.startswith(known):
            prefix = known
            break
    tail = secret[-visible:] if len(secret) - len(prefix) > visible * 2 else ""
    return f"{prefix}••••{tail}"
