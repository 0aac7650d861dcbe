"""The one checked way to apply what Midtrans says about an attempt.

Whoever asked (a notification's status re-read or its verified body, the customer's
poll, the owner's "re-check now", the reconciler), Midtrans's answer is checked against
the attempt before the transition function sees it: the order id must be the attempt's,
and the amount and currency its money (``amounts``). An answer that fails is not
applied; the attempt is flagged for the owner instead (once: fifty copies leave one
audit row). Only an answer that passes reaches ``apply_gateway_status``.
"""
from __future__ import annotations

from dataclasses import dataclass

from checkout.models import PaymentAttempt
from checkout.payments import amounts
from checkout.payments.transitions import GatewayReport, TransitionResult, apply_gateway_status


@dataclass(frozen=True)
class Checked:
    """What became of one answer: applied (``result``) or refused (``problem``)."""

    result: TransitionResult | None
    problem: str | None = None
    flagged: bool = False  # this call set the attention flag (False when it was already set)

    @property
    def applied(self) -> bool:
        return self.problem is None


def answer_problem(answer: dict, attempt: PaymentAttempt) -> str | None:
    """None when ``answer`` is about this attempt and its money; otherwise why not.

    An answer without an order id (Midtrans always sends one) is judged on its money.
    """
    order_id = answer.get("order_id")
    if order_id is not None and order_id != attempt.midtrans_order_id:
        return f"the answer names another order_id ({str(order_id)[:60]})"
    return amounts.amount_problem(answer, attempt, attempt.order)


def apply_checked(attempt: PaymentAttempt, answer: dict, *, actor: str) -> Checked:
    """Check ``answer`` against ``attempt``; apply it, or flag the attempt. Commits.

    Raises what ``apply_gateway_status`` raises (``RaceRetriesExhausted``).
    """
    problem = answer_problem(answer, attempt)
    if problem:
        return Checked(None, problem, amounts.flag_mismatch(attempt, problem, actor=actor))
    return Checked(apply_gateway_status(attempt.id, GatewayReport.from_payload(answer), actor=actor))
