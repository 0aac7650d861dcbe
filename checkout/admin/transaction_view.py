"""What the transaction detail shows: the order, its attempts with the actions each allows
(and why not), and the timeline. Shared by the detail page and every action's answer."""
from __future__ import annotations

from dataclasses import dataclass

from checkout.admin.forms import RefundForm
from checkout.admin.services import timeline
from checkout.models import Order, PaymentAttempt
from checkout.payments import refunds
from checkout.payments.refunds import Eligibility
from checkout.payments.states import LIVE, MONEY_RECEIVED, PaymentStatus
from checkout.sessions_view import checkout_url


@dataclass
class AttemptView:
    attempt: PaymentAttempt
    eligibility: Eligibility
    refund_form: RefundForm | None
    can_cancel: bool
    can_review: bool
    received_money: bool
    error: str | None = None


def attempt_view(attempt: PaymentAttempt, *, refund_form: RefundForm | None = None, error: str | None = None) -> AttemptView:
    rules = refunds.eligibility(attempt)
    form = None
    if rules.allowed:
        # A fresh refund_key each time the form is shown: a double click or a retry of
        # this very form sends the same key, and Midtrans and we refund it once.
        form = refund_form or RefundForm(formdata=None, data={"amount": str(rules.remaining),
                                                               "refund_key": refunds.new_refund_key()})
    return AttemptView(attempt=attempt, eligibility=rules, refund_form=form, can_cancel=attempt.status in LIVE,
                       can_review=attempt.status == PaymentStatus.CHALLENGED,
                       received_money=attempt.status in MONEY_RECEIVED, error=error)


def detail_context(order: Order, *, message: str | None = None, error: str | None = None,
                   attempt_id: int | None = None, refund_form: RefundForm | None = None) -> dict:
    """``attempt_id`` names the attempt an error or a kept refund form belongs to."""
    views = [attempt_view(a, refund_form=refund_form if a.id == attempt_id else None,
                          error=error if a.id == attempt_id else None)
             for a in order.attempts]
    return {
        "order": order,
        "attempts": views,
        "entries": timeline.build(order),
        "checkout_url": checkout_url(order),
        "message": message,
        "error": error if attempt_id is None else None,
    }
