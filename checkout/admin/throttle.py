"""What an admin page answers when a rate limit refuses a request (429).

The app-wide error page would replace the whole card; here each throttled endpoint
renders its own fragment or page with the wait in plain words, and per the status policy
htmx swaps a 429 into place.
"""
from __future__ import annotations

import time
from typing import Callable

from flask import make_response, request, session
from flask_babel import gettext as _

from checkout.admin import bp
from checkout.error_pages import error_response
from checkout.extensions import limiter
from checkout.htmx import vary

_renderers: dict[str, Callable[[], object]] = {}


def on_throttle(endpoint: str):
    """Register the renderer used when ``endpoint`` answers 429."""

    def register(func):
        _renderers[endpoint] = func
        return func

    return register


def per_admin() -> str:
    """Rate-limit key for actions of a signed-in owner (one budget per account)."""
    return f"admin-{session.get('admin_id', 'anonymous')}"


def retry_after_seconds() -> int:
    current = limiter.current_limit
    if current is None:
        return 60
    return max(int(current.reset_at - time.time()), 1)


@bp.errorhandler(429)
def _too_many_requests(exc):
    renderer = _renderers.get(request.endpoint or "")
    if renderer is None:
        seconds = retry_after_seconds()
        return error_response(429, "too_many_requests",
                              _("Too many attempts. Please try again in %(seconds)s seconds.", seconds=seconds))
    response = make_response(renderer(), 429)
    response.headers["Retry-After"] = str(retry_after_seconds())
    return vary(response)
