"""Midtrans's refusals, as exceptions, and the edge that turns them into responses.

Two shapes exist because Midtrans has two:

* Core API (``/v2/...``): a JSON body with a string ``status_code``, a
  ``status_message`` and an ``id``. Validation (400), key (401) and server trouble (5xx)
  also carry that status on the HTTP line; the business refusals (404, 406, 412, 414,
  411) come back as HTTP 200 and only the body says no. Clients must read both.
* Snap (``/snap/v1/...``): ``{"error_messages": [...]}`` with the real HTTP status.

Domain code raises; :func:`register_error_handlers` maps to HTTP at the edge, so no
Werkzeug HTML error page or traceback ever reaches a client of the API paths.
"""
from __future__ import annotations

import logging
import uuid

from flask import Flask, jsonify, request
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)

INVALID_PAYLOAD = "One or more parameters in the payload is invalid."


class MidtransError(Exception):
    """A Core API answer that is not what the caller hoped for."""

    def __init__(self, status_code: str, message: str, *, http_status: int = 200, **extra: object):
        super().__init__(f"{status_code} {message}")
        self.status_code = status_code
        self.message = message
        self.http_status = http_status
        self.extra = extra

    def body(self) -> dict:
        return {
            "status_code": self.status_code,
            "status_message": self.message,
            "id": str(uuid.uuid4()),
            **self.extra,
        }


class UnexpectedError(MidtransError):
    """What Midtrans answers to a ``null`` or empty charge body: a bare 500 ``message``."""

    def __init__(self) -> None:
        super().__init__("500", "An unexpected error occurred", http_status=500)

    def body(self) -> dict:
        return {"message": self.message}


class SnapError(Exception):
    """A Snap API refusal: real HTTP status, ``error_messages`` list."""

    def __init__(self, http_status: int, messages: list[str]):
        super().__init__("; ".join(messages))
        self.http_status = http_status
        self.messages = messages

    def body(self) -> dict:
        return {"error_messages": self.messages}


def validation(messages: list[str]) -> MidtransError:
    return MidtransError("400", INVALID_PAYLOAD, http_status=400, validation_messages=list(messages))


def unauthorized() -> MidtransError:
    return MidtransError("401", "Unknown Merchant server_key/id", http_status=401)


def client_key_unauthorized() -> MidtransError:
    return MidtransError(
        "401", "Access denied due to unauthorized transaction, please check client or server key",
        http_status=401,
    )


def not_found() -> MidtransError:
    return MidtransError("404", "Transaction doesn't exist.")


def duplicate_order_id() -> MidtransError:
    return MidtransError(
        "406",
        "The request could not be completed due to a conflict with the current state of the "
        "target resource, please try again",
    )


def duplicate_refund_key() -> MidtransError:
    return MidtransError("406", "Duplicate refund ID")


def token_invalid() -> MidtransError:
    return MidtransError("411", "Token id is missing, invalid, or timed out")


def cannot_modify() -> MidtransError:
    return MidtransError("412", "Merchant cannot modify the status of the transaction")


def invalid_refund_amount() -> MidtransError:
    return MidtransError("414", "Refund request is rejected due to invalid amount")


def server_error(code: int) -> MidtransError:
    """The 5xx bodies the fault switches serve (Midtrans's own wording)."""
    if code == 503:
        return MidtransError(
            "503", "Sorry, we are experiencing a temporary problem. Please try again later.",
            http_status=503,
        )
    return MidtransError(
        "500", "Sorry. Our system is recovering from unexpected issues. Please retry.",
        http_status=500,
    )


SNAP_UNAUTHORIZED = "Access denied due to unauthorized transaction, please check client or server key"


def is_snap_api_path(path: str) -> bool:
    return path.startswith("/snap/v1/")


def is_core_api_path(path: str) -> bool:
    return path.startswith("/v2/") or path == "/v2"


def register_error_handlers(app: Flask) -> None:
    """JSON for every error on every path: Midtrans's shapes on the API paths."""

    @app.errorhandler(MidtransError)
    def _midtrans(error: MidtransError):
        return jsonify(error.body()), error.http_status

    @app.errorhandler(SnapError)
    def _snap(error: SnapError):
        return jsonify(error.body()), error.http_status

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException):
        return _shaped(error.code or 500, error.description or error.name)

    @app.errorhandler(Exception)
    def _unhandled(error: Exception):
        # The message may hold request data, never keys: keys are not put in exceptions.
        log.exception("simulator error on %s %s", request.method, request.path)
        return _shaped(500, "An unexpected error occurred")


_CORE_TEXT = {
    404: "The requested resource is not found",
    405: "HTTP method is not allowed",
    413: "Request entity is too large",
}


def _shaped(code: int, description: str):
    path = request.path
    if is_snap_api_path(path):
        text = "An unexpected error occurred" if code >= 500 else _CORE_TEXT.get(code, description)
        return jsonify({"error_messages": [text]}), code
    if is_core_api_path(path):
        if code >= 500:
            return jsonify(UnexpectedError().body()), 500
        body = MidtransError(str(code), _CORE_TEXT.get(code, description), http_status=code).body()
        return jsonify(body), code
    return jsonify({"error": description}), code
