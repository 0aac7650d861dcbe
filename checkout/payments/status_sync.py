"""Asking Midtrans's status API about an attempt, and applying the answer.

Used by the checkout's status poll (rarely, behind a claim), the reconciler, the admin's
"re-check now" and the webhook's optional re-read.
"""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import or_, update

from checkout import shop_settings
from checkout.extensions import db
from checkout.models import PaymentAttempt
from checkout.payments.states import LIVE
from checkout.payments.transitions import GatewayReport, TransitionResult, apply_gateway_status
from checkout.timeutil import utcnow


def claim_status_check(attempt_id: int, interval_seconds: int) -> bool:
    """Atomically claim the right to ask Midtrans about a live attempt now.

    One conditional UPDATE, so across every worker at most one caller per interval wins,
    and only while no notification has told us anything yet. Commits.
    """
    now = utcnow()
    cutoff = now - timedelta(seconds=interval_seconds)
    rows = db.session.execute(
        update(PaymentAttempt)
        .where(
            PaymentAttempt.id == attempt_id,
            PaymentAttempt.status.in_([s.value for s in LIVE]),
            PaymentAttempt.last_notification_at.is_(None),
            or_(PaymentAttempt.last_checked_at.is_(None), PaymentAttempt.last_checked_at < cutoff),
        )
        .values(last_checked_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return rows == 1


def record_check_outcome(attempt_id: int, *, failed: bool) -> None:
    """Count consecutive failed checks (the page shows a calm note after a few). Commits."""
    values = {"check_failures": PaymentAttempt.check_failures + 1} if failed else {"check_failures": 0}
    db.session.execute(update(PaymentAttempt).where(PaymentAttempt.id == attempt_id).values(**values)
                       .execution_options(synchronize_session=False))
    db.session.commit()


def refresh_from_gateway(attempt: PaymentAttempt, *, actor: str) -> TransitionResult | None:
    """Ask Midtrans and apply its answer. None when Midtrans does not know the transaction
    (Snap before a method is picked). Raises GatewayError subclasses when it cannot ask."""
    answer = shop_settings.gateway().status(attempt.midtrans_order_id)
    if answer is None:
        return None
    return apply_gateway_status(attempt.id, GatewayReport.from_payload(answer), actor=actor)
