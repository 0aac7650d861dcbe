"""Which attempt a notification is about (whether its money matches is ``payments.amounts``)."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from checkout.extensions import db
from checkout.models import PaymentAttempt


@dataclass(frozen=True)
class Match:
    attempt: PaymentAttempt
    by: str  # "order_id" (signed) or "transaction_id" (not covered by the signature)

    @property
    def trusted_body(self) -> bool:
        """Whether the body's signed claims are about this attempt at all."""
        return self.by == "order_id"

    @property
    def status_ident(self) -> str:
        """What to ask Midtrans's status API about: never an unsigned field of the body."""
        if self.by == "order_id":
            return self.attempt.midtrans_order_id
        return self.attempt.transaction_id


def find_attempt(payload: dict) -> Match | None:
    """By Midtrans order_id (each attempt has its own), failing that by transaction_id.

    A transaction_id match is weaker: the signature does not cover transaction_id, so a
    signed body for some other order could be edited to name one of ours. Such a match is
    acted on only through Midtrans's own status answer (see ``processing``).
    """
    order_id = payload.get("order_id")
    if isinstance(order_id, str) and order_id:
        attempt = db.session.scalar(select(PaymentAttempt).where(PaymentAttempt.midtrans_order_id == order_id))
        if attempt is not None:
            return Match(attempt, "order_id")
    transaction_id = payload.get("transaction_id")
    if isinstance(transaction_id, str) and transaction_id:
        attempt = db.session.scalar(select(PaymentAttempt).where(PaymentAttempt.transaction_id == transaction_id)
                                    .order_by(PaymentAttempt.id).limit(1))
        if attempt is not None:
            return Match(attempt, "transaction_id")
    return None
