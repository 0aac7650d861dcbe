"""The reconciler: finish what notifications and polls left open. Run from cron every minute.

Which attempts it asks Midtrans about: live ones (pending or challenged) of the
environment in force that nobody (a poll or another reconciler run) checked within the
interval (2 minutes, growing to 15 for long-lived attempts such as 24-hour virtual
accounts), and that are:

* past their expiry: Midtrans should have said expire (or paid) by now;
* record-before-call left a trace: ``gateway_answered_at`` is NULL a minute after the
  attempt was created (a crash between recording and charging, or a lost answer);
* no news: created more than an interval ago with no notification within the interval
  (a dropped notification, a wrong notification URL).

What it does with the answer: applies it through ``gateway_answers.apply_checked``
(actor ``system:reconciler``), the same order id, amount and currency check every
answer gets. An attempt Midtrans still reports pending ``stuck_after`` (10 minutes) past
its expiry is expired *at Midtrans* (``POST /v2/{id}/expire``), and the status Midtrans
reports afterwards is applied: if the customer paid at the last moment, Midtrans refuses
and says so, and the payment counts. It never expires an attempt on its own clock without
asking first; the one local expiry is an attempt Midtrans does not know (404) whose
expiry has passed, which is how a Snap page ends (Snap sends nothing when its page
expires). When Midtrans cannot be reached, the attempt is left for the next run.

Then it closes open orders whose ``expires_at`` passed with no live attempt.

Safe to run twice at once: each attempt is claimed with one conditional UPDATE on
``last_checked_at`` (shared with the customer's poll claim) before Midtrans is called,
so two runs never ask about the same attempt; order closing is conditional too.
"""
from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Callable

from flask import current_app
from sqlalchemy import and_, exists, or_, select

from checkout import audit, shop_settings
from checkout.alerts import causes as alert_causes
from checkout.extensions import db
from checkout.midtrans.errors import GatewayError, GatewayRejected
from checkout.models import Order, PaymentAttempt
from checkout.observability import context as log_context
from checkout.observability import metrics
from checkout.payments import amounts, gateway_answers, status_sync
from checkout.payments.states import LIVE_VALUES, OrderStatus
from checkout.payments.transitions import (
    GatewayReport,
    RaceRetriesExhausted,
    apply_gateway_status,
    close_order,
)
from checkout.timeutil import utcnow

log = logging.getLogger(__name__)
ACTOR = "system:reconciler"


@dataclass(frozen=True)
class Rules:
    interval: timedelta = timedelta(minutes=2)  # no news for this long -> ask
    max_interval: timedelta = timedelta(minutes=15)  # back-off ceiling for long-lived attempts
    unanswered_after: timedelta = timedelta(minutes=1)  # gateway_answered_at NULL this long -> ask
    expiry_grace: timedelta = timedelta(minutes=1)  # clock skew allowed before a local expiry
    stuck_after: timedelta = timedelta(minutes=10)  # still pending this long past expiry -> expire at Midtrans

    @classmethod
    def from_config(cls) -> "Rules":
        config = current_app.config
        return cls(
            interval=timedelta(seconds=config.get("RECONCILE_INTERVAL_SECONDS", 120)),
            max_interval=timedelta(seconds=config.get("RECONCILE_MAX_INTERVAL_SECONDS", 900)),
            unanswered_after=timedelta(seconds=config.get("RECONCILE_UNANSWERED_AFTER_SECONDS", 60)),
            expiry_grace=timedelta(seconds=config.get("RECONCILE_EXPIRY_GRACE_SECONDS", 60)),
            stuck_after=timedelta(seconds=config.get("RECONCILE_STUCK_PENDING_SECONDS", 600)),
        )


@dataclass
class Summary:
    checked: int = 0
    changed: int = 0
    unchanged: int = 0
    unreachable: int = 0
    flagged: int = 0
    claimed_elsewhere: int = 0
    orders_closed: int = 0
    lines: list[str] = field(default_factory=list)

    def line(self) -> str:
        return (f"reconcile: checked {self.checked} attempt(s): {self.changed} changed, {self.unchanged} unchanged, "
                f"{self.unreachable} left for the next run, {self.flagged} flagged, "
                f"{self.claimed_elsewhere} taken by another run; closed {self.orders_closed} order(s)")


