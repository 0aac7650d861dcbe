"""Compressed responses (Flask-Compress: brotli, else gzip) for what is safe to compress.

BREACH: a compressed HTTPS response that carries a secret (our CSRF token) and also
reflects something an attacker can put into the request leaks the secret byte by byte
through its compressed size. So:

* static files, JSON and the customer's checkout pages are compressed. The checkout
  pages (the ``storefront`` blueprint: /pay/..., the demo shop) carry the CSRF token but
  reflect nothing from the request: every text on them comes from the order row, the
  settings or our catalogue (query parameters such as ``have`` and ``lang`` only select
  between our own texts). These are the pages phones on mobile data load.
* every other HTML response is sent uncompressed: the admin pages carry the token and
  echo search terms and form input; error pages are tiny anyway.
* a body-less answer (the status poll's 204) is left exactly as it is, so the route's
  204 carries the same headers as the poll's fast lane (checkout/storefront/fast_poll.py),
  which answers before Flask and is never compressed.
"""
from __future__ import annotations

from flask import Flask, Response, request

from checkout.extensions import compress

# Blueprints whose HTML reflects no request input (see above). Adding one is a
# security decision: check every template it renders first.
HTML_WITHOUT_REFLECTION = frozenset({"storefront"})


def should_compress(response: Response) -> bool:
    if response.status_code == 204 or request.method == "HEAD":
        return False
    if response.mimetype in ("text/html", "application/xhtml+xml"):
        return request.blueprint in HTML_WITHOUT_REFLECTION
    return True


def init_app(app: Flask) -> None:
    app.config.setdefault("COMPRESS_ALGORITHM", ["br", "gzip"])
    app.config.setdefault("COMPRESS_ALGORITHM_STREAMING", ["br", "deflate"])
    app.config.setdefault("COMPRESS_BR_LEVEL", 5)
    app.config["COMPRESS_REGISTER"] = False  # our hook decides what may be compressed
    compress.init_app(app)

    @app.after_request
    def _compress(response: Response) -> Response:
        return compress.after_request(response) if should_compress(response) else response
