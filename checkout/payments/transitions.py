"""The one function that changes a payment attempt's state, and the order's with it.

Webhooks, status polls, the reconciler and admin actions all call ``apply_gateway_status``.
Concurrency is settled by the database, never by a read-then-write in Python:

* on PostgreSQL the attempt row is read ``FOR UPDATE``, so concurrent callers queue;
* everywhere, the write is ``UPDATE ... WHERE id = :id AND version = :seen``. A caller
  that lost the race sees zero rows updated, rolls back and re-reads; by then the move
  it wanted has usually happened already and becomes a no-op.

So of fifty simultaneous deliveries of one settlement exactly one performs the
transition and writes its audit and outbox rows.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.exc import OperationalError

from checkout import audit
from checkout.alerts import causes as alert_causes
from checkout.extensions import db
from checkout.models import Order, PaymentAttempt
from checkout.money import parse_gateway_amount
from checkout.outbox.events import emit
from checkout.payments.states import (
    GAVE_UP,
    LIVE,
    MONEY_RECEIVED,
    OrderStatus,
    PaymentStatus,
    can_move,
    target_for,
)
from checkout.timeutil import parse_gateway_time, utcnow

log = logging.getLogger(__name__)
P = PaymentStatus
O = OrderStatus
MAX_RACE_RETRIES = 20


@dataclass(frozen=True)
class GatewayReport:
    """What Midtrans says about one transaction, from any source, already verified."""

    transaction_status: str
    fraud_status: str | None = None
    transaction_id: str | None = None
    payment_type: str | None = None
    gross_amount: int | None = None
    refunded_total: int | None = None
    settlement_time: datetime | None = None
    raw: dict = field(default_factory=dict)

    @classmethod
    def from_payload(cls, payload: dict) -> "GatewayReport":
        """Build from a notification or a status answer (lenient: new fields may appear)."""
        refunds = payload.get("refunds") or []
        refunded_total = None
        if isinstance(refunds, list) and refunds:
            amounts = [parse_gateway_amount(r.get("refund_amount")) for r in refunds if isinstance(r, dict)]
            refunded_total = sum(a for a in amounts if a)
        elif payload.get("refund_amount") is not None:
            refunded_total = parse_gateway_amount(payload.get("refund_amount"))
        return cls(
            transaction_status=str(payload.get("transaction_status") or "").lower(),
            fraud_status=payload.get("fraud_status"),
            transaction_id=payload.get("transaction_id"),
            payment_type=payload.get("payment_type"),
            gross_amount=parse_gateway_amount(payload.get("gross_amount")),
            refunded_total=refunded_total,
            settlement_time=parse_gateway_time(payload.get("settlement_time")),
            raw=payload,
        )


@dataclass(frozen=True)
class TransitionResult:
    attempt_id: int
    before: str
    after: str
    changed: bool
    flag: str | None = None


class RaceRetriesExhausted(RuntimeError):
    """Too many concurrent writers; the caller should answer 'try again' (503)."""


def apply_gateway_status(attempt_id: int, report: GatewayReport, *, actor: str,
                         release_reserved: int = 0) -> TransitionResult:
    """Apply what Midtrans reported to the attempt and its order; commit; return the outcome.

    Idempotent and monotonic: a duplicate is a no-op, an older status never moves a newer
    state back, money arriving after we gave up becomes ``paid_late`` and is flagged.
    ``release_reserved`` hands back a refund reservation in the same commit that records
    the refund, so the amount is never counted as both refunded and reserved.
    """
    for round_ in range(MAX_RACE_RETRIES):
        try:
            result = _apply_once(attempt_id, report, actor, release_reserved)
        except OperationalError:
            # SQLite "database is locked" under heavy contention: the write lock went to
            # someone else; re-read and try again.
            db.session.rollback()
            result = None
        if result is not None:
            return result
        time.sleep(min(0.005 * (2 ** round_), 0.2))
    raise RaceRetriesExhausted(f"attempt {attempt_id}: too many concurrent updates")


def _load(attempt_id: int) -> PaymentAttempt:
    stmt = select(PaymentAttempt).where(PaymentAttempt.id == attempt_id).execution_options(populate_existing=True)
    if db.session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    return db.session.execute(stmt).scalar_one()


def _apply_once(attempt_id: int, report: GatewayReport, actor: str, release_reserved: int = 0) -> TransitionResult | None:
    attempt = _load(attempt_id)
    order = db.session.get(Order, attempt.order_id, populate_existing=True)
    before = PaymentStatus(attempt.status)
    target = target_for(report.transaction_status, report.fraud_status)
    values: dict = {}
    flag: str | None = None
    now = utcnow()

    if target is None:
        after = before
    elif target in (P.REFUNDED, P.PARTIALLY_REFUNDED):
        after, refunded = _refund_target(attempt, before, target, report)
        if refunded != attempt.refunded_amount:
            values["refunded_amount"] = refunded
    elif target == P.PAID:
        after, flag = _paid_target(attempt, order, before)
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
    if after == before and flag is None and not values:
        _remember_gateway_facts(attempt, report)
        if release_reserved:
            db.session.execute(
                update(PaymentAttempt).where(PaymentAttempt.id == attempt.id)
                .values(refund_reserved_amount=PaymentAttempt.refund_reserved_amount - release_reserved)
                .execution_options(synchronize_session=False)
            )
        db.session.commit()
        return TransitionResult(attempt.id, before, before, changed=False)

    if release_reserved:
        values["refund_reserved_amount"] = PaymentAttempt.refund_reserved_amount - release_reserved
    values.update(status=after, version=attempt.version + 1, updated_at=now,
                  gateway_status=report.transaction_status or attempt.gateway_status,
                  fraud_status=report.fraud_status or attempt.fraud_status,
                  last_gateway_response=report.raw or attempt.last_gateway_response)
    if report.transaction_id and not attempt.transaction_id:
        values["transaction_id"] = report.transaction_id
    if report.payment_type:
        values["payment_type"] = report.payment_type
    if flag:
        values["flag"] = flag
    if after in (P.PAID, P.PAID_LATE) and before not in MONEY_RECEIVED:
        values["paid_at"] = report.settlement_time or now
        values["paid_amount"] = report.gross_amount or attempt.gross_amount
    if after in GAVE_UP | {P.PAID, P.PAID_LATE, P.REFUNDED}:
        values.setdefault("closed_at", now)

    updated = db.session.execute(
        update(PaymentAttempt)
        .where(PaymentAttempt.id == attempt.id, PaymentAttempt.version == attempt.version)
        .values(**values)
        .execution_options(synchronize_session=False)
    ).rowcount
    if updated != 1:
        db.session.rollback()
        return None

    audit.record(actor, "payment.transition", subject_type="payment_attempt", subject_id=attempt.midtrans_order_id,
                 before=before, after=after,
                 details={"gateway_status": report.transaction_status, "fraud_status": report.fraud_status,
                          "flag": flag, "refunded_amount": values.get("refunded_amount")})
    _update_order(order, attempt, before, after, values, actor)
    alert_causes.payment_needs_attention(attempt, after, flag)
    db.session.commit()
    db.session.expire_all()
    log.info("attempt %s: %s -> %s (%s)", attempt.midtrans_order_id, before, after, actor)
    return TransitionResult(attempt.id, before, after, changed=True, flag=flag)


def _paid_target(attempt: PaymentAttempt, order: Order, before: PaymentStatus) -> tuple[PaymentStatus, str | None]:
    if before in MONEY_RECEIVED:
        return before, None  # capture then settlement, or a duplicate: already paid
    other_paid = any(a.id != attempt.id and a.status in MONEY_RECEIVED for a in order.attempts)
    if other_paid:
        return (P.PAID if before in LIVE else P.PAID_LATE), "duplicate_payment"
    if before in GAVE_UP:
        return P.PAID_LATE, "paid_late"
    if order.status in (O.EXPIRED, O.CANCELLED):
        return P.PAID, "paid_late"
    return P.PAID, None


def _refund_target(attempt, before, target, report) -> tuple[PaymentStatus, int]:
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


def _remember_gateway_facts(attempt: PaymentAttempt, report: GatewayReport) -> None:
    """Facts that change no state (e.g. the transaction_id of a pending QR) still get kept."""
    changes = {}
    if report.transaction_id and not attempt.transaction_id:
        changes["transaction_id"] = report.transaction_id
    if report.payment_type and not attempt.payment_type:
        changes["payment_type"] = report.payment_type
    if report.transaction_status and attempt.status in LIVE:
        changes["gateway_status"] = report.transaction_status
    if changes:
        db.session.execute(
            update(PaymentAttempt).where(PaymentAttempt.id == attempt.id).values(**changes)
            .execution_options(synchronize_session=False)
        )


def _update_order(order: Order, attempt: PaymentAttempt, before, after, values: dict, actor: str) -> None:
    """Move the order along with the attempt; emit the shop's event for what changed."""
    order_before = OrderStatus(order.status)
    changes: dict = {}
    event = None
    if after in (P.PAID, P.PAID_LATE) and before not in MONEY_RECEIVED:
        if values.get("flag") == "duplicate_payment":
            # A second payment for one order is the order's money too: counting it keeps
            # refunded <= paid, so refunding the duplicate leaves the order partially
            # refunded instead of "refunded" while the first payment is kept.
            changes = {"paid_amount": order.paid_amount + values["paid_amount"]}
            event = "checkout.session.paid_late"
        elif order_before == O.OPEN:
            changes = {"status": O.PAID, "paid_at": values["paid_at"], "paid_amount": values["paid_amount"]}
            event = "checkout.session.paid" if after == P.PAID else "checkout.session.paid_late"
        elif order_before in (O.EXPIRED, O.CANCELLED):
            changes = {"status": O.PAID_LATE, "paid_at": values["paid_at"], "paid_amount": values["paid_amount"]}
            event = "checkout.session.paid_late"
    elif "refunded_amount" in values:
        delta = values["refunded_amount"] - attempt.refunded_amount
        refunded = order.refunded_amount + delta
        status = O.REFUNDED if refunded >= (order.paid_amount or order.total_amount) else O.PARTIALLY_REFUNDED
        if order_before in (O.PAID, O.PAID_LATE, O.PARTIALLY_REFUNDED):
            changes = {"refunded_amount": refunded, "status": status}
        else:
            changes = {"refunded_amount": refunded}
        event = "checkout.session.refunded"
    if not changes and event is None:
        return
    if changes:
        changes["version"] = order.version + 1
        rows = db.session.execute(
            update(Order).where(Order.id == order.id, Order.version == order.version).values(**changes)
            .execution_options(synchronize_session=False)
        ).rowcount
        if rows != 1:
            raise OperationalError("order changed concurrently", None, Exception("retry"))
        if "status" in changes and changes["status"] != order_before:
            audit.record(actor, "order.transition", subject_type="order", subject_id=order.reference,
                         before=order_before, after=changes["status"])
        db.session.refresh(order)
    db.session.refresh(attempt)
    emit(event, order)


def close_order(order_id: int, status: OrderStatus, *, actor: str, reason: str | None = None) -> bool:
    """Give an open order up (expired or cancelled). Commits; True if this call did it.

    Conditional on the order still being open, so a payment that lands at the same moment
    wins and the close becomes a no-op; money arriving later is ``paid_late``.
    """
    if status not in (O.EXPIRED, O.CANCELLED):
        raise ValueError("orders close as expired or cancelled")
    now = utcnow()
    rows = db.session.execute(
        update(Order).where(Order.id == order_id, Order.status == O.OPEN)
        .values(status=status, closed_at=now, version=Order.version + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    if rows != 1:
        db.session.rollback()
        return False
    order = db.session.get(Order, order_id, populate_existing=True)
    audit.record(actor, "order.transition", subject_type="order", subject_id=order.reference,
                 before=O.OPEN, after=status, details={"reason": reason} if reason else None)
    emit("checkout.session.expired" if status == O.EXPIRED else "checkout.session.cancelled", order)
    db.session.commit()
    return True