def reconcile(*, limit: int = 200, max_seconds: float | None = None, echo: Callable[[str], None] | None = None,
              now: datetime | None = None, rules: Rules | None = None, stop: threading.Event | None = None) -> Summary:
    """One pass. Commits as it goes; prints one line per change through ``echo``.

    ``stop`` (set on SIGTERM) ends the pass before the next claim; an attempt already
    claimed is finished first, never left half done.
    """
    now = now or utcnow()
    rules = rules or Rules.from_config()
    summary = Summary()
    say = _sayer(summary, echo)
    deadline = time.monotonic() + max_seconds if max_seconds else None

    environment = shop_settings.current().environment
    candidates = due_attempts(now, rules, limit, environment=environment)
    gateway = None
    if candidates:
        try:
            gateway = shop_settings.gateway()
        except GatewayError as exc:
            say(f"cannot ask Midtrans: {exc.message}; {len(candidates)} attempt(s) left for the next run")
            summary.unreachable += len(candidates)
            candidates = []
    for attempt_id, cutoff in candidates:
        if deadline is not None and time.monotonic() > deadline:
            say("time budget used up; the rest is left for the next run")
            break
        if stop is not None and stop.is_set():
            say("stopping; the rest is left for the next run")
            break
        if not claim(attempt_id, cutoff, now):
            summary.claimed_elsewhere += 1
            continue
        summary.checked += 1
        log_context.start(None)  # this attempt's lines carry its own order and attempt only
        log_context.bind(attempt=attempt_id)
        _reconcile_attempt(attempt_id, gateway, now, rules, summary, say)
    log_context.start(None)

    for order_id, reference in expired_orders(now, limit):
        if close_order(order_id, OrderStatus.EXPIRED, actor=ACTOR, reason="expired with no live payment attempt"):
            summary.orders_closed += 1
            say(f"order {reference}: open -> expired (its expiry passed with no live payment attempt)")
    metrics.reconciler_run(changed=summary.changed, unchanged=summary.unchanged, flagged=summary.flagged,
                           unreachable=summary.unreachable, claimed_elsewhere=summary.claimed_elsewhere,
                           orders_closed=summary.orders_closed)
    log.info("%s", summary.line())
    if echo:
        echo(summary.line())
    return summary


def due_attempts(now: datetime, rules: Rules, limit: int, *, environment: str) -> list[tuple[int, datetime]]:
    """Live attempts to ask about now, each with the claim cutoff that applies to it.

    Only attempts of the environment in force: the other environment's Midtrans would
    not know them, and "unknown" must never become a local expiry by mistake.
    """
    base_cutoff = now - rules.interval
    rows = db.session.execute(
        select(PaymentAttempt.id, PaymentAttempt.created_at, PaymentAttempt.expires_at,
               PaymentAttempt.gateway_answered_at, PaymentAttempt.last_checked_at)
        .where(
            PaymentAttempt.status.in_(LIVE_VALUES),
            PaymentAttempt.environment == environment,
            or_(PaymentAttempt.last_checked_at.is_(None), PaymentAttempt.last_checked_at < base_cutoff),
            or_(
                PaymentAttempt.expires_at < now,
                and_(PaymentAttempt.gateway_answered_at.is_(None),
                     PaymentAttempt.created_at < now - rules.unanswered_after),
                and_(PaymentAttempt.created_at < base_cutoff,
                     or_(PaymentAttempt.last_notification_at.is_(None),
                         PaymentAttempt.last_notification_at < base_cutoff)),
            ),
        )
        .order_by(PaymentAttempt.last_checked_at.asc().nulls_first(), PaymentAttempt.id)
        .limit(limit)
    ).all()
    db.session.rollback()  # end the read; claims and calls come next, one by one
    due = []
    for row in rows:
        urgent = row.expires_at < now or row.gateway_answered_at is None
        # Long-lived attempts (a 24-hour virtual account) are asked less often as they age.
        interval = rules.interval if urgent else min(max(rules.interval, (now - row.created_at) / 10),
                                                     rules.max_interval)
        cutoff = now - interval
        if row.last_checked_at is None or row.last_checked_at < cutoff:
            due.append((row.id, cutoff))
    return due


def claim(attempt_id: int, cutoff: datetime, now: datetime) -> bool:
    """Take the right to ask Midtrans about this attempt now; one caller wins. Commits.

    The same claim the customer's poll takes (``status_sync.claim_check``).
    """
    return status_sync.claim_check(attempt_id, not_checked_since=cutoff, now=now, by="reconciler")


