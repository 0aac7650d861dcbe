"""Who is calling: the API key from ``Authorization: Bearer``, checked once per request.

The rate limiter runs before the blueprint's own hooks, so its key function resolves the
caller itself; the result is cached on ``g`` and the blueprint hook only enforces it.
"""
from __future__ import annotations

from flask import current_app, g, request

from checkout import api_keys
from checkout.api.errors import ApiError
from checkout.api_keys import Caller

PUBLIC_ENDPOINTS = frozenset({"api.openapi"})
_UNSET = object()


def current_caller() -> Caller | None:
    """The key behind this request, or None (missing, malformed, unknown or revoked)."""
    cached = g.get("_api_caller", _UNSET)
    if cached is _UNSET:
        cached = g._api_caller = api_keys.authenticate(_bearer_token())
    return cached


def caller() -> Caller:
    """The authenticated caller; views run only after ``require_key`` let the request in."""
    found = current_caller()
    if found is None:  # pragma: no cover - require_key already refused the request
        raise _unauthorized()
    return found


def rate_limit_key() -> str:
    """Per key id; requests without a valid key share a bucket per client address."""
    found = current_caller() if request.endpoint not in PUBLIC_ENDPOINTS else None
    return f"api-key:{found.id}" if found else f"api-anonymous:{request.remote_addr}"


def rate_limit_value() -> str:
    return current_app.config.get("API_RATE_LIMIT", "120/minute")


def require_key() -> None:
    """Blueprint hook: refuse anything but a valid, active key (the OpenAPI document is public)."""
    request.max_content_length = current_app.config.get("API_MAX_BODY", 64 * 1024)
    if request.endpoint in PUBLIC_ENDPOINTS:
        return
    if current_caller() is None:
        raise _unauthorized()


def _bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer":
        return None
    return token.strip() or None


def _unauthorized() -> ApiError:
    return ApiError(401, "unauthorized", "Send a valid API key as 'Authorization: Bearer <key>'.",
                    headers={"WWW-Authenticate": 'Bearer realm="checkout-api"'})
