"""The path every API call takes, in Midtrans's order of events.

1. Fault switches: an armed 500/503 answers at once (nothing is processed); an armed
   timeout lets the call be processed, then stalls the answer.
2. Authentication (server key, HTTP Basic), where the endpoint needs it.
3. ``Idempotency-Key`` (Core API POSTs): replay, 202 while in flight, or claim.
4. The view. Midtrans refusals raised by it become responses here, so the idempotency
   step sees them and releases the key.
5. The stall of an armed timeout: inside the in-flight window, as a slow Midtrans
   would be, so a repeat with the same key meanwhile gets 202.
"""
from __future__ import annotations

import time
from functools import wraps
from typing import Callable

from flask import Response, g, jsonify, make_response, request

from checkout import json_bodies

from . import auth, clock, errors, faults, idempotency, runtime

CORE, SNAP = "core", "snap"


def api(*, shape: str = CORE, authenticate: bool = True, idempotent: bool = False) -> Callable:
    """Wrap an API view: faults, server key, Idempotency-Key, Midtrans-shaped refusals."""

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(**kwargs) -> Response:
            conn = runtime.db()
            failure = faults.take_api_failure(conn)
            if failure in ("500", "503"):
                return _error_response(errors.server_error(int(failure)), shape)
            stall = float(faults.load(conn)["timeout_seconds"]) if failure == "timeout" else 0.0
            key = request.headers.get("Idempotency-Key", "").strip() if idempotent else ""
            try:
                if authenticate:
                    g.server_key = _server_key(shape)
                if idempotency.usable(key):
                    return _idempotent_call(conn, view, kwargs, shape, key, stall)
                response = _call(view, kwargs, shape)
            except (errors.MidtransError, errors.SnapError) as refusal:  # refused before the view ran
                response = _error_response(refusal, shape)
            _sleep(stall)
            return response

        return wrapper

    return decorate


def _server_key(shape: str) -> str:
    key = auth.server_key()
    if key is None:
        raise errors.SnapError(401, [errors.SNAP_UNAUTHORIZED]) if shape == SNAP else errors.unauthorized()
    return key


def _idempotent_call(conn, view, kwargs, shape: str, key: str, stall: float) -> Response:
    outcome = idempotency.claim(conn, g.server_key, key, clock.now(), runtime.settings().idempotency_ttl)
    if isinstance(outcome, idempotency.Replay):
        response = Response(outcome.body, status=outcome.http_status, mimetype="application/json")
    elif outcome is idempotency.IN_FLIGHT:
        response = make_response(jsonify(idempotency.IN_FLIGHT_BODY), 202)
    else:
        try:
            response = _call(view, kwargs, shape)
            _sleep(stall)  # still "processing": a repeat meanwhile gets 202
        except BaseException:
            idempotency.release(conn, g.server_key, key)
            raise
        idempotency.settle(conn, g.server_key, key, response)
        return response
    _sleep(stall)
    return response


def _call(view, kwargs, shape) -> Response:
    try:
        return make_response(view(**kwargs))
    except (errors.MidtransError, errors.SnapError) as error:
        return _error_response(error, shape)


def _error_response(error: Exception, shape: str) -> Response:
    if isinstance(error, errors.MidtransError) and shape == SNAP:
        # A Core-style refusal inside a Snap call: Snap speaks in error_messages.
        messages = error.extra.get("validation_messages") or [error.message]
        error = errors.SnapError(error.http_status if error.http_status >= 400 else 400, list(messages))
    return make_response(jsonify(error.body()), error.http_status)


def _sleep(seconds: float) -> None:
    if seconds > 0:
        time.sleep(seconds)


def json_body(*, snap: bool = False) -> object:
    """The request's JSON, ``None`` for an empty body or ``null``; raises 400 if unreadable."""
    data = request.get_data(cache=True)
    if not data.strip():
        return None
    try:
        return json_bodies.parse(data, max_bytes=len(data))  # the size cap is MAX_CONTENT_LENGTH's
    except json_bodies.UnreadableBody:
        if snap:
            raise errors.SnapError(400, ["There was a problem in the JSON you submitted"]) from None
        raise errors.validation(["the request body is not valid JSON"]) from None
