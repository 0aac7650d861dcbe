"""Creating a payment link: an order whose checkout URL the owner sends to a customer,
then copies, shares (WhatsApp, the phone's share sheet) or shows as a QR at the counter."""
from __future__ import annotations

import re

from flask import abort, g, make_response, redirect, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from checkout.admin import bp
from checkout.admin.auth import login_required
from checkout.admin.forms import ItemRowForm, PaymentLinkForm
from checkout.admin.services.payment_links import create_payment_link, share_text, whatsapp_url
from checkout.errors import InvalidRequest
from checkout.extensions import db
from checkout.htmx import is_fragment_request, render, vary
from checkout.models import Order
from checkout.money import format_rupiah
from checkout.payments.orders import MAX_TOTAL
from checkout.payments.qr_image import render_png
from checkout.sessions_view import checkout_url

# The order service names fields like "items[0].name"; the form has rows of three fields.
_FIELD_FOR = {"total": "amount", "expires_in_minutes": "expires_in_minutes", "reference": "reference"}
_ITEM_FIELD = re.compile(r"items\[(\d+)\]\.(\w+)")
_ROW_FIELD = {"name": "name", "unit_price": "price", "price": "price", "quantity": "quantity"}


def _message_for(exc: InvalidRequest, name: str) -> str:
    """The order service speaks to API clients in English; the owner reads these words,
    keyed by the service's stable error codes."""
    by_code = {
        "invalid_reference": _("Use letters, digits and - _ ~ . only, at most 40 characters."),
        "duplicate_reference": _("Already used."),
        "invalid_total": _("Between Rp 1 and %(max)s.", max=format_rupiah(MAX_TOTAL)),
    }
    if exc.code in by_code:
        return by_code[exc.code]
    return _("Check this value.") if name.startswith("items") else exc.fields[name]


def _attach(form: PaymentLinkForm, exc: InvalidRequest) -> None:
    """Put the service's per-field messages next to the fields they concern."""
    placed = False
    for name in exc.fields:
        field = getattr(form, _FIELD_FOR[name]) if name in _FIELD_FOR else None
        item = _ITEM_FIELD.fullmatch(name)
        if item and int(item.group(1)) < len(form.item_rows):
            field = getattr(form.item_rows[int(item.group(1))], _ROW_FIELD.get(item.group(2), "name"))
        if field is not None:
            field.errors = list(field.errors) + [_message_for(exc, name)]
            placed = True
    if not placed:
        form.description.errors = list(form.description.errors) + [exc.message]


def _page(form: PaymentLinkForm, *, status: int = 200, created: Order | None = None, error: str | None = None):
    share = None
    if created is not None:
        url = checkout_url(created)
        text = share_text(created, url)
        share = {"url": url, "text": text, "whatsapp": whatsapp_url(text)}
    return render("admin/payment_link.html", "admin/_payment_link.html", status=status, form=form, created=created,
                  share=share, error=error, row_template=ItemRowForm(formdata=None, prefix="items-__index__-"))


def _order_or_404(reference: str) -> Order:
    return db.session.scalar(select(Order).where(Order.reference == reference)) or abort(404)


@bp.route("/payment-links/new", methods=["GET", "POST"])
@login_required
def new_payment_link():
    if request.method == "GET":
        return _page(PaymentLinkForm(formdata=None))
    form = PaymentLinkForm()
    # "Add item" / "Remove" without JavaScript: the same form back, one row more or less.
    if "add_item" in request.form:
        form.add_row()
        return _page(form)
    if "remove_item" in request.form:
        form.remove_row(request.form["remove_item"])
        return _page(form)
    error = _("Please correct the marked fields; no link was created.")
    if form.validate():
        try:
            order = create_payment_link(
                amount=form.amount.data, description=form.description.data.strip(), items=form.parsed_items,
                expires_in_minutes=form.expires_in_minutes.data, reference=(form.reference.data or "").strip() or None,
                customer_name=(form.customer_name.data or "").strip() or None,
                customer_email=(form.customer_email.data or "").strip() or None, actor=g.admin_actor)
        except InvalidRequest as exc:
            _attach(form, exc)
        else:
            if not is_fragment_request():
                # Post/redirect/get: reloading the result must not create a second link.
                return vary(redirect(url_for("admin.payment_link_created", reference=order.reference), code=303))
            return _page(PaymentLinkForm(formdata=None), created=order)
    return _page(form, status=422, error=error)


@bp.route("/payment-links/<reference>")
@login_required
def payment_link_created(reference: str):
    return _page(PaymentLinkForm(formdata=None), created=_order_or_404(reference))


@bp.route("/payment-links/<reference>/qr.png")
@login_required
def payment_link_qr(reference: str):
    """The checkout link as a QR code to show at the counter (a PNG drawn here, like QRIS)."""
    png = render_png(checkout_url(_order_or_404(reference)))
    response = make_response(png)
    response.headers["Content-Type"] = "image/png"
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response
