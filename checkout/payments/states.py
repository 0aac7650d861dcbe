"""The states a payment attempt and an order can be in, and the table of allowed moves.

Midtrans reports a ``transaction_status`` (plus ``fraud_status`` for cards). Those map to
a *target* state here; ``transitions.apply_gateway_status`` consults ``ALLOWED`` to decide
whether the move happens. The table is monotonic: money that arrived is never forgotten,
and nothing goes back to pending.
"""
from __future__ import annotations

from enum import StrEnum


class PaymentStatus(StrEnum):
    PENDING = "pending"
    CHALLENGED = "challenged"  # card captured but held by fraud detection
    PAID = "paid"
    PAID_LATE = "paid_late"  # money arrived after we gave the attempt or order up
    EXPIRED = "expired"
    CANCELLED = "cancelled"
    FAILED = "failed"
    PARTIALLY_REFUNDED = "partially_refunded"
    REFUNDED = "refunded"


class OrderStatus(StrEnum):
    OPEN = "open"
    PAID = "paid"
    PAID_LATE = "paid_late"
    EXPIRED = "expired"
    CANCELLED = "cancelled"
    PARTIALLY_REFUNDED = "partially_refunded"
    REFUNDED = "refunded"


P = PaymentStatus

# States in which the customer may still pay this attempt.
LIVE = frozenset({P.PENDING, P.CHALLENGED})
# The same, as the plain strings stored in the database and compared in SQL.
LIVE_VALUES = tuple(sorted(status.value for status in LIVE))
# States in which money has been received (and may be partly given back).
MONEY_RECEIVED = frozenset({P.PAID, P.PAID_LATE, P.PARTIALLY_REFUNDED, P.REFUNDED})
# States in which the attempt ended without money.
GAVE_UP = frozenset({P.EXPIRED, P.CANCELLED, P.FAILED})
FINAL_FOR_CUSTOMER = MONEY_RECEIVED | GAVE_UP

ALLOWED: dict[PaymentStatus, frozenset[PaymentStatus]] = {
    P.PENDING: frozenset({P.CHALLENGED, P.PAID, P.EXPIRED, P.CANCELLED, P.FAILED}),
    P.CHALLENGED: frozenset({P.PAID, P.CANCELLED, P.FAILED, P.EXPIRED}),
    P.PAID: frozenset({P.PARTIALLY_REFUNDED, P.REFUNDED}),
    P.PAID_LATE: frozenset({P.PARTIALLY_REFUNDED, P.REFUNDED}),
    P.PARTIALLY_REFUNDED: frozenset({P.PARTIALLY_REFUNDED, P.REFUNDED}),
    P.REFUNDED: frozenset(),
    # Given-up attempts can only learn that money arrived after all.
    P.EXPIRED: frozenset({P.PAID_LATE}),
    P.CANCELLED: frozenset({P.PAID_LATE}),
    P.FAILED: frozenset({P.PAID_LATE}),
}


def can_move(current: PaymentStatus, target: PaymentStatus) -> bool:
    return target in ALLOWED[current]


# Midtrans transaction_status -> what it means for us.
GATEWAY_PAID = frozenset({"settlement"})
GATEWAY_FAILED = {"deny": P.FAILED, "failure": P.FAILED, "cancel": P.CANCELLED, "expire": P.EXPIRED}
GATEWAY_REFUND = frozenset({"refund", "partial_refund", "chargeback", "partial_chargeback"})


def target_for(transaction_status: str, fraud_status: str | None) -> PaymentStatus | None:
    """The state a Midtrans status points to, before refunds' amounts are considered.

    ``None`` means "nothing to change" (pending, authorize, unknown statuses).
    """
    status = (transaction_status or "").lower()
    fraud = (fraud_status or "accept").lower()
    if status == "capture":
        if fraud == "challenge":
            return P.CHALLENGED
        if fraud == "deny":
            return P.FAILED
        return P.PAID
    if status in GATEWAY_PAID:
        return P.PAID
    if status in GATEWAY_FAILED:
        return GATEWAY_FAILED[status]
    if status in GATEWAY_REFUND:
        return P.REFUNDED if status in ("refund", "chargeback") else P.PARTIALLY_REFUNDED
    return None
