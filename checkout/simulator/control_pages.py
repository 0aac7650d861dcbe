"""The control pages a person uses: the transaction list, the QRIS scanner, the pay page.

* ``/simulator/`` lists transactions with buttons to pay, deny, expire, cancel, refund.
* ``/simulator/qris`` pays a QRIS (or GoPay) transaction from its QR image URL or its QR
  string, as on Midtrans's sandbox simulator, where you paste the ``generate-qr-code``
  URL. A GoPay transaction paid this way is reported as ``qris``.
* ``/simulator/pay/<transaction_id>`` is where wallet deeplinks and pay-later redirects
  land: the customer's app, reduced to the amount, the merchant and "Pay" / "Cancel".
  Paying settles the transaction (the signed notification follows, as from Midtrans)
  and, like the GoPay and ShopeePay apps, sends the customer to the charge's
  ``callback_url``; cancelling leaves the transaction pending (the customer closed the
  app) and goes back there too.
"""
from __future__ import annotations

import re

from flask import Blueprint, abort, redirect, render_template, request, url_for

from . import clock, errors, ledger, notifications, operations, qris, runtime
from .money import display

bp = Blueprint("pages", __name__, url_prefix="/simulator")

APP_NAMES = {"gopay": "GoPay", "shopeepay": "ShopeePay", "akulaku": "Akulaku", "kredivo": "Kredivo"}
_QR_URL = re.compile(r"/v2/(?:qris|gopay)/([0-9a-fA-F-]{36})/qr-code")


@bp.get("/")
def index():
    conn = runtime.db()
    operations.expire_due(conn, clock.now())
    return render_template(
        "simulator/control.html", transactions=ledger.recent(conn, limit=100), display=display,
        deliveries=notifications.deliveries(conn, limit=20),
    )


@bp.route("/qris", methods=["GET", "POST"])
def qris_page():
    if request.method == "GET":
        return render_template("simulator/qris.html", message=None, ok=None)
    text = request.form.get("qr", "").strip()
    issuer = request.form.get("issuer", "").strip() or None
    tx, problem = _from_qr(text)
    if tx is None:
        return render_template("simulator/qris.html", message=problem, ok=False), 404
    conn = runtime.db()
    tx = operations.expire_if_due(conn, tx, clock.now())
    try:
        tx = operations.settle(conn, tx, clock.now(), via_qr=True, issuer=issuer)
    except errors.MidtransError:
        message = f"Payment failed: transaction {tx.order_id} is {tx.status}."
        return render_template("simulator/qris.html", message=message, ok=False), 409
    message = f"Payment of {display(tx.gross_amount)} for order {tx.order_id} succeeded."
    return render_template("simulator/qris.html", message=message, ok=True)


def _from_qr(text: str) -> tuple[ledger.Transaction | None, str]:
    """Find the transaction a pasted QR image URL or QR string stands for."""
    conn = runtime.db()
    match = _QR_URL.search(text)
    if match:
        tx = ledger.get(conn, match.group(1))
        return (tx, "") if tx else (None, "No transaction has that QR code.")
    if qris.verify_crc(text):
        try:
            reference = qris.parse(qris.parse(text).get("62", "")).get("05", "")
        except ValueError:
            reference = ""
        # Field 62/05 holds the transaction id without dashes, cut to EMVCo's 25 characters.
        row = conn.execute(
            "SELECT id FROM transactions WHERE replace(id, '-', '') LIKE ? || '%'", (reference,)
        ).fetchone() if len(reference) == 25 else None
        if row:
            return ledger.get(conn, row["id"]), ""
        return None, "No transaction has that QR code."
    return None, "Paste the QR code image URL (…/v2/qris/<id>/qr-code) or the QR string."


@bp.get("/pay/<transaction_id>")
def pay_page(transaction_id: str):
    return _app_page(_pay_transaction(transaction_id))


@bp.post("/pay/<transaction_id>/pay")
def app_pay(transaction_id: str):
    conn = runtime.db()
    tx = _pay_transaction(transaction_id)
    try:
        tx = operations.settle(conn, tx, clock.now())
    except errors.MidtransError:
        return _app_page(tx, message=f"This payment cannot be made: it is {tx.status}."), 409
    return _back_to_merchant(tx)


@bp.post("/pay/<transaction_id>/cancel")
def app_cancel(transaction_id: str):
    return _back_to_merchant(_pay_transaction(transaction_id))


def _pay_transaction(transaction_id: str) -> ledger.Transaction:
    conn = runtime.db()
    tx = ledger.get(conn, transaction_id)
    if tx is None:
        abort(404, "No such transaction.")
    return operations.expire_if_due(conn, tx, clock.now())


def _app_page(tx: ledger.Transaction, *, message: str | None = None):
    app_name = APP_NAMES.get(tx.payment_type, tx.payment_type.title())
    return render_template("simulator/pay.html", tx=tx, amount=display(tx.gross_amount), message=message, app_name=app_name,
                           merchant=tx.private.get("merchant_name") or runtime.settings().merchant_name,
                           callback_url=_callback(tx))


def _callback(tx: ledger.Transaction) -> str | None:
    url = tx.private.get("callback_url")
    return url if isinstance(url, str) and url.startswith(("https://", "http://")) else None


def _back_to_merchant(tx: ledger.Transaction):
    return redirect(_callback(tx) or url_for("pages.pay_page", transaction_id=tx.id), code=303)