def expired_orders(now: datetime, limit: int) -> list[tuple[int, str]]:
    live_attempt = exists().where(PaymentAttempt.order_id == Order.id, PaymentAttempt.status.in_(LIVE_VALUES))
    rows = db.session.execute(
        select(Order.id, Order.reference)
        .where(Order.status == OrderStatus.OPEN, Order.expires_at < now, ~live_attempt)
        .order_by(Order.expires_at).limit(limit)
    ).all()
    db.session.rollback()
    return [(row.id, row.reference) for row in rows]


def _reconcile_attempt(attempt_id, gateway, now, rules, summary: Summary, say) -> None:
    attempt = db.session.get(PaymentAttempt, attempt_id, populate_existing=True)
    name = attempt.midtrans_order_id
    db.session.commit()  # hold no transaction open across a call to Midtrans
    try:
        answer = gateway.status(name)
        if _stuck_pending(attempt, answer, now, rules):
            say(f"{name}: Midtrans still says pending long after the expiry; asking it to expire the transaction")
            answer = _expire_at_midtrans(gateway, name)
    except GatewayError as exc:
        summary.unreachable += 1
        say(f"{name}: Midtrans could not be asked ({exc.message}); left for the next run")
        return
    try:
        if answer is None:
            _not_known(attempt, now, rules, summary, say)
            return
        checked = gateway_answers.apply_checked(attempt, answer, actor=ACTOR)
        if not checked.applied:
            if checked.flagged:
                summary.flagged += 1
                say(f"{name}: flagged {amounts.MISMATCH_FLAG} ({checked.problem}); nothing applied")
            else:
                summary.unchanged += 1
            return
        result = checked.result
    except RaceRetriesExhausted:
        summary.unreachable += 1
        say(f"{name}: too busy right now; left for the next run")
        return
    alert_causes.notification_missing(attempt_id, had_notification=attempt.last_notification_at is not None,
                                      changed=result.changed)
    if result.changed:
        summary.changed += 1
        flag = f", flagged {result.flag}" if result.flag else ""
        say(f"{name}: {result.before} -> {result.after} (Midtrans says {answer.get('transaction_status')}{flag})")
    else:
        summary.unchanged += 1


def _stuck_pending(attempt: PaymentAttempt, answer: dict | None, now: datetime, rules: Rules) -> bool:
    """Midtrans reports pending an attempt whose expiry passed ``rules.stuck_after`` ago.

    Midtrans normally expires a QR within a minute or two of its expiry time; a
    transaction still pending long after that would stay payable while the checkout
    shows it as expired. Only an answer about this attempt's own money qualifies.
    """
    return (answer is not None and str(answer.get("transaction_status") or "").lower() == "pending"
            and attempt.expires_at + rules.stuck_after < now
            and gateway_answers.answer_problem(answer, attempt) is None)


def _expire_at_midtrans(gateway, name: str) -> dict | None:
    """Ask Midtrans to expire the transaction, then read what it says now.

    A refusal (412: paid or ended meanwhile) is fine: the status read after it tells us
    what happened instead, and that is what gets applied. Unreachable raises GatewayError.
    """
    try:
        gateway.expire(name)
    except GatewayRejected as exc:
        log.info("%s: Midtrans refused to expire it (%s); applying its current status", name, exc.code)
    return gateway.status(name)


def _not_known(attempt: PaymentAttempt, now, rules: Rules, summary: Summary, say) -> None:
    """Midtrans has no transaction for this attempt (a Snap page nobody used, a charge
    that never left us). Once its expiry has passed nothing can pay it any more."""
    if attempt.expires_at + rules.expiry_grace > now:
        summary.unchanged += 1
        return
    result = apply_gateway_status(attempt.id, GatewayReport(transaction_status="expire"), actor=ACTOR)
    if not result.changed:
        summary.unchanged += 1
        return
    audit.record(ACTOR, "payment.expired_locally", subject_type="payment_attempt",
                 subject_id=attempt.midtrans_order_id,
                 details={"reason": "Midtrans does not know the transaction and its expiry has passed"})
    db.session.commit()
    summary.changed += 1
    say(f"{attempt.midtrans_order_id}: {result.before} -> {result.after} "
        "(Midtrans does not know it and its expiry passed)")


def _sayer(summary: Summary, echo):
    def say(line: str) -> None:
        summary.lines.append(line)
        log.info("%s", line)
        if echo:
            echo(line)
    return say
