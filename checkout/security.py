"""Response headers every page carries. No inline scripts anywhere, so the CSP forbids them.

``form-action`` is ``'self'``, plus, on a checkout link's pages only, the origins its
forms are legitimately redirected to: without JavaScript, "Pay with Snap" answers 303 to
Midtrans's Snap host and "Cancel" to the shop's return URL, and browsers apply
``form-action`` to a form's redirects too.
"""
from __future__ import annotations

import re
from urllib.parse import urlsplit

from flask import Flask, current_app, request
from werkzeug.middleware.proxy_fix import ProxyFix

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)
_HOST = re.compile(r"^[A-Za-z0-9.\-]+(?::\d{1,5})?$")


def init_app(app: Flask) -> None:
    if app.config.get("TRUSTED_PROXIES"):
        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)

    @app.after_request
    def _headers(response):
        from checkout.i18n import remember_choice

        headers = response.headers
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("X-Frame-Options", "DENY")
        hsts = current_app.config.get("HSTS_MAX_AGE")
        if hsts:
            headers.setdefault("Strict-Transport-Security", f"max-age={int(hsts)}; includeSubDomains")
        if response.mimetype == "text/html":
            headers.setdefault("Content-Security-Policy", content_security_policy())
            response.vary.add("HX-Request")
            response.vary.add("Cookie")
        if request.path.startswith(("/pay/", "/admin")):
            headers.setdefault("Cache-Control", "no-store")
        return remember_choice(response)


def content_security_policy() -> str:
    return f"{CSP}; form-action {' '.join(form_action_sources())}"


def form_action_sources() -> list[str]:
    sources = ["'self'"]
    if request.blueprint == "storefront" and (request.view_args or {}).get("public_id"):
        sources.extend(sorted(_checkout_redirect_origins()))
    return sources


def _checkout_redirect_origins() -> set[str]:
    """Snap's origin and the allowed return URLs' origins (where checkout forms may 303 to)."""
    from checkout import shop_settings

    try:
        settings = shop_settings.current()
    except Exception:  # the page itself reports the trouble; the header just stays strict
        return set()
    urls = (settings.endpoints.snap_base_url, *settings.return_url_allowlist)
    return {origin for origin in map(_origin, urls) if origin}


def _origin(url: str | None) -> str | None:
    """``scheme://host[:port]`` of an http(s) URL, or None for anything that is not one
    (nothing from a URL may break out of the CSP header's syntax)."""
    parts = urlsplit(url or "")
    if parts.scheme not in ("http", "https") or not _HOST.match(parts.netloc or ""):
        return None
    return f"{parts.scheme}://{parts.netloc}".lower()
