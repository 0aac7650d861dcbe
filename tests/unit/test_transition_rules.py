"""The whole transition table, decided without a database (``transition_rules.decide``).

Every attempt state against every report Midtrans can send, written out as the table
the product promises; then the cases that depend on the order (paid late, paid twice)
and on amounts (refund totals, fee imposition, reversals flagged once).
"""
from __future__ import annotations

from datetime import datetime

import pytest

from checkout.payments.states import OrderStatus as O
from checkout.payments.states import PaymentStatus as P
from checkout.payments.transition_rules import AttemptFacts, OrderFacts, decide
from checkout.payments.transitions import GatewayReport

NOW = datetime(2026, 11, 21, 3, 0, 0)
PRICE = 100_000
HALF = PRICE // 2

# The reports, by a short name: (transaction_status, fraud_status, refunded_total).
REPORTS = {
    "pending": ("pending", None, None),
    "settlement": ("settlement", None, None),
    "capture": ("capture", "accept", None),
    "challenge": ("capture", "challenge", None),
    "capture_deny": ("capture", "deny", None),
    "deny": ("deny", None, None),
    "cancel": ("cancel", None, None),
    "expire": ("expire", None, None),
    "failure": ("failure", None, None),
    "refund": ("refund", None, PRICE),
    "partial_refund": ("partial_refund", None, HALF),
    "chargeback": ("chargeback", None, None),
    "authorize": ("authorize", None, None),
    "unknown": ("something_new", None, None),
}

# What each state becomes for each report, with the flag raised ("=" means unchanged).
# Order open, no other attempt paid, nothing flagged yet.
_ = "="
TABLE = {
    #                    pending  settlement  capture  challenge  capture_deny  deny  cancel  expire  failure  refund  partial_refund  chargeback  authorize  unknown
    P.PENDING:          (_,       "paid",     "paid",  "challenged", "failed",  "failed", "cancelled", "expired", "failed", _, _, _, _, _),
    P.CHALLENGED:       (_,       "paid",     "paid",  _,         "failed",     "failed", "cancelled", "expired", "failed", _, _, _, _, _),
    P.PAID:             (_, _, _, _, "=reversed", "=reversed", "=reversed", _, "=reversed",
                         "refunded", "partially_refunded", "refunded", _, _),
    P.PAID_LATE:        (_, _, _, _, "=reversed", "=reversed", "=reversed", _, "=reversed",
                         "refunded", "partially_refunded", "refunded", _, _),
    P.PARTIALLY_REFUNDED: (_, _, _, _, "=reversed", "=reversed", "=reversed", _, "=reversed",
                           "refunded", _, "refunded", _, _),
    P.REFUNDED:         (_, _, _, _, "=reversed", "=reversed", "=reversed", _, "=reversed", _, _, _, _, _),
    P.EXPIRED:          (_, "paid_late+paid_late", "paid_late+paid_late", _, _, _, _, _, _, _, _, _, _, _),
    P.CANCELLED:        (_, "paid_late+paid_late", "paid_late+paid_late", _, _, _, _, _, _, _, _, _, _, _),
    P.FAILED:           (_, "paid_late+paid_late", "paid_late+paid_late", _, _, _, _, _, _, _, _, _, _, _),
}
RECEIVED = {P.PAID, P.PAID_LATE, P.PARTIALLY_REFUNDED, P.REFUNDED}


def report(name: str, **overrides) -> GatewayReport:
    status, fraud, refunded = REPORTS[name]
    fields = dict(transaction_status=status, fraud_status=fraud, gross_amount=PRICE, refunded_total=refunded)
    return GatewayReport(**{**fields, **overrides})


def attempt_in(state: P, **overrides) -> AttemptFacts:
    received = state in RECEIVED
    refunded = {P.PARTIALLY_REFUNDED: HALF, P.REFUNDED: PRICE}.get(state, 0)
    return AttemptFacts(**{"status": state, "gross_amount": PRICE, "paid_amount": PRICE if received else None,
                           "refunded_amount": refunded, **overrides})


def order_for(state: P, **overrides) -> OrderFacts:
    status = {P.PAID: O.PAID, P.PAID_LATE: O.PAID_LATE, P.PARTIALLY_REFUNDED: O.PARTIALLY_REFUNDED,
              P.REFUNDED: O.REFUNDED, P.EXPIRED: O.EXPIRED, P.CANCELLED: O.CANCELLED}.get(state, O.OPEN)
    received = state in RECEIVED
    refunded = {P.PARTIALLY_REFUNDED: HALF, P.REFUNDED: PRICE}.get(state, 0)
    return OrderFacts(**{"status": status, "total_amount": PRICE, "paid_amount": PRICE if received else 0,
                         "refunded_amount": refunded, **overrides})


CASES = [(state, name, expected) for state, row in TABLE.items() for name, expected in zip(REPORTS, row)]


def test_the_table_covers_every_state_and_report():
    assert set(TABLE) == set(P) and all(len(row) == len(REPORTS) for row in TABLE.values())


