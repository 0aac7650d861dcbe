"""The one function that changes a payment attempt's state, and the order's with it.

Webhooks, status polls, the reconciler and admin actions all call ``apply_gateway_status``
(Midtrans's answers through ``gateway_answers.apply_checked``). What should happen is
decided by the pure ``transition_rules.decide``; this module loads the rows and writes
the decision. Concurrency is settled by the database, never by a read-then-write in Python:

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

from sqlalchemy import exists, select, update
from sqlalchemy.exc import OperationalError

from checkout import audit, customer_mail
from checkout.alerts import causes as alert_causes
from checkout.extensions import db
from checkout.models import Order, PaymentAttempt
from checkout.money import parse_gateway_amount
from checkout.observability import context as log_context
from checkout.observability import metrics
from checkout.outbox.events import emit
from checkout.payments import pay_instructions
from checkout.payments.states import (
    FINAL_FOR_CUSTOMER,
    LIVE,
    LIVE_VALUES,
    MONEY_RECEIVED,
    OrderStatus,
    PaymentStatus,
)
from checkout.payments.transition_rules import AttemptFacts, Decision, OrderFacts, decide
from checkout.timeutil import parse_gateway_time, utcnow

log = logging.getLogger(__name__)
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
            fraud_status=_text(payload.get("fraud_status")),
            transaction_id=_text(payload.get("transaction_id")),
            payment_type=_text(payload.get("payment_type")),
            gross_amount=parse_gateway_amount(payload.get("gross_amount")),
            refunded_total=refunded_total,
            settlement_time=parse_gateway_time(payload.get("settlement_time")),
            raw=payload,
        )


def _text(value: object) -> str | None:
    """A text field as text; anything else (a list, a number: never from Midtrans) as absent."""
    return value if isinstance(value, str) and value else None


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
    """Load the rows, let ``transition_rules.decide`` judge, write the outcome. None when a
    concurrent writer won the version check (the caller re-reads and tries again)."""
    attempt = _load(attempt_id)
    log_context.bind_attempt(attempt)
    order = db.session.get(Order, attempt.order_id, populate_existing=True)
    decision = decide(_attempt_facts(attempt), _order_facts(order, attempt), report, utcnow())
    if not decision.changed:
        _remember_gateway_facts(attempt, report)
        if release_reserved:
            db.session.execute(
                update(PaymentAttempt).where(PaymentAttempt.id == attempt.id)
                .values(refund_reserved_amount=PaymentAttempt.refund_reserved_amount - release_reserved)
                .execution_options(synchronize_session=False)
            )
        db.session.commit()
        return TransitionResult(attempt.id, decision.before, decision.before, changed=False)

    # What this report refunds, read before the write refreshes the row.
    refund_amount = (decision.refunded_amount - attempt.refunded_amount) if decision.refunded_amount is not None else 0
    if not _write_attempt(attempt, decision, report, release_reserved):
        db.session.rollback()
        return None
    before, after = decision.before, decision.after
    method, refunded_before = attempt.method, attempt.refunded_amount  # read before the commit expires them
    audit.record(actor, "payment.transition", subject_type="payment_attempt", subject_id=attempt.midtrans_order_id,
                 before=before, after=after,
                 details={"gateway_status": report.transaction_status, "fraud_status": report.fraud_status,
                          "flag": decision.flag, "refunded_amount": decision.refunded_amount})
    _write_order(order, attempt, decision, actor)
    customer_mail.queue_for(decision.order_event, order, refund_amount=refund_amount)
    alert_causes.payment_needs_attention(attempt, after, decision.flag)
    db.session.commit()
    db.session.expire_all()
    log.info("attempt %s: %s -> %s (%s)", attempt.midtrans_order_id, before, after, actor)
    _count(method, decision, refunded_before)
    return TransitionResult(attempt.id, before, after, changed=True, flag=decision.flag)


def _count(method: str, decision: Decision, refunded_before: int) -> None:
    """The metrics of a committed transition: final states reached, money in and out."""
    if decision.after != decision.before and decision.after in FINAL_FOR_CUSTOMER:
        metrics.attempt_finished(method, decision.after)
    if decision.paid_amount is not None:
        metrics.money_received(method, decision.paid_amount)
    if decision.refunded_amount is not None and decision.refunded_amount > refunded_before:
        metrics.money_refunded(method, decision.refunded_amount - refunded_before)


def _attempt_facts(attempt: PaymentAttempt) -> AttemptFacts:
    return AttemptFacts(status=PaymentStatus(attempt.status), gross_amount=attempt.gross_amount,
                        paid_amount=attempt.paid_amount, refunded_amount=attempt.refunded_amount, flag=attempt.flag)


def _order_facts(order: Order, attempt: PaymentAttempt) -> OrderFacts:
    return OrderFacts(status=OrderStatus(order.status), total_amount=order.total_amount,
                      paid_amount=order.paid_amount, refunded_amount=order.refunded_amount,
                      other_attempt_has_money=any(a.id != attempt.id and a.status in MONEY_RECEIVED
                                                  for a in order.attempts))


def _write_attempt(attempt: PaymentAttempt, decision: Decision, report: GatewayReport, release_reserved: int) -> bool:
    """The attempt's row, only if nobody changed it since it was read (its version)."""
    now = utcnow()
    values: dict = dict(status=decision.after, version=attempt.version + 1, updated_at=now,
                        gateway_status=report.transaction_status or attempt.gateway_status,
                        fraud_status=report.fraud_status or attempt.fraud_status,
                        last_gateway_response=report.raw or attempt.last_gateway_response)
    if release_reserved:
        values["refund_reserved_amount"] = PaymentAttempt.refund_reserved_amount - release_reserved
    if decision.refunded_amount is not None:
        values["refunded_amount"] = decision.refunded_amount
    if report.transaction_id and not attempt.transaction_id:
        values["transaction_id"] = report.transaction_id
    if report.payment_type:
        values["payment_type"] = report.payment_type
    if decision.flag:
        values["flag"] = decision.flag
    if decision.paid_amount is not None:
        values["paid_at"] = decision.paid_at
        values["paid_amount"] = decision.paid_amount
    if decision.closes:
        values["closed_at"] = now
    return db.session.execute(
        update(PaymentAttempt)
        .where(PaymentAttempt.id == attempt.id, PaymentAttempt.version == attempt.version)
        .values(**values)
        .execution_options(synchronize_session=False)
    ).rowcount == 1


