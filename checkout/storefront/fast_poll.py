"""The status poll's fast lane: "nothing changed" answered before Flask's request machinery.

Every open checkout page repeats one request every 3 seconds:
``GET /pay/<id>/status?have=<key>`` with ``HX-Request: true``. Almost always the answer is
"204, nothing changed". Flask's full pipeline for it (request and app contexts, the
session cookie, CSRF, the rate limiter, i18n, the security headers) costs several times
the one indexed query that decides it, so this middleware answers that case itself:

* the same query and the same rules as the route (``checkout_status.unchanged``);
* only when the state is still ``have`` and nothing is due (no status check to claim,
  no order to close); everything else, and every other request, goes to Flask unchanged;
* the same headers the route's 204 carries (a test compares them).
"""
from __future__ import annotations

import logging
import re
from urllib.parse import parse_qs

from checkout.htmx import environ_wants_fragment
from checkout.observability.middleware import ROUTE_KEY
from checkout.storefront import checkout_status

log = logging.getLogger(__name__)
# Where the fast lane leaves its snapshot for the route, so the poll reads the link once.
SNAPSHOT_KEY = "checkout.poll_snapshot"
STATUS_PATH = re.compile(r"^/pay/([A-Za-z0-9_-]{16,32})/status$")
STATUS_RULE = "/pay/<public_id>/status"  # the route's URL rule (a test checks they agree)
NO_CHANGE_HEADERS = [
    ("Content-Length", "0"),
    ("Vary", "HX-Request, Cookie"),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "same-origin"),
    ("X-Frame-Options", "DENY"),
    ("Cache-Control", "no-store"),
]


class FastPoll:
    def __init__(self, wsgi_app, flask_app):
        self.wsgi_app = wsgi_app
        self.flask_app = flask_app

    def __call__(self, environ, start_response):
        if environ.get("REQUEST_METHOD") == "GET" and environ_wants_fragment(environ):
            match = STATUS_PATH.match(environ.get("PATH_INFO", ""))
            if match:
                have = parse_qs(environ.get("QUERY_STRING", "")).get("have", [""])[0]
                if have and self._unchanged(environ, match.group(1), have):
                    environ[ROUTE_KEY] = STATUS_RULE  # for the HTTP metrics, as if Flask had routed it
                    start_response("204 NO CONTENT", list(NO_CHANGE_HEADERS))
                    return []
        return self.wsgi_app(environ, start_response)

    def _unchanged(self, environ, public_id: str, have: str) -> bool:
        try:
            with self.flask_app.app_context():
                row = checkout_status.snapshot(public_id)
                if row is None:
                    return False
                if checkout_status.unchanged(row, have):
                    return True
        except Exception:
            # Whatever went wrong, Flask's path answers (and reports) it properly.
            log.debug("fast poll fell back to the route", exc_info=True)
            return False
        # Something changed or is due: the route takes over with what was just read.
        environ[SNAPSHOT_KEY] = (public_id, row)
        return False


def install(app) -> None:
    """Put the fast lane in front of ``app`` (called once, when the storefront registers)."""
    if app.config["FAST_POLL"]:
        app.wsgi_app = FastPoll(app.wsgi_app, app)
