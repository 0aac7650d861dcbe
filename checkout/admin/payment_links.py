"""Creating a payment link: an order whose checkout URL the owner sends to a customer."""
from __future__ import annotations

from flask import flash, g, redirect, request, url_for
from flask_babel import gettext as _

from checkout.admin import bp
from checkout.admin.auth import login_required
from checkout.admin.forms import PaymentLinkForm
from checkout.admin.services.payment_links import create_payment_link
from checkout.errors import InvalidRequest
from checkout.htmx import is_fragment_request, render, vary
from checkout.sessions_view import checkout_url

# The order service names item fields like "items[0].name"; the form has one items box.
_FIELD_FOR = {"total": "amount", "expires_in_minutes": "expires_in_minutes", "reference": "reference"}


def _attach(form: PaymentLinkForm, exc: InvalidRequest) -> None:
    """Put the service's per-field messages next to the fields they concern."""
    placed = False
    for name, message in exc.fields.items():
        target = _FIELD_FOR.get(name) or ("items" if name.startswith("items") else None)
        field = getattr(form, target, None) if target else None
        if field is not None:
            field.errors = list(field.errors) + [message]
            placed = True
    if not placed:
        form.description.errors = list(form.description.errors) + [exc.message]


@bp.route("/payment-links/new", methods=["GET", "POST"])
@login_required
def new_payment_link():
    if request.method == "GET":
        return render("admin/payment_link.html", "admin/_payment_link.html", form=PaymentLinkForm(formdata=None),
                      created=None, url=None, error=None)
    form = PaymentLinkForm()
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
            error = exc.message
        else:
            if not is_fragment_request():
                flash(_("Payment link created. Send the checkout link to your customer."), "success")
                return vary(redirect(url_for("admin.transaction_detail", key=order.reference), code=303))
            return render("admin/payment_link.html", "admin/_payment_link.html", form=PaymentLinkForm(formdata=None),
                          created=order, url=checkout_url(order), error=None)
    return render("admin/payment_link.html", "admin/_payment_link.html", status=422, form=form, created=None, url=None,
                  error=error)
