"""The control API: what Midtrans's sandbox simulator lets a tester do, as JSON.

* ``GET  /simulator/transactions`` - newest first; filters ``order_id``, ``status``,
  ``payment_type``; ``limit`` (default 100).
* ``POST /simulator/transactions/<order_id or transaction_id>/<action>`` - ``settle``
  (the customer pays; cards go capture -> settlement), ``deny``, ``expire``, ``cancel``,
  ``approve``, ``refund`` (JSON body as the Core API refund, optional). ``settle`` accepts
  ``{"issuer": "dana"}`` for QRIS.
* ``GET  /simulator/notifications`` - every queued notification with its attempts;
  filters ``order_id``, ``transaction_id``, ``state``.
* ``GET/POST/DELETE /simulator/faults`` - read, change (partial JSON), reset.

No authentication: this is a sandbox tool, and the simulator must never be reachable
from the internet. HTML forms post to the same action URLs with a ``return_to`` field.
"""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify, redirect, request

from checkout import json_bodies

from . import clock, errors, faults, ledger, notifications, operations, payloads, runtime
from .auth import key_hint

bp = Blueprint("control", __name__, url_prefix="/simulator")

ACTIONS = ("settle", "deny", "expire", "cancel", "approve", "refund")


def control_view(tx: ledger.Transaction) -> dict:
    """A transaction as the control API shows it: Midtrans's fields plus the simulator's."""
    now = clock.now()
    conn = runtime.db()
    return {
        "status_code": payloads.status_code_of(tx),
        **payloads.transaction_fields(tx, ledger.refunds(conn, tx.id), now),
        "merchant_key": key_hint(tx.server_key),
        "notification_urls": tx.notify_urls,
        "snap_token": tx.snap_token,
        "charge_response_fields": tx.charge_fields,
    }


def _limit(default: int = 100) -> int:
    try:
        return max(1, min(int(request.args.get("limit", default)), 1000))
    except ValueError:
        return default


@bp.get("/transactions")
def transactions():
    conn = runtime.db()
    operations.expire_due(conn, clock.now())
    filters = {name: request.args[name] for name in ("order_id", "status", "payment_type") if name in request.args}
    return jsonify([control_view(tx) for tx in ledger.recent(conn, limit=_limit(), **filters)])


@bp.post("/transactions/<ident>/<action>")
def act(ident: str, action: str):
    if action not in ACTIONS:
        return jsonify(error=f"unknown action {action!r}; use one of {', '.join(ACTIONS)}"), 404
    conn, now = runtime.db(), clock.now()
    tx = ledger.find(conn, ident, None)
    if tx is None:
        return _done(jsonify(error=f"no transaction {ident!r}"), 404)
    tx = operations.expire_if_due(conn, tx, now)
    body = _json_or_none() if request.is_json else None
    try:
        tx = _run(conn, tx, action, now, body if isinstance(body, dict) else {})
    except errors.MidtransError as refusal:
        return _done(jsonify(error=refusal.message, status_code=refusal.status_code,
                             transaction_status=tx.status), 409)
    return _done(jsonify(control_view(tx)), 200)


def _run(conn, tx: ledger.Transaction, action: str, now: float, body: dict) -> ledger.Transaction:
    if action == "settle":
        issuer = body.get("issuer") or request.form.get("issuer") or None
        return operations.settle(conn, tx, now, issuer=issuer)
    if action == "deny":
        return operations.deny(conn, tx, now)
    if action == "approve":
        return operations.approve(conn, tx, now)
    if action == "refund":
        confirm = runtime.settings().refund_confirm_delay
        return operations.refund(conn, tx, body, now, direct=False, confirm_after=confirm)[0]
    return operations.apply(conn, tx, action, now)


def _done(response, status: int):
    """JSON for API callers; back to the page for the HTML forms (local paths only)."""
    target = request.form.get("return_to", "")
    if target.startswith(request.script_root + "/") and not target.startswith("//"):
        return redirect(target, code=303)
    return response, status


@bp.get("/notifications")
def notification_list():
    filters = {name: request.args[name] for name in ("order_id", "transaction_id", "state") if name in request.args}
    return jsonify(notifications.deliveries(runtime.db(), limit=_limit(200), **filters))


@bp.get("/faults")
def faults_get():
    return jsonify(faults.load(runtime.db()))


@bp.post("/faults")
def faults_set():
    changes = _json_or_none()
    try:
        return jsonify(faults.update(runtime.db(), changes))
    except faults.InvalidFaults as invalid:
        return jsonify(error="invalid fault switches", problems=invalid.problems), 400


@bp.delete("/faults")
def faults_reset():
    return jsonify(faults.reset(runtime.db()))


def _json_or_none() -> object:
    """The control endpoints' lenient reading: an unreadable body counts as no body."""
    try:
        return json_bodies.parse(request.get_data(cache=True), max_bytes=current_app.config["MAX_CONTENT_LENGTH"])
    except json_bodies.UnreadableBody:
        return None
