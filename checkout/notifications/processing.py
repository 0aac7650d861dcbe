"""Deciding what one delivery means and answering Midtrans (see the package docstring).

``receive`` never raises: every path ends in a ``Result`` with the HTTP status to answer
and the outcome stored on the delivery's row. Temporary failures of ours (the database,
Midtrans's status API) answer 503, which Midtrans retries; never a redirect.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from checkout import shop_settings
from checkout.extensions import db
from checkout.midtrans.errors import GatewayError
from checkout.notifications import matching, recording, verification
from checkout.payments import amounts, gateway_answers
from checkout.notifications.intake import Delivery
from checkout.notifications.recording import Claims
from checkout.observability import context as log_context
from checkout.observability import metrics
from checkout.payments.states import LIVE, MONEY_RECEIVED, PaymentStatus, target_for
from checkout.payments.transitions import GatewayReport, RaceRetriesExhausted, TransitionResult

log = logging.getLogger(__name__)
ACTOR = "midtrans:notification"
P = PaymentStatus
# Why a delivery was rejected, by the status it was answered with (a metric label).
REJECTION_LABELS = {400: "rejected_malformed", 401: "rejected_signature", 413: "rejected_oversize"}
# Failures that a retry a little later can cure: Midtrans retries a 503 four times.
TEMPORARY = (OperationalError, InterfaceError, PoolTimeout, RaceRetriesExhausted)


@dataclass(frozen=True)
class Result:
    http_status: int
    outcome: str
    reason: str | None = None

    @property
    def accepted(self) -> bool:
        return 200 <= self.http_status < 300


@dataclass
class _Decision:
    result: Result
    attempt_id: int | None = None
    heard: bool = False  # a verified notification about this attempt was acted on


def receive(delivery: Delivery) -> Result:
    """Record, verify, match and apply one delivery. Commits; never raises."""
    try:
        notification_id = recording.record(delivery)
    except TEMPORARY:
        db.session.rollback()
        log.warning("midtrans notification not recorded: database unavailable")
        metrics.notification("failed")
        return Result(503, "failed", "database unavailable")

    # What the body claims is stored whatever happens next (unverified until the outcome says so).
    claims = Claims() if delivery.oversize else Claims.of(verification.parse(delivery.body))
    log.info("midtrans notification %s received (%d bytes; claims order_id %s, status %s)", notification_id,
             len(delivery.body), claims.order_id or "-", claims.transaction_status or "-")
    try:
        decision = _decide(delivery)
    except TEMPORARY:
        db.session.rollback()
        log.warning("midtrans notification %s: database unavailable or too busy", notification_id)
        decision = _Decision(Result(503, "failed", "database unavailable or too busy; Midtrans will retry"))
    except GatewayError as exc:
        db.session.rollback()
        log.warning("midtrans notification %s: status API unavailable (%s)", notification_id, exc.message)
        decision = _Decision(Result(503, "failed", f"Midtrans status API: {exc.message}"))
    except Exception:  # a bug: keep the delivery, tell Midtrans to come back
        db.session.rollback()
        log.exception("midtrans notification %s could not be processed", notification_id)
        decision = _Decision(Result(500, "failed", "internal error"))

    try:
        # Only a verified delivery (every 2xx here passed the signature check) is kept whole.
        recording.finish(notification_id, decision.result.outcome, decision.result.reason, claims=claims,
                         attempt_id=decision.attempt_id, notified_attempt=decision.heard,
                         verified_body=delivery.body if decision.result.accepted else None)
    except TEMPORARY:
        db.session.rollback()
        log.warning("midtrans notification %s: outcome not recorded; asking for a retry", notification_id)
        metrics.notification("failed")
        return Result(503, "failed", "database unavailable")
    log.info("midtrans notification %s: %s (%s)", notification_id, decision.result.outcome, decision.result.reason)
    metrics.notification(metric_outcome(decision.result))
    return decision.result


def metric_outcome(result: Result) -> str:
    """The bounded label of checkout_notifications_total: the outcome, rejections by reason."""
    if result.outcome == "rejected":
        return REJECTION_LABELS.get(result.http_status, "rejected_other")
    return result.outcome


def _decide(delivery: Delivery) -> _Decision:
    if delivery.oversize:
        return _Decision(Result(413, "rejected", f"body larger than {delivery.limit} bytes (stored truncated)"))
    payload = verification.parse(delivery.body)
    if payload is None:
        return _Decision(Result(400, "rejected", "body is not a JSON object"))
    settings = shop_settings.current()
    problem = verification.signature_problem(payload, settings.server_key)
    if problem:
        return _Decision(Result(401, "rejected", problem))

    match = matching.find_attempt(payload)
    if match is None:
        # The dashboard's "test notification" names a transaction nobody has.
        return _Decision(Result(200, "ignored", "unknown transaction"))
    attempt = match.attempt
    log_context.bind_attempt(attempt)
    if match.trusted_body:
        # The signed body's own money is checked before anything else (even before the
        # status API is asked), so a bad notification is flagged whatever Midtrans says.
        problem = gateway_answers.answer_problem(payload, attempt)
        if problem:
            amounts.flag_mismatch(attempt, problem, actor=ACTOR)
            return _Decision(Result(200, "mismatch", problem), attempt.id)

    effective, note, source = payload, "", ""
    if settings.verify_with_status_api or not match.trusted_body:
        ident = match.status_ident
        db.session.commit()  # hold no transaction open across a call to Midtrans
        answer = verification.read_status(settings, ident)
        if answer is None:
            return _Decision(Result(200, "ignored", "Midtrans's status API does not know this transaction"),
                             attempt.id)
        effective, source = answer, "status API: "
        said = str(payload.get("transaction_status") or "")
        if str(answer.get("transaction_status") or "") != said:
            note = f"status API says {answer.get('transaction_status')} (body said {said}); "

    checked = gateway_answers.apply_checked(attempt, effective, actor=ACTOR)
    if not checked.applied:
        return _Decision(Result(200, "mismatch", source + checked.problem), attempt.id)
    report = GatewayReport.from_payload(effective)
    outcome, reason = describe(checked.result, report)
    return _Decision(Result(200, outcome, note + reason), attempt.id, heard=True)


def describe(result: TransitionResult, report: GatewayReport) -> tuple[str, str]:
    """The outcome word and reason for what the state machine did with a report."""
    before, after = P(result.before), P(result.after)
    if result.changed:
        flag = f" (flagged {result.flag})" if result.flag else ""
        return "applied", f"{before} -> {after}{flag}"
    target = target_for(report.transaction_status, report.fraud_status)
    if _already_reflected(before, target):
        return "duplicate", f"no change: attempt is already {before}"
    return "ignored", f"out of order: attempt is {before}, notification says {report.transaction_status or '?'}"


def _already_reflected(current: PaymentStatus, target: PaymentStatus | None) -> bool:
    if target is None:
        return current in LIVE
    if target == P.PAID:
        return current in MONEY_RECEIVED
    if target in (P.REFUNDED, P.PARTIALLY_REFUNDED):
        return current in (P.REFUNDED, P.PARTIALLY_REFUNDED)
    return current == target
