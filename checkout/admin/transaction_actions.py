"""Actions on one payment attempt: re-check, cancel, approve/deny, refund.

htmx gets the transaction fragment back (200 on success; 422 or 503 with the message in
the attempt's card, which htmx swaps per the status policy). A plain form gets a 303 to
the detail page after success, or the detail page with the message after a failure.
"""
from __future__ import annotations

from flask import abort, flash, g, redirect, url_for
from flask_babel import gettext as _

from checkout.admin import bp
from checkout.admin.auth import login_required
from checkout.admin.forms import RefundForm
from checkout.admin.services import payment_actions
from checkout.admin.transaction_view import detail_context
from checkout.errors import DomainError, PaymentUnavailable
from checkout.extensions import db
from checkout.htmx import is_fragment_request, render, vary
from checkout.models import Order, PaymentAttempt
from checkout.money import format_rupiah
from checkout.payments.labels import status_label
from checkout.payments.refunds import new_refund_key


def _attempt_or_404(attempt_id: int) -> PaymentAttempt:
    return db.session.get(PaymentAttempt, attempt_id) or abort(404)


def _done(attempt: PaymentAttempt, message: str):
    order = db.session.get(Order, attempt.order_id, populate_existing=True)
    if not is_fragment_request():
        flash(message, "success")
        return vary(redirect(url_for("admin.transaction_detail", key=order.reference), code=303))
    return render("admin/transaction_detail.html", "admin/_transaction.html", **detail_context(order, message=message))


def _failed(attempt: PaymentAttempt, exc: DomainError, refund_form: RefundForm | None = None):
    """The detail again with the message: a refund's at its field (the form carries it),
    any other's at the top of the attempt's card (_attempt.html shows it there when the
    refund form is gone, e.g. nothing is left to refund)."""
    db.session.rollback()
    order = db.session.get(Order, attempt.order_id, populate_existing=True)
    status = 503 if isinstance(exc, PaymentUnavailable) else 422
    return render("admin/transaction_detail.html", "admin/_transaction.html", status=status,
                  **detail_context(order, error=exc.message, attempt_id=attempt.id, refund_form=refund_form))


def _outcome_words(result) -> str:
    if result is None:
        return _("Midtrans does not know this transaction yet (no payment method picked).")
    if result.changed:
        return _("Status changed from %(before)s to %(after)s.", before=status_label(result.before),
                 after=status_label(result.after))
    return _("No change: the status is %(status)s.", status=status_label(result.after))


@bp.route("/transactions/attempts/<int:attempt_id>/recheck", methods=["POST"])
@login_required
def recheck_attempt(attempt_id: int):
    attempt = _attempt_or_404(attempt_id)
    try:
        result = payment_actions.recheck(attempt.id, actor=g.admin_actor)
    except DomainError as exc:
        return _failed(attempt, exc)
    return _done(attempt, _("Checked with Midtrans. %(outcome)s", outcome=_outcome_words(result)))


@bp.route("/transactions/attempts/<int:attempt_id>/cancel", methods=["POST"])
@login_required
def cancel_attempt(attempt_id: int):
    attempt = _attempt_or_404(attempt_id)
    try:
        result = payment_actions.cancel(attempt.id, actor=g.admin_actor)
    except DomainError as exc:
        return _failed(attempt, exc)
    if result.after == "cancelled":
        return _done(attempt, _("The payment was cancelled."))
    return _done(attempt, _("Not cancelled: Midtrans reports it as %(status)s.", status=status_label(result.after)))


@bp.route("/transactions/attempts/<int:attempt_id>/<any(approve, deny):decision>", methods=["POST"])
@login_required
def review_attempt(attempt_id: int, decision: str):
    attempt = _attempt_or_404(attempt_id)
    try:
        result = payment_actions.decide(attempt.id, decision, actor=g.admin_actor)
    except DomainError as exc:
        return _failed(attempt, exc)
    words = _("Approved.") if decision == "approve" else _("Denied.")
    return _done(attempt, f"{words} {_outcome_words(result)}")


@bp.route("/transactions/attempts/<int:attempt_id>/refund", methods=["POST"])
@login_required
def refund_attempt(attempt_id: int):
    attempt = _attempt_or_404(attempt_id)
    form = RefundForm()
    if not form.validate():
        first = next(iter(form.errors.values()))[0]
        if not form.amount.errors and not form.reason.errors:  # a stale form: said at the amount
            form.amount.errors = [first]
        return _failed(attempt, DomainError(str(first)), refund_form=form)
    try:
        payment_actions.refund(attempt.id, amount=form.amount.data, reason=(form.reason.data or "").strip(),
                               refund_key=form.refund_key.data, actor=g.admin_actor)
    except DomainError as exc:
        # Keep what was typed, under a fresh key: a key Midtrans refused stays refused.
        retry = RefundForm(formdata=None, data={"amount": form.amount.raw, "reason": form.reason.data})
        retry.refund_key.data = new_refund_key()
        retry.amount.errors = [exc.message]
        return _failed(attempt, exc, refund_form=retry)
    return _done(attempt, _("Refunded %(amount)s.", amount=format_rupiah(form.amount.data)))
