"""Transactions: the filtered list (HTMX pagination, live rows), the detail, CSV export."""
from __future__ import annotations

from flask import Response, abort, redirect, request, stream_with_context, url_for

from checkout.admin import bp
from checkout.admin.auth import login_required
from checkout.admin.csv_export import stream
from checkout.admin.forms import TransactionFilterForm
from checkout.admin.services import transaction_search
from checkout.admin.services.transaction_search import TransactionFilter
from checkout.admin.transaction_view import detail_context
from checkout.extensions import db
from checkout.htmx import is_fragment_request, no_change, render, vary
from checkout.models import Order
from checkout.timeutil import to_jakarta, utcnow


def _filter_from(form: TransactionFilterForm) -> TransactionFilter:
    return TransactionFilter(status=form.status.data or "", method=form.method.data or "", flag=form.flag.data or "",
                             date_from=form.date_from.data, date_to=form.date_to.data, q=(form.q.data or "").strip())


def _page_number() -> int:
    value = request.args.get("page", "1")
    return int(value) if value.isdigit() and len(value) < 7 else 1


@bp.route("/transactions")
@login_required
def transactions():
    form = TransactionFilterForm(formdata=request.args)
    valid = form.validate()
    spec = _filter_from(form) if valid else TransactionFilter()
    result = transaction_search.page(spec, _page_number()) if valid else None
    return render("admin/transactions.html", "admin/_transactions.html", status=200 if valid else 422,
                  form=form, spec=spec, result=result, search=transaction_search)


@bp.route("/transactions/rows/<int:order_id>")
@login_required(touch=False)
def transaction_row(order_id: int):
    """One list row, polled while the order is live. 204 when nothing changed."""
    order = db.session.get(Order, order_id) or abort(404)
    if not is_fragment_request():
        return vary(redirect(url_for("admin.transaction_detail", key=order.reference), code=303))
    if request.args.get("seen") == transaction_search.row_version(order):
        return no_change()
    return render("admin/_transaction_row.html", "admin/_transaction_row.html", order=order, search=transaction_search)


@bp.route("/transactions.csv")
@login_required
def transactions_csv():
    form = TransactionFilterForm(formdata=request.args)
    if not form.validate():
        abort(422)
    query = transaction_search.orders_query(_filter_from(form)).execution_options(yield_per=200)
    filename = f"transactions-{to_jakarta(utcnow()):%Y%m%d-%H%M}.csv"

    def rows():
        # Runs while the response is sent, inside the request's context and session.
        yield from stream(db.session.scalars(query))

    response = Response(stream_with_context(rows()), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@bp.route("/transactions/<key>")
@login_required
def transaction_detail(key: str):
    order = transaction_search.find_order(key) or abort(404)
    return render("admin/transaction_detail.html", "admin/_transaction.html", **detail_context(order))
