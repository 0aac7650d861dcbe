"""Snap API: ``POST /snap/v1/transactions`` -> 201 ``{token, redirect_url}``.

Snap validates less than the Core API (no order_id character set) and answers in its
own shape, ``{"error_messages": [...]}`` with real HTTP statuses. It creates no
transaction: that happens on the hosted page (``snap_pages.py``).
"""
from __future__ import annotations

import uuid

from flask import Blueprint, g, request

from . import clock, errors, ledger, notifications, runtime, snap_sessions
from .endpoints import SNAP, api, json_body
from .links import external_url
from .validation import Invalid, parse_expiry, parse_order

bp = Blueprint("snap", __name__, url_prefix="/snap/v1")

GROSS_REQUIRED = "transaction_details.gross_amount is required"


@bp.post("/transactions")
@api(shape=SNAP)
def create():
    body = json_body(snap=True)
    if body is None:
        body = {}
    if not isinstance(body, dict):
        raise errors.SnapError(400, ["There was a problem in the JSON you submitted"])
    now = clock.now()
    messages: list[str] = []
    order = None
    try:
        order = parse_order(body, strict_order_id=False, now=now)
    except Invalid as invalid:
        messages.extend(invalid.messages)
        if GROSS_REQUIRED in messages:
            # Snap reports a missing amount twice over, and clients match on either text.
            messages.insert(messages.index(GROSS_REQUIRED) + 1, "transaction_details.gross_amount is not a number")
    enabled = body.get("enabled_payments")
    if enabled is not None and (not isinstance(enabled, list) or not all(isinstance(x, str) for x in enabled)):
        messages.append("enabled_payments must be an array of strings")
        enabled = None
    offered = snap_sessions.expand_enabled(enabled)
    if not offered:
        messages.append("enabled_payments does not contain any payment method this account can use")
    callbacks = body.get("callbacks")
    if callbacks is not None and not isinstance(callbacks, dict):
        messages.append("callbacks must be an object")
    page_expires = _page_expiry(body, now, messages)
    if messages:
        raise errors.SnapError(400, messages)
    assert order is not None
    if ledger.order_id_taken(runtime.db(), g.server_key, order.order_id):
        raise errors.SnapError(400, ["transaction_details.order_id has already been taken"])

    token = str(uuid.uuid4())
    settings = runtime.settings()
    snap_sessions.create(runtime.db(), snap_sessions.SnapSession(
        token=token, server_key=g.server_key, merchant_id=settings.merchant_id, order_id=order.order_id,
        gross_amount=order.gross_amount, request=body, enabled=offered,
        notify_urls=notifications.target_urls(request.headers, settings.notification_url),
        created_at=now, expires_at=page_expires,
    ))
    return {"token": token, "redirect_url": external_url("snap_pages.page", token=token)}, 201


def _page_expiry(body: dict, now: float, messages: list[str]) -> float:
    """When the hosted page stops taking payments: ``page_expiry``, else ``expiry``, else 24 h."""
    page = body.get("page_expiry")
    if isinstance(page, dict):
        parsed = parse_expiry(page, "page_expiry", "start_time", "duration", now, messages)
        if parsed:
            return parsed[0] + parsed[1]
    elif page is not None:
        messages.append("page_expiry must be an object")
    expiry = body.get("expiry")
    if isinstance(expiry, dict):
        parsed = parse_expiry(expiry, "expiry", "start_time", "duration", now, messages)
        if parsed:
            return parsed[0] + parsed[1]
    elif expiry is not None:
        messages.append("expiry must be an object")
    return now + snap_sessions.DEFAULT_PAGE_EXPIRY
