"""Asking Midtrans's status API about an attempt: the one claim, and the checked refresh.

Who asks: the customer's status poll and "I have paid" button (``check_now``, behind the
claim), the reconciler (behind the same claim, with its own interval) and the owner's
"re-check now" (``refresh_from_gateway``, no claim: the owner asked on purpose). Every
answer is applied through ``gateway_answers.apply_checked``.

The claim is one conditional UPDATE of ``last_checked_at``, so across every worker and
machine at most one caller per interval asks about an attempt, and only while the attempt
is live. A *final* notification makes the attempt non-live and so ends the checks; a
``pending`` notification is no news that the customer paid and does not.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from flask import current_app
from sqlalchemy import or_, update

from checkout import shop_settings
from checkout.extensions import db
from checkout.midtrans.errors import GatewayError
from checkout.models import PaymentAttempt
from checkout.observability import metrics
from checkout.payments.gateway_answers import Checked, apply_checked
from checkout.payments.snap_checkout import expire_if_untouched
from checkout.payments.states import LIVE_VALUES
from checkout.timeutil import utcnow


class CheckOutcome(StrEnum):
    CHECKED = "checked"        # Midtrans was asked and its answer handled
    NOT_DUE = "not_due"        # someone asked within the interval, or the attempt is not live
    UNREACHABLE = "unreachable"  # this caller won the claim but Midtrans could not be asked


def claim_check(attempt_id: int, *, not_checked_since: datetime, now: datetime | None = None,
                by: str = "poll") -> bool:
    """Atomically take the right to ask Midtrans about a live attempt now. Commits.

    True for exactly one caller among all that race, and only if nobody took it after
    ``not_checked_since``. The status condition is what stops checks once a final
    notification (or any other final answer) has arrived. ``by`` names the claimant in
    the metrics (``poll`` or ``reconciler``).
    """
    now = now or utcnow()
    rows = db.session.execute(
        update(PaymentAttempt)
        .where(
            PaymentAttempt.id == attempt_id,
            PaymentAttempt.status.in_(LIVE_VALUES),
            or_(PaymentAttempt.last_checked_at.is_(None), PaymentAttempt.last_checked_at < not_checked_since),
        )
        .values(last_checked_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    if rows == 1:
        metrics.status_check_claimed(by)
    return rows == 1


def claim_status_check(attempt_id: int, interval_seconds: int) -> bool:
    """The claim with an interval in seconds (the poll's STATUS_CHECK_INTERVAL_SECONDS)."""
    now = utcnow()
    return claim_check(attempt_id, not_checked_since=now - timedelta(seconds=interval_seconds), now=now)


def record_check_outcome(attempt_id: int, *, failed: bool) -> None:
    """Count consecutive failed checks (the page shows a calm note after a few). Commits."""
    values = {"check_failures": PaymentAttempt.check_failures + 1} if failed else {"check_failures": 0}
    db.session.execute(update(PaymentAttempt).where(PaymentAttempt.id == attempt_id).values(**values)
                       .execution_options(synchronize_session=False))
    db.session.commit()


def refresh_from_gateway(attempt: PaymentAttempt, *, actor: str, gateway=None) -> Checked | None:
    """Ask Midtrans and apply its answer, checked. No claim: callers take it first if they
    need one. None when Midtrans does not know the transaction (Snap before a method is
    picked). Raises GatewayError subclasses when it cannot ask."""
    answer = (gateway or shop_settings.gateway()).status(attempt.midtrans_order_id)
    if answer is None:
        return None
    return apply_checked(attempt, answer, actor=actor)


def check_now(attempt_id: int, *, actor: str, interval: int | None = None) -> CheckOutcome:
    """Ask Midtrans about a live attempt if nobody did within ``interval`` seconds
    (default STATUS_CHECK_INTERVAL_SECONDS), and apply the answer. Commits.

    A Snap page past its expiry with no method picked ends here (Snap sends nothing when
    its page expires). Consecutive failures are counted for the page's "still checking" note.
    """
    if interval is None:
        interval = current_app.config["STATUS_CHECK_INTERVAL_SECONDS"]
    if not claim_status_check(attempt_id, interval):
        return CheckOutcome.NOT_DUE
    attempt = db.session.get(PaymentAttempt, attempt_id, populate_existing=True)
    snap_page_expired = (attempt.method == "snap" and attempt.expires_at <= utcnow()
                         and not attempt.transaction_id)
    failures = attempt.check_failures
    try:
        gateway = shop_settings.gateway()
        if snap_page_expired:
            expire_if_untouched(attempt, gateway, actor=actor)
        else:
            refresh_from_gateway(attempt, actor=actor, gateway=gateway)
    except GatewayError:
        record_check_outcome(attempt_id, failed=True)
        return CheckOutcome.UNREACHABLE
    if failures:
        record_check_outcome(attempt_id, failed=False)
    return CheckOutcome.CHECKED


def request_check(attempt: PaymentAttempt, *, actor: str = "customer") -> CheckOutcome:
    """The customer says "I have paid": ask Midtrans now, if the claim allows. Commits.

    Rate-limited by the claim itself, shared with the poll and the reconciler: pressing
    the button a hundred times asks Midtrans at most once per
    STATUS_CHECK_INTERVAL_SECONDS. NOT_DUE also covers an attempt that is no longer live
    or that Midtrans never answered (the reconciler finishes those).
    """
    if attempt.status not in LIVE_VALUES or attempt.gateway_answered_at is None:
        return CheckOutcome.NOT_DUE
    return check_now(attempt.id, actor=actor)