@pytest.mark.parametrize(("state", "name", "expected"), CASES, ids=[f"{s.value}-{n}" for s, n, _ in CASES])
def test_transition_table(state, name, expected):
    decision = decide(attempt_in(state), order_for(state), report(name), NOW)
    after, _plus, flag = expected.partition("+")
    if expected == "=":
        assert (decision.changed, decision.after, decision.flag) == (False, state, None)
        assert decision.order_changes == {} and decision.order_event is None
    elif expected.startswith("="):
        assert (decision.changed, decision.after, decision.flag) == (True, state, expected[1:])
    else:
        assert decision.changed and decision.after == P(after) and decision.flag == (flag or None)
        assert decision.before == state


def test_money_arriving_is_recorded_with_the_order_and_one_event():
    decision = decide(attempt_in(P.PENDING), order_for(P.PENDING), report("settlement"), NOW)
    assert (decision.paid_amount, decision.paid_at, decision.closes) == (PRICE, NOW, True)
    assert decision.order_changes == {"status": O.PAID, "paid_at": NOW, "paid_amount": PRICE}
    assert decision.order_event == "checkout.session.paid"
    settled_at = datetime(2026, 11, 21, 2, 59, 0)
    later = decide(attempt_in(P.PENDING), order_for(P.PENDING), report("settlement", settlement_time=settled_at), NOW)
    assert later.paid_at == settled_at


def test_paid_on_a_live_attempt_of_an_expired_order_is_paid_and_flagged_late():
    decision = decide(attempt_in(P.PENDING), order_for(P.PENDING, status=O.EXPIRED), report("settlement"), NOW)
    assert (decision.after, decision.flag) == (P.PAID, "paid_late")
    assert decision.order_changes["status"] == O.PAID_LATE
    assert decision.order_event == "checkout.session.paid_late"


def test_a_gave_up_attempt_paid_after_all_moves_the_order_to_paid_late():
    decision = decide(attempt_in(P.EXPIRED), order_for(P.EXPIRED), report("settlement"), NOW)
    assert decision.order_changes == {"status": O.PAID_LATE, "paid_at": NOW, "paid_amount": PRICE}


@pytest.mark.parametrize(("state", "after"), [(P.PENDING, P.PAID), (P.EXPIRED, P.PAID_LATE)])
def test_a_second_payment_for_a_paid_order_is_counted_and_flagged(state, after):
    order = order_for(P.PAID, other_attempt_has_money=True)
    decision = decide(attempt_in(state), order, report("settlement"), NOW)
    assert (decision.after, decision.flag) == (after, "duplicate_payment")
    assert decision.order_changes == {"paid_amount": 2 * PRICE}
    assert decision.order_event == "checkout.session.paid_late"


def test_a_challenged_capture_is_not_money():
    decision = decide(attempt_in(P.PENDING), order_for(P.PENDING), report("challenge"), NOW)
    assert decision.after == P.CHALLENGED and decision.paid_amount is None and not decision.closes
    assert decision.order_changes == {} and decision.order_event is None


def test_refunds_are_monotonic_and_bounded():
    paid, order = attempt_in(P.PAID), order_for(P.PAID)
    partial = decide(paid, order, report("partial_refund", refunded_total=30_000), NOW)
    assert (partial.after, partial.refunded_amount) == (P.PARTIALLY_REFUNDED, 30_000)
    assert partial.order_changes == {"refunded_amount": 30_000, "status": O.PARTIALLY_REFUNDED}
    assert partial.order_event == "checkout.session.refunded"
    # An older, smaller total never lowers what was refunded.
    older = decide(attempt_in(P.PARTIALLY_REFUNDED), order_for(P.PARTIALLY_REFUNDED),
                   report("partial_refund", refunded_total=10_000), NOW)
    assert not older.changed
    # Nothing refunds more than was paid.
    too_much = decide(paid, order, report("partial_refund", refunded_total=3 * PRICE), NOW)
    assert (too_much.after, too_much.refunded_amount) == (P.REFUNDED, PRICE)
    assert too_much.order_changes["status"] == O.REFUNDED
    # A full refund without an amount means everything paid.
    full = decide(paid, order, report("refund", refunded_total=None), NOW)
    assert (full.after, full.refunded_amount) == (P.REFUNDED, PRICE)


def test_refunding_a_second_payment_keeps_the_order_partly_paid():
    attempt = attempt_in(P.PAID)
    order = order_for(P.PAID, paid_amount=2 * PRICE, other_attempt_has_money=True)
    decision = decide(attempt, order, report("refund"), NOW)
    assert decision.order_changes == {"refunded_amount": PRICE, "status": O.PARTIALLY_REFUNDED}


def test_a_reversal_is_flagged_once():
    flagged = attempt_in(P.PAID, flag="reversed")
    assert not decide(flagged, order_for(P.PAID), report("deny"), NOW).changed


def test_refund_on_an_unpaid_attempt_changes_nothing():
    for state in (P.PENDING, P.EXPIRED):
        assert not decide(attempt_in(state), order_for(state), report("refund"), NOW).changed
