"""The outermost WSGI layer: a request id for every request, and the HTTP metrics.

It wraps everything, the status poll's fast lane included, so a poll answered before
Flask is counted and timed like any other request. The route label is the URL rule Flask
matched (``/pay/<public_id>/status``), never the raw path; the fast lane names its rule
in the environ because Flask never sees those requests. The duration ends when the app
hands back its response (a streamed body, such as a large CSV export, is not waited for).
The mounted simulator (a development convenience) is neither counted nor given ids.

Request ids: ``X-Request-ID`` from the client is believed only behind a trusted proxy
(``TRUSTED_PROXIES`` > 0) and only when well formed; otherwise a new one is generated.
Either way it is returned in the response's ``X-Request-ID`` header and left in the
environ for gunicorn's access line.
"""
from __future__ import annotations

import time

from flask import request

from checkout.config import SIMULATOR_MOUNT
from checkout.observability import context, metrics

REQUEST_ID_KEY = "checkout.request_id"
ROUTE_KEY = "checkout.route"  # set by code that answers before Flask routes (the fast lane)


class RequestObserver:
    def __init__(self, wsgi_app, *, trust_request_id: bool):
        self.app = wsgi_app
        self.trust_request_id = trust_request_id

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path == SIMULATOR_MOUNT or path.startswith(SIMULATOR_MOUNT + "/"):
            return self.app(environ, start_response)
        started = time.perf_counter()
        request_id = self._request_id(environ)
        environ[REQUEST_ID_KEY] = request_id
        context.start(request_id)
        seen = {}

        def start(status, headers, exc_info=None):
            seen["status"] = status
            headers = [(k, v) for k, v in headers if k.lower() != "x-request-id"]
            headers.append(("X-Request-ID", request_id))
            return start_response(status, headers, exc_info)

        try:
            return self.app(environ, start)
        finally:
            status = int(str(seen.get("status", "500")).split(" ", 1)[0])
            metrics.http_request(_route(environ), environ.get("REQUEST_METHOD", "GET"), status,
                                 time.perf_counter() - started)
            context.start(None)  # the thread serves someone else next

    def _request_id(self, environ) -> str:
        offered = environ.get("HTTP_X_REQUEST_ID")
        if self.trust_request_id and context.is_well_formed(offered):
            return offered
        return context.new_request_id()


def _route(environ) -> str:
    return environ.get(ROUTE_KEY) or metrics.UNMATCHED_ROUTE


def install(app) -> None:
    """Wrap the app (call after everything else has wrapped ``wsgi_app``)."""

    @app.url_value_preprocessor
    def _remember_route(_endpoint, _values) -> None:
        # Runs before every before_request hook, so a request a limiter refuses still
        # has its route.
        if request.url_rule is not None:
            request.environ[ROUTE_KEY] = request.url_rule.rule

    app.wsgi_app = RequestObserver(app.wsgi_app, trust_request_id=app.config.get("TRUSTED_PROXIES", 0) > 0)
