"""Card side of the sandbox: ``GET /v2/token``, ``GET /v2/card/register``, the 3DS page.

Token calls authenticate with the client key in the query string, as Midtrans.js does
from a browser; HTTP Basic is not needed (and ignored if a client sends it anyway, as
the official python client does).

The 3DS page stands in for the issuer's: OTP 112233 authenticates, anything else fails
authentication (the transaction is denied). Afterwards the customer goes back to the
Snap page's callback, or to ``credit_card.callback_url`` of a Core API charge, with
Midtrans's ``order_id``/``status_code``/``transaction_status`` parameters.
"""
from __future__ import annotations

import uuid

from flask import Blueprint, abort, redirect, render_template, request, url_for

from . import cards, clock, errors, ledger, operations, payloads, runtime, snap_sessions
from .auth import client_key_ok
from .endpoints import api
from .links import with_query
from .money import display

bp = Blueprint("cards", __name__, url_prefix="/v2")


def _client_key() -> str:
    key = request.args.get("client_key", "")
    if not client_key_ok(key):
        raise errors.client_key_unauthorized()
    return key


@bp.get("/token")
@api(authenticate=False)
def token():
    client_key = _client_key()
    now = clock.now()
    saved = request.args.get("token_id")
    if saved:
        # Two-click: a saved card plus a fresh CVV buys a one-time token.
        cvv = request.args.get("card_cvv", "")
        if not (cvv.isdigit() and len(cvv) in (3, 4)):
            raise errors.validation(["card_cvv is invalid"])
        card = cards.issue_from_saved(runtime.db(), client_key, saved, now=now)
        if card is None:
            raise errors.token_invalid()
    else:
        number, problems = cards.check_card(request.args, need_cvv=True, now=now)
        if problems:
            raise errors.validation(problems)
        card = cards.issue(runtime.db(), client_key, number, reusable=False, now=now)
    return {"status_code": "200", "status_message": "OK, success request new token", "token_id": card.token}


@bp.get("/card/register")
@api(authenticate=False)
def register():
    client_key = _client_key()
    number, problems = cards.check_card(request.args, need_cvv=False, now=clock.now())
    if problems:
        raise errors.validation(problems)
    card = cards.issue(runtime.db(), client_key, number, reusable=True, now=clock.now())
    return {"status_code": "200", "saved_token_id": card.token, "transaction_id": str(uuid.uuid4()),
            "masked_card": card.masked_card}


@bp.route("/3ds/<transaction_id>", methods=["GET", "POST"])
def three_ds(transaction_id: str):
    conn = runtime.db()
    tx = ledger.get(conn, transaction_id)
    if tx is None or tx.payment_type != ledger.CARD:
        abort(404, "No card payment awaits authentication here.")
    tx = operations.expire_if_due(conn, tx, clock.now())
    if request.method == "GET" or tx.status != "pending":
        return render_template("simulator/three_ds.html", tx=tx, amount=display(tx.gross_amount), otp=cards.OTP,
                               back_url=_back_url(tx))
    authenticated = request.form.get("action") != "cancel" and request.form.get("otp", "").strip() == cards.OTP
    tx = operations.complete_3ds(conn, tx, clock.now(), authenticated=authenticated)
    return redirect(_back_url(tx) or url_for("cards.three_ds", transaction_id=tx.id), code=303)


def _back_url(tx: ledger.Transaction) -> str | None:
    """Where the customer goes once 3DS is over; None keeps them on the result page."""
    if tx.status == "pending":
        return None
    if tx.snap_token:
        session = snap_sessions.get(runtime.db(), tx.snap_token)
        if session is not None:
            return session.return_url(tx) or url_for("snap_pages.page", token=session.token)
    callback = tx.private.get("callback_url")
    if not callback:
        return None
    return with_query(callback, {
        "order_id": tx.order_id, "status_code": payloads.status_code_of(tx, notification=True),
        "transaction_status": tx.status, "transaction_id": tx.id,
    })
