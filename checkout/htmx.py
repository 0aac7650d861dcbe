"""The one place that reads HX-* headers and builds HTMX responses.

Status-code policy (mirrored in the htmx config meta tag in base.html):
* 200 swaps. 204 means "nothing changed, keep what you have" and swaps nothing.
* 422 (a form the user must fix), 429 (slow down, with the wait) and 503 (the gateway
  is unavailable, with a retry button) swap their fragment into the card, because each
  carries a message written for the customer.
* Every other 4xx/5xx does not swap; the full-page error handler serves those to
  non-HTMX requests, and htmx leaves the page as it was.
"""
from __future__ import annotations

from flask import Response, make_response, redirect, render_template, request


def is_fragment_request() -> bool:
    """An htmx request that wants a fragment (a history restore wants the whole page)."""
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.history_restore_request


def render(page: str, fragment: str, status: int = 200, **context) -> Response:
    """Render the fragment for htmx, the page (which includes the fragment) otherwise."""
    template = fragment if is_fragment_request() else page
    response = make_response(render_template(template, **context), status)
    vary(response)
    return response


def vary(response: Response) -> Response:
    response.vary.add("HX-Request")
    return response


def redirect_to(url: str, *, external: bool = False) -> Response:
    """A redirect that works for htmx (HX-Redirect) and for plain forms (303)."""
    if is_fragment_request():
        response = make_response("", 200)
        response.headers["HX-Redirect"] = url
        return vary(response)
    return vary(redirect(url, code=303))


def no_change() -> Response:
    """204: htmx keeps what it has; polling continues."""
    return vary(make_response("", 204))


def with_trigger(response: Response, event: str) -> Response:
    response.headers["HX-Trigger"] = event
    return response


def environ_wants_fragment(environ: dict) -> bool:
    """``is_fragment_request`` for WSGI middleware that answers before Flask sees the request."""
    return environ.get("HTTP_HX_REQUEST") == "true" and environ.get("HTTP_HX_HISTORY_RESTORE_REQUEST") != "true"
