"""Who is calling: the API key from ``Authorization: Bearer``, checked once per request.

The rate limiter runs before the blueprint's own hooks, so its key function resolves the
caller itself; the result is cached on ``g`` and the blueprint hook only enforces it.

Each view names the one scope it needs with ``requires``: a key without it gets a 403
naming the scope (also in ``WWW-Authenticate``, as RFC 6750 puts it). An expired key is
refused with 401 before any view runs, like a revoked one but in its own words.
"""
from __future__ import annotations

from functools import wraps

from flask import current_app, g, request

from checkout import api_keys
from checkout.api.errors import ApiError
from checkout.api_keys import Caller

PUBLIC_ENDPOINTS = frozenset({"api.openapi"})
_UNSET = object()


def current_caller() -> Caller | None:
    """The key behind this request, or None (missing, malformed, unknown, revoked or expired)."""
    cached = g.get("_api_caller", _UNSET)
    if cached is _UNSET:
        cached = api_keys.authenticate(_bearer_token())
        if cached is not None and cached.expired():
            g._api_key_expired = True
            cached = None
        g._api_caller = cached
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
        if g.get("_api_key_expired"):
            raise ApiError(401, "api_key_expired", "This API key has expired; use a new key.",
                           headers={"WWW-Authenticate": 'Bearer realm="checkout-api", error="invalid_token"'})
        raise _unauthorized()


def requires(scope: str):
    """Decorate a view: refuse with 403 unless the calling key holds ``scope``."""
    if scope not in api_keys.SCOPES:  # pragma: no cover - a typo in a route, caught at import
        raise ValueError(f"unknown scope {scope!r}")

    def decorate(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            if scope not in caller().scopes:
                raise ApiError(
                    403, "insufficient_scope", f"This API key lacks the '{scope}' scope.", fields={"scope": scope},
                    headers={"WWW-Authenticate": f'Bearer realm="checkout-api", error="insufficient_scope", '
                                                 f'scope="{scope}"'})
            return view(*args, **kwargs)

        wrapper.required_scope = scope
        return wrapper

    return decorate


def _bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer":
        return None
    return token.strip() or None


def _unauthorized() -> ApiError:
    return ApiError(401, "unauthorized", "Send a valid API key as 'Authorization: Bearer <key>'.",
                    headers={"WWW-Authenticate": 'Bearer realm="checkout-api"'})
