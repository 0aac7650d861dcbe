"""The hosted Snap page: pick a method, see how to pay, pay or give up, go back.

Plain server-rendered HTML and forms that POST and answer 303, so a browser can click
through it and a test can drive it with ``requests``. The "I have paid" button plays
the customer's bank or wallet (it settles the transaction, which notifies the merchant);
a card goes through the simulator's 3DS page first, as Snap's card form does.
"""
from __future__ import annotations

from datetime import datetime

from flask import Blueprint, abort, redirect, render_template, request, url_for

from . import cards, clock, errors, ledger, operations, runtime, snap_sessions
from .api_core import charge_context
from .charges import charge
from .money import display
from .snap_sessions import SnapSession
from .store import write

bp = Blueprint("snap_pages", __name__, url_prefix="/snap/v2/vtweb")


def _session(token: str) -> SnapSession:
    session = snap_sessions.get(runtime.db(), token)
    if session is None:
        abort(404, "This payment page does not exist.")
    return session


def _transaction(session: SnapSession) -> ledger.Transaction | None:
    if session.transaction_id is None:
        return None
    conn = runtime.db()
    tx = ledger.get(conn, session.transaction_id)
    return operations.expire_if_due(conn, tx, clock.now()) if tx else None


def _render(session: SnapSession, *, error: str | None = None, status: int = 200):
    tx = _transaction(session)
    return render_template(
        "simulator/snap_page.html", session=session, tx=tx, error=error, amount=display(session.gross_amount),
        expired=session.expired(clock.now()), labels=snap_sessions.LABELS, return_url=session.return_url(tx),
        qr_url=_qr_url(tx), card_year=datetime.fromtimestamp(clock.now(), clock.JAKARTA).year + 5,
    ), status


def _qr_url(tx: ledger.Transaction | None) -> str | None:
    if tx is None or not tx.private.get("qr_string"):
        return None
    kind = "gopay" if tx.payment_type == "gopay" else "qris"
    return url_for("core.qr_code", kind=kind, transaction_id=tx.id)


def _back(session: SnapSession, tx: ledger.Transaction | None):
    """To the merchant's callback if there is one, else back to this page (303 either way)."""
    target = session.return_url(tx) or url_for("snap_pages.page", token=session.token)
    return redirect(target, code=303)


@bp.get("/<token>")
def page(token: str):
    return _render(_session(token))


@bp.post("/<token>/pay")
def pay(token: str):
    """The customer picked a method: create the transaction behind this page."""
    session = _session(token)
    method = request.form.get("method", "")
    if session.transaction_id is not None:
        return redirect(url_for("snap_pages.page", token=token), code=303)
    if session.expired(clock.now()):
        return _render(session, error="This payment page has expired.", status=410)
    if method not in session.enabled:
        return _render(session, error="That payment method is not available here.", status=400)
    body = session.charge_body(method)
    conn = runtime.db()
    if method == "credit_card":
        number, problems = cards.check_card(request.form, need_cvv=True, now=clock.now())
        if problems:
            return _render(session, error="; ".join(problems), status=400)
        card = cards.issue(conn, "snap", number, reusable=False, now=clock.now())
        body["credit_card"] = {"token_id": card.token, "authentication": True}
    context = charge_context(session.server_key, snap_token=token, notify_urls=session.notify_urls)
    try:
        with write(conn):
            tx, _message = charge(conn, body, context)
            snap_sessions.attach(conn, token, tx.id)
    except errors.MidtransError as refusal:
        if refusal.status_code == "406":
            return _render(session, error="transaction_details.order_id has already been taken", status=409)
        messages = refusal.extra.get("validation_messages") or [refusal.message]
        return _render(session, error="; ".join(messages), status=400)
    if method == "credit_card" and tx.status == "pending":  # on to the card's 3DS page
        return redirect(url_for("cards.three_ds", transaction_id=tx.id), code=303)
    return redirect(url_for("snap_pages.page", token=token), code=303)


@bp.post("/<token>/simulate-payment")
def simulate_payment(token: str):
    """The customer pays at their bank, wallet or store counter."""
    session = _session(token)
    tx = _transaction(session)
    if tx is None or tx.status != "pending":
        return _render(session, error="There is no pending payment to pay.", status=409)
    tx = operations.settle(runtime.db(), tx, clock.now())
    return _back(session, tx)


@bp.post("/<token>/cancel")
def cancel(token: str):
    """The customer gives up: a pending transaction is cancelled, then back to the merchant."""
    session = _session(token)
    tx = _transaction(session)
    if tx is not None and tx.status == "pending":
        tx = operations.apply(runtime.db(), tx, "cancel", clock.now())
    return _back(session, tx)


@bp.post("/<token>/finish")
def finish(token: str):
    """"Back to merchant": leave the page with whatever state the transaction is in."""
    session = _session(token)
    return _back(session, _transaction(session))
