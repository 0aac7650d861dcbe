"""The checkout link's routes. Thin: they parse, call a payment service, render.

Contracts (each also works without JavaScript: forms POST and 303 back to the page):
* ``GET  /pay/<id>``                   the page (the fragment for htmx).
* ``GET  /pay/<id>/status[?have=KEY]`` the poll: the ``#payment`` fragment, or 204 when
                                       htmx says it shows KEY and nothing changed; the
                                       whole page without HX-Request. Not rate limited.
* ``POST /pay/<id>/qris``              show the live QR, or charge a new one.
* ``POST /pay/<id>/snap``              send the customer to Snap (HX-Redirect or 303).
* ``GET  /pay/<id>/cancel``            "cancel this payment?": the confirmation step.
* ``POST /pay/<id>/cancel``            cancel the live attempt (at Midtrans too); the order stays
                                       open, so the customer may choose a method again.
* ``POST /pay/<id>/check``             "I have paid": one status check now (rate limited).
* ``GET  /pay/<id>/return``            Snap's finish URL: its query is ignored; 303 to the page,
                                       which confirms with Midtrans before offering anything.
* ``POST /pay/<id>/app/<wallet>``      pay in the GoPay/ShopeePay app: a plain form whose
                                       303 sends the tapping browser to Midtrans's deeplink.
* ``GET  /pay/<id>/attempts/<n>/qr.png`` the QR picture; ``.../qr-download.png`` the same
                                       picture as a download named after the shop and amount.
422 (refused), 429 (slow down) and 503 (Midtrans unavailable) answer with the same
fragment carrying a notice, so htmx swaps it into the card.
"""
from __future__ import annotations

from flask import Response, abort, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from checkout import shop_settings
from checkout.errors import DomainError, PaymentUnavailable
from checkout.extensions import db, limiter
from checkout.htmx import is_fragment_request, no_change, redirect_to, render
from checkout.models import Order, PaymentAttempt
from checkout.payments.app_checkout import start_app_payment
from checkout.payments.orders import remember_customer_locale
from checkout.observability import context as log_context
from checkout.payments import status_sync
from checkout.payments.cancellation import cancel_attempt
from checkout.payments.qr_image import render_png
from checkout.payments.qris_checkout import start_qris as start_qris_payment
from checkout.payments.snap_checkout import start_snap as start_snap_payment
from checkout.payments.transitions import RaceRetriesExhausted
from checkout.storefront import bp
from checkout.storefront import checkout_status as cs
from checkout.storefront import snap_return as back_from_snap
from checkout.storefront.fast_poll import SNAPSHOT_KEY
from checkout.storefront.limits import checkout_action, retry_after_seconds
from checkout.storefront.presenter import payment_context, qr_filename, return_link

PAGE, FRAGMENT = "storefront/pay.html", "storefront/_payment.html"
CUSTOMER = "customer"
RETURN_CHECK_INTERVAL_SECONDS = 2
# What "I have paid" says when the payment has not arrived (yet).
CHECK_NOTICES = {
    status_sync.CheckOutcome.CHECKED: _l("Midtrans has not reported your payment yet. If you have just paid, "
                                         "it can take a minute: we keep checking and this page updates by itself."),
    status_sync.CheckOutcome.NOT_DUE: _l("We asked Midtrans a few seconds ago and will ask again shortly: "
                                         "this page updates by itself."),
    status_sync.CheckOutcome.UNREACHABLE: _l("Midtrans could not be reached just now. We keep trying: "
                                             "this page updates by itself."),
}


def _state_or_404(public_id: str, *, check: bool = True, row: cs.Snapshot | None = None) -> cs.CheckoutState:
    state = cs.current(public_id, check=check, row=row)
    if state is None:
        abort(404)
    log_context.bind(attempt=state.row.attempt_id)
    return back_from_snap.adjust(state)


def _show(state: cs.CheckoutState, *, status: int = 200, **notice) -> Response:
    return render(PAGE, FRAGMENT, status=status, **payment_context(state, **notice))


