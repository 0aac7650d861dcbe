"""What a Midtrans report means for an attempt and its order: the pure decision.

``decide`` takes the facts of the current rows and a report and returns what should
happen: the attempt's new status and flag, the money it records, the order's changes and
the shop's event. It reads no database and writes nothing, so the whole transition table
is tested without one; ``transitions.apply_gateway_status`` loads the rows, asks
``decide`` and writes the outcome under its version check.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from checkout.payments.states import GAVE_UP, LIVE, MONEY_RECEIVED, OrderStatus, PaymentStatus, can_move, target_for

if TYPE_CHECKING:
    from checkout.payments.transitions import GatewayReport

P = PaymentStatus
O = OrderStatus
PAID_NOW = frozenset({P.PAID, P.PAID_LATE})
CLOSING = GAVE_UP | {P.PAID, P.PAID_LATE, P.REFUNDED}


@dataclass(frozen=True)
class AttemptFacts:
    """The attempt as the decision sees it."""

    status: PaymentStatus
    gross_amount: int
    paid_amount: int | None = None
    refunded_amount: int = 0
    flag: str | None = None


@dataclass(frozen=True)
class OrderFacts:
    """The attempt's order as the decision sees it."""

    status: OrderStatus
    total_amount: int
    paid_amount: int = 0
    refunded_amount: int = 0
    other_attempt_has_money: bool = False  # another attempt of this order received money


@dataclass(frozen=True)
class Decision:
    """What should happen. ``changed`` False means: nothing but gateway facts to keep."""

    before: PaymentStatus
    after: PaymentStatus
    changed: bool
    flag: str | None = None               # a new attention flag for the owner
    refunded_amount: int | None = None    # the attempt's new refunded total, when it moves
    paid_at: datetime | None = None       # set when money arrives with this report
    paid_amount: int | None = None
    closes: bool = False                  # the attempt reaches an end: stamp closed_at
    order_changes: dict = field(default_factory=dict)  # column -> new value
    order_event: str | None = None        # the shop's webhook event, if any


def decide(attempt: AttemptFacts, order: OrderFacts, report: "GatewayReport", now: datetime) -> Decision:
    """From the current rows and a verified, checked report: what should happen.

    Monotonic: money that arrived is never forgotten, nothing goes back to pending, a
    duplicate or an older status decides "no change"; money after we gave up is
    ``paid_late`` and flagged; a reversal after money is flagged, never applied.
    """
    before = P(attempt.status)
    target = target_for(report.transaction_status, report.fraud_status)
    flag: str | None = None
    refunded: int | None = None

    if target is None:
        after = before
    elif target in (P.REFUNDED, P.PARTIALLY_REFUNDED):
        after, total = _refund_target(attempt, before, target, report)
        if total != attempt.refunded_amount:
            refunded = total
    elif target == P.PAID:
        after, flag = _paid_target(order, before)
    else:
        after = target
        if before in MONEY_RECEIVED and target == P.EXPIRED:
            # An expiry is never news after money arrived: it is an older notification
            # delivered late (the QR expired, then was paid anyway). No flag.
            after = before
        elif before in MONEY_RECEIVED and target in GAVE_UP:
            # A settled VA or store payment reversed by Midtrans: keep the record of the
            # money, flag it for the owner, never quietly move it back. Once flagged, a
            # repeat of the same reversal is a duplicate, not another transition.
            after, flag = before, (None if attempt.flag == "reversed" else "reversed")

    if after != before and not can_move(before, after):
        after = before
    if after == before and flag is None and refunded is None:
        return Decision(before, before, changed=False)

    paid_at = paid_amount = None
    if after in PAID_NOW and before not in MONEY_RECEIVED:
        paid_at = report.settlement_time or now
        paid_amount = report.gross_amount or attempt.gross_amount
    order_changes, event = _order_outcome(attempt, order, after, flag, paid_at, paid_amount, refunded)
    return Decision(before, after, changed=True, flag=flag, refunded_amount=refunded, paid_at=paid_at,
                    paid_amount=paid_amount, closes=after in CLOSING, order_changes=order_changes,
                    order_event=event)


def _paid_target(order: OrderFacts, before: PaymentStatus) -> tuple[PaymentStatus, str | None]:
    if before in MONEY_RECEIVED:
        return before, None  # capture then settlement, or a duplicate: already paid
    if order.other_attempt_has_money:
        return (P.PAID if before in LIVE else P.PAID_LATE), "duplicate_payment"
    if before in GAVE_UP:
        return P.PAID_LATE, "paid_late"
    if order.status in (O.EXPIRED, O.CANCELLED):
        return P.PAID, "paid_late"
    return P.PAID, None


def _refund_target(attempt: AttemptFacts, before: PaymentStatus, target: PaymentStatus,
                   report: "GatewayReport") -> tuple[PaymentStatus, int]:
    if before not in MONEY_RECEIVED:
        return before, attempt.refunded_amount
    paid = attempt.paid_amount or attempt.gross_amount
    reported = report.refunded_total
    if reported is None:
        reported = paid if target == P.REFUNDED else attempt.refunded_amount
    # Monotonic and bounded: a repeated or older refund notification never lowers the
    # refunded amount, and nothing refunds more than was paid.
    refunded = min(max(attempt.refunded_amount, reported), paid)
    if refunded == attempt.refunded_amount:
        return before, refunded
    return (P.REFUNDED if refunded >= paid else P.PARTIALLY_REFUNDED), refunded


def _order_outcome(attempt: AttemptFacts, order: OrderFacts, after: PaymentStatus, flag: str | None,
                   paid_at: datetime | None, paid_amount: int | None,
                   refunded: int | None) -> tuple[dict, str | None]:
    """The order moves with its attempt; the shop hears about what changed."""
    if paid_amount is not None:
        if flag == "duplicate_payment":
            # A second payment for one order is the order's money too: counting it keeps
            # refunded <= paid, so refunding the duplicate leaves the order partially
            # refunded instead of "refunded" while the first payment is kept.
            return {"paid_amount": order.paid_amount + paid_amount}, "checkout.session.paid_late"
        if order.status == O.OPEN:
            event = "checkout.session.paid" if after == P.PAID else "checkout.session.paid_late"
            return {"status": O.PAID, "paid_at": paid_at, "paid_amount": paid_amount}, event
        if order.status in (O.EXPIRED, O.CANCELLED):
            return ({"status": O.PAID_LATE, "paid_at": paid_at, "paid_amount": paid_amount},
                    "checkout.session.paid_late")
        return {}, None
    if refunded is not None:
        total = order.refunded_amount + refunded - attempt.refunded_amount
        if order.status in (O.PAID, O.PAID_LATE, O.PARTIALLY_REFUNDED):
            status = O.REFUNDED if total >= (order.paid_amount or order.total_amount) else O.PARTIALLY_REFUNDED
            return {"refunded_amount": total, "status": status}, "checkout.session.refunded"
        return {"refunded_amount": total}, "checkout.session.refunded"
    return {}, None