def _remember_gateway_facts(attempt: PaymentAttempt, report: GatewayReport) -> None:
    """Facts that change no state (e.g. the transaction_id of a pending QR) still get kept."""
    changes = {}
    if report.transaction_id and not attempt.transaction_id:
        changes["transaction_id"] = report.transaction_id
    if report.payment_type and not attempt.payment_type:
        changes["payment_type"] = report.payment_type
    instructions = pay_instructions.from_payload(report.raw) if attempt.status in LIVE else None
    if instructions and instructions != attempt.pay_instructions:
        changes["pay_instructions"] = instructions
    if report.transaction_status and attempt.status in LIVE:
        changes["gateway_status"] = report.transaction_status
    if changes:
        db.session.execute(
            update(PaymentAttempt).where(PaymentAttempt.id == attempt.id).values(**changes)
            .execution_options(synchronize_session=False)
        )


def _write_order(order: Order, attempt: PaymentAttempt, decision: Decision, actor: str) -> None:
    """Move the order as decided (under its own version check); emit the shop's event."""
    if not decision.order_changes and decision.order_event is None:
        return
    order_before = OrderStatus(order.status)
    changes = dict(decision.order_changes)
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
    emit(decision.order_event, order)


def close_order(order_id: int, status: OrderStatus, *, actor: str, reason: str | None = None) -> bool:
    """Give an open order with no live attempt up (expired or cancelled). Commits; True if
    this call did it.

    Loses to anything that touched the order since it looked: a payment landing at the
    same moment (money arriving later is ``paid_late``), and a new attempt being opened
    (``checkout_flow.open_attempt`` bumps the order's version in the transaction that
    inserts it). The check and the write are two statements joined by the version, so
    on PostgreSQL the write re-checks the row a concurrent opener just committed, and on
    SQLite the write transaction sees it; an expired order never keeps a payable attempt.
    """
    if status not in (O.EXPIRED, O.CANCELLED):
        raise ValueError("orders close as expired or cancelled")
    live_attempt = exists().where(PaymentAttempt.order_id == Order.id, PaymentAttempt.status.in_(LIVE_VALUES))
    seen = db.session.scalar(select(Order.version).where(Order.id == order_id, Order.status == O.OPEN, ~live_attempt))
    if seen is None:
        db.session.rollback()
        return False
    now = utcnow()
    rows = db.session.execute(
        update(Order).where(Order.id == order_id, Order.status == O.OPEN, Order.version == seen)
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
