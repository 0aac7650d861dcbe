"""Every API failure in one shape: ``{"error": {"code", "message", "fields"}}``.

Domain errors keep their stable code and status; HTTP errors raised inside the API get a
fixed English message. Nothing here ever echoes a stack trace, a key or a secret.
"""
from __future__ import annotations

import logging

from flask import Blueprint, Response, jsonify
from werkzeug.exceptions import HTTPException

from checkout.error_pages import DATABASE_UNAVAILABLE, RETRY_AFTER_SECONDS
from checkout.errors import DomainError
from checkout.payments.transitions import RaceRetriesExhausted

log = logging.getLogger(__name__)

HTTP_MESSAGES = {
    400: ("bad_request", "The request could not be understood."),
    401: ("unauthorized", "Send a valid API key as 'Authorization: Bearer <key>'."),
    403: ("forbidden", "This key may not do that."),
    404: ("not_found", "No such resource."),
    405: ("method_not_allowed", "That method is not allowed on this resource."),
    409: ("conflict", "The request conflicts with the current state."),
    413: ("payload_too_large", "The request body is too large."),
    415: ("unsupported_media_type", "Send the body as application/json."),
    429: ("rate_limited", "Too many requests for this API key; slow down."),
    500: ("internal_error", "Something went wrong on our side. Retry with the same Idempotency-Key."),
    503: ("service_unavailable", "The service is unavailable right now; retry shortly."),
}


class ApiError(DomainError):
    """An error raised by the API layer itself (auth, parsing, idempotency)."""

    def __init__(self, status: int, code: str, message: str, *, fields: dict | None = None,
                 headers: dict | None = None):
        super().__init__(message, code=code, fields=fields)
        self.http_status = status
        self.headers = headers or {}


def error_body(code: str, message: str, fields: dict | None = None) -> dict:
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


def json_error(status: int, code: str, message: str, fields: dict | None = None,
               headers: dict | None = None) -> Response:
    response = jsonify(error_body(code, message, fields))
    response.status_code = status
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def response_for(exc: Exception) -> Response:
    """The JSON response for any exception an API view may raise (used by handlers and idempotency)."""
    if isinstance(exc, ApiError):
        return json_error(exc.http_status, exc.code, exc.message, exc.fields, exc.headers)
    if isinstance(exc, DomainError):
        return json_error(exc.http_status, exc.code, str(exc.message), exc.fields)
    if isinstance(exc, RaceRetriesExhausted):
        return json_error(503, "busy", "The session is changing right now; retry with the same Idempotency-Key.",
                          headers={"Retry-After": "1"})
    if isinstance(exc, HTTPException):
        status = exc.code or 500
        code, message = HTTP_MESSAGES.get(status, (f"http_{status}", "The request failed."))
        response = json_error(status, code, message)
        if status == 429:
            retry = getattr(exc, "retry_after", None)
            if retry:
                response.headers["Retry-After"] = str(retry)
        if status == 405 and getattr(exc, "valid_methods", None):
            response.headers["Allow"] = ", ".join(exc.valid_methods)
        return response
    if isinstance(exc, DATABASE_UNAVAILABLE):
        log.warning("API: database unavailable (%s)", type(exc).__name__)
        return json_error(503, "database_unavailable", "Temporarily unavailable; retry shortly.",
                          headers={"Retry-After": str(RETRY_AFTER_SECONDS)})
    log.exception("unhandled error in the API")
    code, message = HTTP_MESSAGES[500]
    return json_error(500, code, message)


def init_blueprint(bp: Blueprint) -> None:
    bp.register_error_handler(DomainError, response_for)
    bp.register_error_handler(HTTPException, response_for)
    bp.register_error_handler(Exception, response_for)
