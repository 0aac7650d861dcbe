"""Absolute URLs the simulator hands out (QR images, Snap pages, 3DS pages).

They are built from the incoming request's ``host_url`` and ``script_root``, so the
simulator works standalone and mounted under a prefix (``DispatcherMiddleware`` at
``/midtrans-simulator`` sets the script root). Behind a proxy that rewrites hosts,
``SIMULATOR_PUBLIC_URL`` names the simulator's public base URL (prefix included) instead.
"""
from __future__ import annotations

from urllib.parse import urlencode, urlsplit, urlunsplit

from flask import request, url_for

from . import runtime


def external_url(endpoint: str, **values: object) -> str:
    public = runtime.settings().public_url
    if not public:
        return url_for(endpoint, _external=True, **values)
    path = url_for(endpoint, **values)  # starts with the script root, if mounted
    root = request.script_root
    if root and path.startswith(root):
        path = path[len(root):]
    return public.rstrip("/") + path


def with_query(url: str, params: dict) -> str:
    """``url`` with ``params`` appended to whatever query string it already has."""
    parts = urlsplit(url)
    query = "&".join(filter(None, [parts.query, urlencode(params)]))
    return urlunsplit(parts._replace(query=query))
