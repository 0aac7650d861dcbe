"""Errors at the edge: JSON for machines (/api, /webhooks), a page that keeps the glow for people.

Never a stack trace, never a secret: the handlers show fixed, translated texts only.
"""
from __future__ import annotations

import logging
import sqlite3

import psycopg

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException

from checkout.htmx import is_fragment_request

log = logging.getLogger(__name__)
# The database is down, restarting or saturated: temporary, so 503 and "come back soon".
# The drivers' own classes too: raw-connection reads (the status poll) are not wrapped.
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError, DisconnectionError, PoolTimeout,
                        sqlite3.OperationalError, psycopg.OperationalError, psycopg.InterfaceError)
RETRY_AFTER_SECONDS = 5

MESSAGES = {
    400: lambda: _("The request could not be understood."),
    403: lambda: _("You are not allowed to do that."),
    404: lambda: _("We could not find that page. Check the link you were given."),
    405: lambda: _("That action is not available here."),
    413: lambda: _("That request is too large."),
    429: lambda: _("Too many attempts. Please wait a moment and try again."),
    500: lambda: _("Something went wrong on our side. Nothing was charged twice; please try again."),
    503: lambda: _("The payment service is unavailable right now. Please try again shortly."),
}


def _machine_path() -> bool:
    return request.path.startswith(("/api/", "/webhooks/"))


def error_response(status: int, code: str, message: str | None = None):
    message = message or MESSAGES.get(status, MESSAGES[500])()
    if _machine_path():
        return jsonify({"error": {"code": code, "message": message, "fields": {}}}), status
    template = "errors/_error.html" if is_fragment_request() else "errors/error.html"
    return render_template(template, status=status, message=message), status


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def _csrf(exc):
        return error_response(400, "csrf_failed", _("Your session expired or the form is stale. Reload the page and try again."))

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        status = exc.code or 500
        code = (exc.name or "error").lower().replace(" ", "_")
        message = None
        if status == 429:
            retry = getattr(exc, "retry_after", None)
            message = _("Too many attempts. Please try again in %(seconds)s seconds.", seconds=retry) if retry else None
        body, status = error_response(status, code, message)
        if status == 405 and getattr(exc, "valid_methods", None):
            # RFC 9110: a 405 names the methods the resource does support.
            return body, status, {"Allow": ", ".join(exc.valid_methods)}
        return body, status

    def _database_unavailable(exc: Exception):
        from checkout.extensions import db

        try:
            db.session.rollback()
        except Exception:  # noqa: BLE001 - the connection may be gone; nothing left to undo
            pass
        # The class name only: a driver's message can name hosts and users.
        log.warning("database unavailable on %s %s (%s)", request.method, request.path, type(exc).__name__)
        body, status = error_response(503, "database_unavailable")
        return body, status, {"Retry-After": str(RETRY_AFTER_SECONDS)}

    for exc_class in DATABASE_UNAVAILABLE:
        app.register_error_handler(exc_class, _database_unavailable)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        log.exception("unhandled error on %s %s", request.method, request.path)
        return error_response(500, "internal_error")