def _after_action(public_id: str) -> Response:
    """htmx swaps the new fragment in; a plain form goes back to the page (303)."""
    if is_fragment_request():
        return _show(_state_or_404(public_id, check=False))
    return redirect_to(url_for("storefront.pay", public_id=public_id))


def _refused(public_id: str, error: DomainError) -> Response:
    """A customer-facing refusal: 503 when Midtrans is unavailable, 422 otherwise."""
    status = 503 if isinstance(error, PaymentUnavailable) else 422
    return _show(_state_or_404(public_id, check=False), status=status, notice=error.message)


def _order_or_404(public_id: str) -> Order:
    if not cs.valid_public_id(public_id):
        abort(404)
    order = db.session.scalar(select(Order).where(Order.public_id == public_id))
    if order is None:
        abort(404)
    log_context.bind(order=order.reference)
    return order


def _paying_order(public_id: str) -> Order:
    """The order a customer starts paying, remembering their language for the receipt."""
    order = _order_or_404(public_id)
    remember_customer_locale(order, str(get_locale()))
    return order


@bp.get("/pay/<public_id>")
def pay(public_id: str):
    return _show(_state_or_404(public_id))


@bp.get("/pay/<public_id>/status")
@limiter.exempt
def status(public_id: str):
    read_id, row = request.environ.get(SNAPSHOT_KEY, (None, None))
    state = _state_or_404(public_id, row=row if read_id == public_id else None)
    fragment = is_fragment_request()
    have = request.args.get("have")
    if fragment and have == state.key:
        return no_change()
    response = _show(state)
    if fragment and have and state.kind == cs.PAID and have.split(".", 1)[0] != cs.PAID:
        # It turned paid while the customer watched: send them back to the shop.
        target = return_link(state)
        if target:
            response.headers["HX-Redirect"] = target
    return response


@bp.post("/pay/<public_id>/qris")
@checkout_action
def start_qris(public_id: str):
    order = _paying_order(public_id)
    try:
        start_qris_payment(order, actor=CUSTOMER)
    except DomainError as error:
        return _refused(public_id, error)
    return _after_action(public_id)


@bp.post("/pay/<public_id>/snap")
@checkout_action
def start_snap(public_id: str):
    order = _paying_order(public_id)
    try:
        attempt = start_snap_payment(order, actor=CUSTOMER)
    except DomainError as error:
        return _refused(public_id, error)
    if attempt is not None and attempt.redirect_url:
        return redirect_to(attempt.redirect_url)
    return _after_action(public_id)


@bp.post("/pay/<public_id>/app/<wallet>")
@checkout_action
def start_app(public_id: str, wallet: str):
    order = _paying_order(public_id)
    try:
        attempt = start_app_payment(order, wallet, actor=CUSTOMER)
    except DomainError as error:
        return _refused(public_id, error)
    if attempt is not None and attempt.redirect_url:
        # The form is a plain POST (no htmx), so this redirect continues the navigation the
        # customer's tap started: phones open the wallet app from it.
        return redirect_to(attempt.redirect_url)
    return _after_action(public_id)


@bp.get("/pay/<public_id>/cancel")
def confirm_cancel(public_id: str):
    """The confirmation step (a page without JavaScript, the card's fragment with it)."""
    state = _state_or_404(public_id, check=False)
    if not _cancellable(state):
        return _after_action(public_id)
    return _show(state, confirm_cancel=True)


@bp.post("/pay/<public_id>/cancel")
@checkout_action
def cancel(public_id: str):
    """Cancel the live attempt only: a customer's cancel never closes the order (the shop
    does that), so they may choose a method again until the link expires."""
    state = _state_or_404(public_id, check=False)
    if _cancellable(state):
        try:
            cancel_attempt(state.attempt, actor=CUSTOMER)
        except DomainError as error:
            return _refused(public_id, error)
        except RaceRetriesExhausted:
            return _refused(public_id, PaymentUnavailable(_("Please try again in a moment.")))
    return _after_action(public_id)


