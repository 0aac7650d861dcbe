"""Reading one delivery off the wire: the raw body (once, capped) and the headers that matter.

The body is read straight from the WSGI input, at most ``WEBHOOK_MAX_BODY + 1`` bytes, so
an oversize body is detected without buffering it and its first part can still be
recorded. The read is cached in the request's WSGI environ (one per request, unlike
``g``, which lives as long as the app context) because the flood guard, which runs before
the view, and the view both need the same bytes.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from flask import current_app, request
from werkzeug.wsgi import get_input_stream

# Headers kept with every delivery; enough to tell Midtrans from a stranger later.
KEPT_HEADERS = ("User-Agent", "Content-Type", "X-Forwarded-For", "Content-Length")
MAX_HEADER_CHARS = 300
_ENVIRON_KEY = "checkout.midtrans_delivery"


@dataclass(frozen=True)
class Delivery:
    body: bytes  # at most the cap; truncated when ``oversize``
    oversize: bool
    limit: int
    remote_addr: str | None
    headers: dict = field(default_factory=dict)


def current_delivery() -> Delivery:
    """The delivery of the request in progress (the body is read on first use only)."""
    cached = request.environ.get(_ENVIRON_KEY)
    if cached is None:
        limit = int(current_app.config.get("WEBHOOK_MAX_BODY", 64 * 1024))
        body, oversize = _read_capped(limit)
        cached = request.environ[_ENVIRON_KEY] = Delivery(
            body=body,
            oversize=oversize,
            limit=limit,
            remote_addr=(request.remote_addr or "")[:64] or None,
            headers=_kept_headers(),
        )
    return cached


def _read_capped(limit: int) -> tuple[bytes, bool]:
    declared = request.content_length
    if declared is not None and declared > limit:
        # Read only what we keep; the server discards the rest with the connection.
        stream = get_input_stream(request.environ, max_content_length=None)
        return stream.read(limit), True
    stream = get_input_stream(request.environ, max_content_length=None)
    body = stream.read(limit + 1)
    if len(body) > limit:
        return body[:limit], True
    return body, False


def _kept_headers() -> dict:
    kept = {}
    for name in KEPT_HEADERS:
        value = request.headers.get(name)
        if value is not None:
            kept[name] = value.replace("\x00", "\ufffd")[:MAX_HEADER_CHARS]
    return kept
