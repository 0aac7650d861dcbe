"""Domain errors carry a stable code; the edges (pages, API, webhooks) map them to HTTP."""
from __future__ import annotations


class DomainError(Exception):
    code = "domain_error"
    http_status = 400

    def __init__(self, message: str, *, code: str | None = None, fields: dict | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.fields = fields or {}


class NotFound(DomainError):
    code = "not_found"
    http_status = 404


class InvalidRequest(DomainError):
    code = "invalid_request"
    http_status = 422


class Conflict(DomainError):
    code = "conflict"
    http_status = 409


class NotAllowed(DomainError):
    code = "not_allowed"
    http_status = 409


class PaymentUnavailable(DomainError):
    """The gateway could not be reached or answered with a temporary failure."""

    code = "gateway_unavailable"
    http_status = 503
