"""Who is calling: the server key (HTTP Basic) and the client key (query string).

Midtrans authenticates with HTTP Basic, the server key as username and an empty
password. The sandbox simulator accepts any well-formed sandbox key by default, so any
test can invent its own merchant; ``SIMULATOR_SERVER_KEYS`` / ``SIMULATOR_CLIENT_KEYS``
narrow that to a list. Production-looking keys (``Mid-server-...``) are refused, as the
sandbox refuses them.

Keys are compared, stored with the transactions they create (to sign notifications) and
never logged or echoed.
"""
from __future__ import annotations

import base64
import binascii
import hmac

from flask import request

from . import runtime

SANDBOX_SERVER_PREFIX = "SB-Mid-server-"
SANDBOX_CLIENT_PREFIX = "SB-Mid-client-"


def basic_username(header: str | None) -> str | None:
    """The username of an HTTP Basic ``Authorization`` header, if it is one."""
    if not header:
        return None
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic" or not encoded.strip():
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    username, _, _password = decoded.partition(":")
    return username or None


def _accepted(key: str | None, prefix: str, allowed: tuple[str, ...] | None) -> bool:
    if not key or not key.startswith(prefix) or len(key) <= len(prefix):
        return False
    if allowed is None:
        return True
    # Constant-time comparison: the list may hold real-looking keys.
    return any(hmac.compare_digest(key.encode(), candidate.encode()) for candidate in allowed)


def server_key() -> str | None:
    """The request's server key if the simulator accepts it, else None."""
    key = basic_username(request.headers.get("Authorization"))
    allowed = runtime.settings().server_keys
    return key if _accepted(key, SANDBOX_SERVER_PREFIX, allowed) else None


def client_key_ok(key: str | None) -> bool:
    return _accepted(key, SANDBOX_CLIENT_PREFIX, runtime.settings().client_keys)


def key_hint(key: str) -> str:
    """A recognisable but useless form of a key, for the control pages."""
    return f"{key[:len(SANDBOX_SERVER_PREFIX)]}…{key[-4:]}" if len(key) > 18 else "…"
