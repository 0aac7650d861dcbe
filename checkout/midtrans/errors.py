"""What can go wrong talking to Midtrans. Messages are safe to show: no keys, no bodies."""
from __future__ import annotations


class GatewayError(Exception):
    """Base class. ``code`` is Midtrans's status_code (or our own for transport trouble)."""

    retryable = False

    def __init__(self, message: str, *, code: str | None = None, http_status: int | None = None,
                 messages: list[str] | None = None):
        super().__init__(message)
        self.message = message
        self.code = code
        self.http_status = http_status
        self.messages = messages or []


class GatewayUnavailable(GatewayError):
    """Timeout, connection failure, 5xx or 429: try again later."""

    retryable = True


class GatewayAuthError(GatewayError):
    """401: the server key is wrong or belongs to the other environment."""


class GatewayRejected(GatewayError):
    """Midtrans understood and refused (400 validation, 402, 406, 412, 414...)."""


class GatewayInFlight(GatewayUnavailable):
    """202 to a repeated Idempotency-Key: the first request is still running."""
