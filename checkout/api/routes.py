"""/api/v1: checkout sessions for the shop's backend. Thin: parse, call a service, answer JSON.

Every active key sees every session of the shop: there is one shop per installation, and
keys exist to tell the shop's systems apart in the audit trail and to limit what each may
do (scopes), not to fence data off.
"""
from __future__ import annotations

import hashlib

from flask import jsonify, request
from sqlalchemy import select

from checkout import shop_settings
from checkout.api_keys import READ, REFUND, WRITE
from checkout.api import auth, bp, idempotency, validation
from checkout.api.errors import ApiError
from checkout.api.openapi import document
from checkout.api.return_urls import is_allowed
from checkout.errors import InvalidRequest, NotFound
from checkout.extensions import db
from checkout.models import Order
from checkout.observability import context as log_context
from checkout.payments import cancellation, orders, refunds
from checkout.payments.states import OrderStatus
from checkout.sessions_view import session_representation

DEFAULT_PAGE = 20
MAX_PAGE = 100


@bp.get("/openapi.json")
def openapi():
    return jsonify(document())


@bp.post("/checkout-sessions")
@auth.requires(WRITE)
@idempotency.idempotent
def create_session():
    new = validation.parse_new_session(validation.json_body())
    _check_return_urls(new)
    _check_methods(new.allowed_methods)
    caller = auth.caller()
    order = orders.create_order(
        items=new.items, description=new.description, reference=new.reference, total=new.total,
        customer=new.customer, expires_in_minutes=new.expires_in_minutes, allowed_methods=new.allowed_methods,
        success_url=new.success_url, cancel_url=new.cancel_url, metadata=new.metadata, api_key_id=caller.id,
        actor=caller.actor,
    )
    return jsonify(session_representation(order)), 201


@bp.get("/checkout-sessions/<session_id>")
@auth.requires(READ)
def get_session(session_id: str):
    return jsonify(session_representation(_find(session_id)))


@bp.get("/checkout-sessions")
@auth.requires(READ)
def list_sessions():
    limit = _limit(request.args.get("limit"))
    query = select(Order).order_by(Order.id.desc()).limit(limit + 1)
    reference = request.args.get("reference")
    if reference:
        if not _storable(reference):
            return jsonify({"object": "list", "data": [], "has_more": False})
        query = query.where(Order.reference == reference)
    status = request.args.get("status")
    if status:
        if status not in {s.value for s in OrderStatus}:
            raise ApiError(422, "invalid_request", "Unknown status.", fields={"status": "Unknown status."})
        query = query.where(Order.status == status)
    after = request.args.get("starting_after")
    if after:
        cursor = db.session.scalar(select(Order.id).where(Order.public_id == after)) if _storable(after) else None
        if cursor is None:
            raise ApiError(422, "invalid_request", "starting_after names no session.",
                           fields={"starting_after": "Unknown session id."})
        query = query.where(Order.id < cursor)
    found = list(db.session.scalars(query))
    return jsonify({"object": "list", "data": [session_representation(o) for o in found[:limit]],
                    "has_more": len(found) > limit})


@bp.post("/checkout-sessions/<session_id>/cancel")
@auth.requires(WRITE)
@idempotency.idempotent
def cancel_session(session_id: str):
    reason = validation.parse_cancel(validation.json_body(allow_empty=True))
    order = _find(session_id)
    cancellation.cancel_open_order(order, actor=auth.caller().actor, reason=reason or "cancelled over the API")
    return jsonify(session_representation(order))


@bp.post("/checkout-sessions/<session_id>/refunds")
@auth.requires(REFUND)
@idempotency.idempotent
def refund_session(session_id: str):
    wanted = validation.parse_refund(validation.json_body(allow_empty=True))
    order = _find(session_id)
    caller = auth.caller()
    refund_key = _refund_key(caller.id)
    amount = refunds.refund_order(order, amount=wanted.amount, reason=wanted.reason or "refund requested over the API",
                                  actor=caller.actor, refund_key=refund_key)
    db.session.refresh(order)
    return jsonify({"object": "refund", "amount": amount, "refund_key": refund_key,
                    "session": session_representation(order)}), 201


def _storable(text: str) -> bool:
    """False for text no stored value can equal (PostgreSQL refuses NUL in a query, too)."""
    return "\x00" not in text


def _find(session_id: str) -> Order:
    order = db.session.scalar(select(Order).where(Order.public_id == session_id)) if _storable(session_id) else None
    if order is None:
        raise NotFound("No checkout session with that id.", code="session_not_found")
    log_context.bind(order=order.reference)
    return order


def _limit(raw: str | None) -> int:
    if raw is None or raw == "":
        return DEFAULT_PAGE
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_PAGE:
        raise ApiError(422, "invalid_request", f"limit must be between 1 and {MAX_PAGE}.",
                       fields={"limit": f"Between 1 and {MAX_PAGE}."})
    return int(raw)


def _check_return_urls(new: validation.NewSession) -> None:
    allowlist = shop_settings.current().return_url_allowlist
    fields = {name: "Not under any allowlisted return URL prefix (see the admin settings)."
              for name, url in (("success_url", new.success_url), ("cancel_url", new.cancel_url))
              if url is not None and not is_allowed(url, allowlist)}
    if fields:
        raise InvalidRequest("Return URLs must start with one of the shop's allowlisted URLs.",
                             code="return_url_not_allowed", fields=fields)


def _check_methods(requested: list[str] | None) -> None:
    settings = shop_settings.current()
    enabled = {m for m, on in (("qris", settings.qris_enabled), ("snap", settings.snap_enabled)) if on}
    if requested is not None and not enabled.intersection(requested):
        raise InvalidRequest("None of the requested payment methods is enabled in this shop.",
                             code="methods_unavailable",
                             fields={"allowed_methods": "Enabled: " + (", ".join(sorted(enabled)) or "none") + "."})


def _refund_key(api_key_id: int) -> str | None:
    """The same Idempotency-Key gives the same refund_key, so Midtrans dedupes retries too."""
    key = idempotency.current_key()
    if key is None:
        return None
    return "rf-api-" + hashlib.sha256(f"{api_key_id}:{key}".encode()).hexdigest()[:32]
