"""What every log line of the current request or job carries: request id, order, attempt.

Context variables, not ``flask.g``: the status poll's fast lane and gunicorn's own
threads log outside Flask's request context, and commands have no request at all. The
request middleware resets them at the start of every request (gunicorn's threads are
reused, so a previous request's order must never leak into the next one's lines).
"""
from __future__ import annotations

import contextvars
import os

request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("checkout_request_id", default=None)
order_reference: contextvars.ContextVar[str | None] = contextvars.ContextVar("checkout_order_reference",
                                                                            default=None)
attempt_id: contextvars.ContextVar[int | None] = contextvars.ContextVar("checkout_attempt_id", default=None)

MAX_REQUEST_ID = 128


def start(new_request_id: str | None) -> None:
    """Begin a fresh context (a request, or one job of a command)."""
    request_id.set(new_request_id)
    order_reference.set(None)
    attempt_id.set(None)


def bind(*, order: str | None = None, attempt: int | None = None) -> None:
    """Name the order reference and/or attempt id that the following lines are about."""
    if order is not None:
        order_reference.set(str(order))
    if attempt is not None:
        attempt_id.set(int(attempt))


def bind_attempt(attempt) -> None:
    """Bind a PaymentAttempt (and the reference of its order, from its Midtrans order id)."""
    bind(attempt=attempt.id, order=attempt.midtrans_order_id.rsplit("-", 1)[0])


def new_request_id() -> str:
    """32 random hex digits (os.urandom directly: a fifth of uuid4's cost, on every request)."""
    return os.urandom(16).hex()


def is_well_formed(value: str | None) -> bool:
    """A proxy's X-Request-ID is kept only if it is short, printable ASCII without spaces."""
    return bool(value) and len(value) <= MAX_REQUEST_ID and all(33 <= ord(ch) <= 126 for ch in value)


def fields() -> dict:
    return {"request_id": request_id.get(), "order_reference": order_reference.get(),
            "attempt_id": attempt_id.get()}