def _cancellable(state: cs.CheckoutState) -> bool:
    return state.polling and state.attempt is not None


@bp.post("/pay/<public_id>/check")
@checkout_action
def check_now(public_id: str):
    """"I have paid": ask Midtrans once now. The check shares the poll's claim (at most
    one per attempt per STATUS_CHECK_INTERVAL_SECONDS across workers) and the checkout's
    rate limits, so pressing it again and again never floods Midtrans."""
    state = _state_or_404(public_id, check=False)
    if not state.polling or state.attempt is None:
        return _show(state)
    outcome = status_sync.request_check(state.attempt, actor=CUSTOMER)
    state = _state_or_404(public_id, check=False)
    if not state.polling:
        return _show(state)
    return _show(state, notice=str(CHECK_NOTICES[outcome]), notice_kind="info")


@bp.get("/pay/<public_id>/return")
def snap_return(public_id: str):
    # Snap appends ?order_id=&status_code=&transaction_status=: display hints only. The
    # page shows what a notification or the status API told us, nothing else. Coming back
    # is a good moment to ask Midtrans, so the claim interval is short here. Until that
    # answer (or a notification) arrives, this browser sees "confirming your payment".
    state = _state_or_404(public_id, check=False)
    back_from_snap.remember(state)
    cs.current(public_id, interval=RETURN_CHECK_INTERVAL_SECONDS)
    return redirect_to(url_for("storefront.pay", public_id=public_id))


@bp.get("/pay/<public_id>/attempts/<int:number>/qr.png")
def qr_png(public_id: str, number: int):
    png, _amount = _qr_picture(public_id, number)
    return _png_response(png)


@bp.get("/pay/<public_id>/attempts/<int:number>/qr-download.png")
def qr_download(public_id: str, number: int):
    """The same picture, saved to the phone's gallery so a wallet app can read it there."""
    png, amount = _qr_picture(public_id, number)
    response = _png_response(png)
    response.headers.set("Content-Disposition", "attachment",
                         filename=qr_filename(shop_settings.current().shop_name, amount))
    return response


def _png_response(png: bytes) -> Response:
    response = Response(png, mimetype="image/png")
    # One attempt's QR never changes; it may stay in this browser's cache, nowhere else.
    response.headers["Cache-Control"] = "private, max-age=86400, immutable"
    return response


def _qr_picture(public_id: str, number: int) -> tuple[bytes, int]:
    """The attempt's QR PNG (drawn and stored on first use) and its amount; 404 if none."""
    if not cs.valid_public_id(public_id):
        abort(404)
    row = db.session.execute(
        select(PaymentAttempt.id, PaymentAttempt.qr_string, PaymentAttempt.qr_png, PaymentAttempt.gross_amount)
        .join(Order, Order.id == PaymentAttempt.order_id)
        .where(Order.public_id == public_id, PaymentAttempt.number == number, PaymentAttempt.method == "qris")
    ).first()
    if row is None or not row.qr_string:
        abort(404)
    png = row.qr_png
    if png is None:
        # Answers recorded elsewhere (the reconciler) carry no picture yet: draw it once.
        png = render_png(row.qr_string)
        db.session.execute(update(PaymentAttempt).where(PaymentAttempt.id == row.id, PaymentAttempt.qr_png.is_(None))
                           .values(qr_png=png).execution_options(synchronize_session=False))
        db.session.commit()
    return png, row.gross_amount


@bp.errorhandler(429)
def too_many(error):
    """Slow down, said inside the card (the current state stays visible under the notice)."""
    seconds = retry_after_seconds()
    message = _("Too many attempts. Please try again in %(seconds)s seconds.", seconds=seconds)
    public_id = (request.view_args or {}).get("public_id")
    state = cs.current(public_id, check=False) if public_id else None
    if state is None:
        from checkout.error_pages import error_response

        return error_response(429, "too_many_requests", message)
    response = _show(state, status=429, notice=message, notice_kind="wait", retry_after=seconds)
    response.headers["Retry-After"] = str(seconds)
    return response

