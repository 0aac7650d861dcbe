"""Core API: ``/v2/charge``, Get Status, the transaction actions and QR images.

``<ident>`` is an order_id or a transaction_id, as at Midtrans. Every lookup is scoped
to the calling server key and expires a pending transaction that is past due before
answering (the background sweeper does the same for transactions nobody asks about).
"""
from __future__ import annotations

from flask import Blueprint, Response, g, request

from . import charges, clock, errors, ledger, notifications, operations, payloads, qris, runtime
from .endpoints import api, json_body
from .ledger import Transaction
from .links import external_url

bp = Blueprint("core", __name__, url_prefix="/v2")


def charge_context(server_key: str, *, snap_token: str | None = None, notify_urls: list[str] | None = None) -> charges.Context:
    settings = runtime.settings()
    if notify_urls is None:
        notify_urls = notifications.target_urls(request.headers, settings.notification_url)
    return charges.Context(
        server_key=server_key, merchant_id=settings.merchant_id, merchant_name=settings.merchant_name,
        merchant_city=settings.merchant_city, notify_urls=notify_urls, now=clock.now(),
        link=external_url, snap_token=snap_token,
    )


def load(ident: str) -> Transaction:
    """The caller's transaction named ``ident``, expired first if it is past due."""
    conn = runtime.db()
    tx = ledger.find(conn, ident, g.server_key)
    if tx is None:
        raise errors.not_found()
    return operations.expire_if_due(conn, tx, clock.now())


def _answer(tx: Transaction, code: str, message: str) -> dict:
    return payloads.answer(tx, code, message, ledger.refunds(runtime.db(), tx.id), clock.now())


@bp.post("/charge")
@api(idempotent=True)
def charge():
    tx, message = charges.charge(runtime.db(), json_body(), charge_context(g.server_key))
    return payloads.charge_answer(tx, message, clock.now())


@bp.get("/<ident>/status")
@api()
def status(ident: str):
    tx = load(ident)
    return payloads.status_answer(tx, ledger.refunds(runtime.db(), tx.id), clock.now())


@bp.post("/<ident>/cancel")
@api(idempotent=True)
def cancel(ident: str):
    tx = operations.apply(runtime.db(), load(ident), "cancel", clock.now())
    return _answer(tx, "200", "Success, transaction is canceled")


@bp.post("/<ident>/expire")
@api(idempotent=True)
def expire(ident: str):
    tx = operations.apply(runtime.db(), load(ident), "expire", clock.now())
    return _answer(tx, "407", "Success, transaction has expired")


@bp.post("/<ident>/approve")
@api(idempotent=True)
def approve(ident: str):
    tx = operations.approve(runtime.db(), load(ident), clock.now())
    return _answer(tx, "200", "Success, transaction is approved")


@bp.post("/<ident>/deny")
@api(idempotent=True)
def deny(ident: str):
    tx = load(ident)
    if not (tx.status == "capture" and tx.fraud_status == "challenge"):
        raise errors.cannot_modify()  # only a challenged capture awaits the merchant's decision
    tx = operations.deny(runtime.db(), tx, clock.now())
    return _answer(tx, "200", "Success, transaction is denied")


@bp.post("/<ident>/refund")
@api(idempotent=True)
def refund(ident: str):
    return _refund(ident, direct=False)


@bp.post("/<ident>/refund/online/direct")
@api(idempotent=True)
def refund_direct(ident: str):
    return _refund(ident, direct=True)


def _refund(ident: str, *, direct: bool) -> dict:
    tx = load(ident)
    body = json_body()
    tx, refund_id = operations.refund(
        runtime.db(), tx, body, clock.now(), direct=direct,
        confirm_after=runtime.settings().refund_confirm_delay,
    )
    row = next(r for r in ledger.refunds(runtime.db(), tx.id) if r["id"] == refund_id)
    message = "Success, refund request is approved by the bank" if direct else "Success, refund request is approved"
    body = _answer(tx, "200", message)
    body.update(refund_chargeback_id=refund_id, refund_key=row["refund_key"])
    return body


@bp.get("/<any(qris, gopay):kind>/<transaction_id>/qr-code")
@api(authenticate=False)
def qr_code(kind: str, transaction_id: str):
    """The ``generate-qr-code`` action: a PNG anyone holding the URL may fetch."""
    tx = ledger.get(runtime.db(), transaction_id)
    payload = tx.private.get("qr_string") if tx else None
    if not payload:
        raise errors.MidtransError("404", "The requested resource is not found", http_status=404)
    return Response(qris.png(payload), mimetype="image/png", headers={"Cache-Control": "no-store"})
