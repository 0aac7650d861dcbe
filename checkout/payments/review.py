"""Approving or denying a card payment that Midtrans's fraud detection challenged.

A challenged capture holds the money until the merchant decides. The decision goes to
Midtrans first; its answer (capture/accept after approve, deny after deny) is then
applied through the one state-changing function, like any other report.
"""
from __future__ import annotations

from flask_babel import gettext as _

from checkout import audit, shop_settings
from checkout.errors import NotAllowed, NotFound, PaymentUnavailable
from checkout.extensions import db
from checkout.midtrans.errors import GatewayRejected, GatewayUnavailable
from checkout.models import PaymentAttempt
from checkout.payments.gateway_answers import apply_checked
from checkout.payments.states import PaymentStatus
from checkout.payments.transitions import GatewayReport, TransitionResult, apply_gateway_status

DECISIONS = ("approve", "deny")


def decide(attempt_id: int, decision: str, *, actor: str) -> TransitionResult:
    """Send ``approve`` or ``deny`` to Midtrans and apply its answer. Commits.

    Raises NotFound, NotAllowed (not challenged, or Midtrans refused), PaymentUnavailable.
    If Midtrans says the transaction can no longer be modified (412: decided meanwhile,
    e.g. in its dashboard), the status it reports now is applied instead.
    """
    if decision not in DECISIONS:
        raise ValueError("decision is approve or deny")
    attempt = db.session.get(PaymentAttempt, attempt_id, populate_existing=True)
    if attempt is None:
        raise NotFound(_("Unknown payment."), code="unknown_payment")
    if attempt.status != PaymentStatus.CHALLENGED:
        raise NotAllowed(_("Only payments held for review by Midtrans can be approved or denied."),
                         code="not_challenged")
    gateway = shop_settings.gateway()
    try:
        answer = gateway.approve(attempt.midtrans_order_id) if decision == "approve" else gateway.deny(attempt.midtrans_order_id)
    except GatewayRejected as exc:
        if exc.code != "412":
            raise NotAllowed(exc.message, code=f"gateway_{exc.code}") from None
        answer = gateway.status(attempt.midtrans_order_id)
        if answer is None:
            raise NotAllowed(exc.message, code="gateway_412") from None
        checked = apply_checked(attempt, answer, actor=actor)  # decided elsewhere: what Midtrans says now
        result = checked.result or TransitionResult(attempt.id, attempt.status, attempt.status, changed=False)
    except GatewayUnavailable:
        raise PaymentUnavailable(_("Midtrans could not be reached; nothing was decided. Try again.")) from None
    else:
        result = apply_gateway_status(attempt.id, GatewayReport.from_payload(answer), actor=actor)
    # Recorded after the transition committed: the decision is the owner's act even when
    # Midtrans reports something else (already decided elsewhere).
    audit.record(actor, f"payment.{decision}", subject_type="payment_attempt", subject_id=attempt.midtrans_order_id,
                 before=result.before, after=result.after)
    db.session.commit()
    return result
