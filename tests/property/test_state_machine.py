"""Random sequences of Midtrans statuses, duplicates and reorderings against the state
machine, twice: through the database (``apply_gateway_status``, which must do exactly
what the pure decision says) and against the pure decision alone
(``transition_rules.decide`` on facts kept in memory). Both check the invariants:

* paid at most once: at most one ``checkout.session.paid`` event per order;
* never backwards: nothing leaves the money-received states for a non-money state, and
  nothing returns to pending once it left;
* refunded never exceeds paid, for each attempt and for the order;
* an order with money on any attempt is never left looking unpaid.
"""
from __future__ import annotations

import itertools

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from checkout.extensions import db
from checkout.models import Order, OutboxEvent, PaymentAttempt
from checkout.payments.states import MONEY_RECEIVED, OrderStatus, PaymentStatus
from checkout.payments.transition_rules import AttemptFacts, OrderFacts, decide
from checkout.payments.transitions import GatewayReport, apply_gateway_status, close_order
from checkout.timeutil import utcnow
from tests.factories import make_attempt, make_order

PRICE = 100_000
STATUSES = [
    ("pending", None), ("settlement", "accept"), ("capture", "accept"), ("capture", "challenge"),
    ("capture", "deny"), ("deny", None), ("cancel", None), ("expire", None), ("failure", None),
    ("authorize", None), ("refund", None), ("partial_refund", None), ("chargeback", None),
    ("partial_chargeback", None), ("something_new", None),
]
PAID_ORDER = {OrderStatus.PAID, OrderStatus.PAID_LATE, OrderStatus.PARTIALLY_REFUNDED, OrderStatus.REFUNDED}


def assert_never_backwards(histories) -> None:
    """Nothing leaves the money states, returns to pending, or leaves ``refunded``."""
    for states in histories:
        for before, after in zip(states, states[1:]):
            if before in MONEY_RECEIVED:
                assert after in MONEY_RECEIVED, (before, after)
            if before != PaymentStatus.PENDING:
                assert after != PaymentStatus.PENDING, (before, after)
            if before == PaymentStatus.REFUNDED:
                assert after == PaymentStatus.REFUNDED


class Deliveries(RuleBasedStateMachine):
    """Reports for one of two attempts, sent, re-sent and reordered; ``_apply`` is the
    machine's own."""

    sent = Bundle("sent")
    runs = itertools.count(1)  # transaction ids stay unique across examples

    def __init__(self):
        super().__init__()
        self.run = next(self.runs)

    @rule(target=sent, index=st.sampled_from([0, 1]), status=st.sampled_from(STATUSES),
          refunded=st.one_of(st.none(), st.integers(min_value=0, max_value=2 * PRICE)))
    def deliver(self, index, status, refunded):
        transaction_status, fraud = status
        report = GatewayReport(transaction_status=transaction_status, fraud_status=fraud,
                               transaction_id=f"tx-{self.run}-{index}", payment_type="qris",
                               gross_amount=PRICE, refunded_total=refunded,
                               raw={"transaction_status": transaction_status})
        self._apply(index, report)
        return index, report

    @rule(previous=sent)
    def redeliver(self, previous):
        """A duplicate, or (since others came after it) an out-of-order delivery."""
        self._apply(*previous)

    def _apply(self, index: int, report: GatewayReport) -> None:
        raise NotImplementedError


class PaymentMachine(Deliveries):
    """One order with two attempts (so a second payment can land), fed reports."""

    def __init__(self):
        super().__init__()
        self.order_id = make_order(items=[("Item", PRICE, 1)]).id
        order = db.session.get(Order, self.order_id)
        self.attempt_ids = [make_attempt(order).id, make_attempt(order).id]
        self.history = {attempt_id: [PaymentStatus.PENDING] for attempt_id in self.attempt_ids}

    def _apply(self, index: int, report: GatewayReport) -> None:
        attempt_id = self.attempt_ids[index]
        expected = decide(*self._facts(attempt_id), report, utcnow())
        result = apply_gateway_status(attempt_id, report, actor="property")
        assert PaymentStatus(result.before) == self.history[attempt_id][-1]
        # The database does exactly what the pure decision says.
        assert (result.before, result.after, result.changed, result.flag) == (
            expected.before, expected.after, expected.changed, expected.flag)
        self.history[attempt_id].append(PaymentStatus(result.after))

    def _facts(self, attempt_id: int) -> tuple[AttemptFacts, OrderFacts]:
        db.session.expire_all()
        attempt = db.session.get(PaymentAttempt, attempt_id)
        order = db.session.get(Order, self.order_id)
        facts = AttemptFacts(PaymentStatus(attempt.status), attempt.gross_amount, attempt.paid_amount,
                             attempt.refunded_amount, attempt.flag)
        others = any(a.id != attempt_id and a.status in MONEY_RECEIVED for a in order.attempts)
        return facts, OrderFacts(OrderStatus(order.status), order.total_amount, order.paid_amount,
                                 order.refunded_amount, others)

    @rule()
    def give_up_order(self):
        close_order(self.order_id, OrderStatus.EXPIRED, actor="property", reason="expired")

    @invariant()
    def invariants_hold(self):
        db.session.expire_all()
        order = db.session.get(Order, self.order_id)
        attempts = db.session.scalars(db.select(PaymentAttempt).where(PaymentAttempt.order_id == self.order_id)
                                      .order_by(PaymentAttempt.id)).all()

        # Paid at most once.
        assert OutboxEvent.query.filter_by(order_id=self.order_id, type="checkout.session.paid").count() <= 1

        assert_never_backwards(self.history.values())

        # Refunded never exceeds paid; the order's sums are its attempts' sums.
        for attempt in attempts:
            assert 0 <= attempt.refunded_amount <= attempt.paid_amount
            if attempt.status not in MONEY_RECEIVED:
                assert attempt.refunded_amount == 0
        money = [attempt for attempt in attempts if attempt.status in MONEY_RECEIVED]
        assert order.paid_amount == sum(attempt.paid_amount for attempt in money)
        assert order.refunded_amount == sum(attempt.refunded_amount for attempt in attempts)
        assert order.refunded_amount <= order.paid_amount

        # Money on any attempt never leaves the order looking unpaid.
        if money:
            assert order.status in PAID_ORDER, order.status


class PureMachine(Deliveries):
    """The same game against ``decide`` alone: one order, two attempts, facts in memory.

    Outcomes are applied to the facts the way the writer applies them, so the decision's
    own bookkeeping (money, refunds, the order's totals and events) is what is checked.
    """

    def __init__(self):
        super().__init__()
        self.attempts = [AttemptFacts(PaymentStatus.PENDING, PRICE), AttemptFacts(PaymentStatus.PENDING, PRICE)]
        self.order = OrderFacts(OrderStatus.OPEN, PRICE)
        self.history = [[PaymentStatus.PENDING], [PaymentStatus.PENDING]]
        self.events: list[str] = []

    def _apply(self, index: int, report: GatewayReport) -> None:
        attempt = self.attempts[index]
        others = any(a.status in MONEY_RECEIVED for i, a in enumerate(self.attempts) if i != index)
        order = OrderFacts(self.order.status, self.order.total_amount, self.order.paid_amount,
                           self.order.refunded_amount, others)
        decision = decide(attempt, order, report, utcnow())
        assert decision.before == attempt.status
        if decision.changed:
            self.attempts[index] = AttemptFacts(
                decision.after, attempt.gross_amount,
                decision.paid_amount if decision.paid_amount is not None else attempt.paid_amount,
                decision.refunded_amount if decision.refunded_amount is not None else attempt.refunded_amount,
                decision.flag or attempt.flag)
            changes = decision.order_changes
            self.order = OrderFacts(changes.get("status", self.order.status), self.order.total_amount,
                                    changes.get("paid_amount", self.order.paid_amount),
                                    changes.get("refunded_amount", self.order.refunded_amount))
            if decision.order_event:
                self.events.append(decision.order_event)
        self.history[index].append(decision.after)

    @rule()
    def give_up_order(self):
        """The order expires or is cancelled (with its attempts possibly still live)."""
        if self.order.status == OrderStatus.OPEN:
            self.order = OrderFacts(OrderStatus.EXPIRED, PRICE, self.order.paid_amount, self.order.refunded_amount)

    @invariant()
    def invariants_hold(self):
        assert self.events.count("checkout.session.paid") <= 1
        assert_never_backwards(self.history)
        for attempt in self.attempts:
            assert 0 <= attempt.refunded_amount <= (attempt.paid_amount or 0)
        money = [attempt for attempt in self.attempts if attempt.status in MONEY_RECEIVED]
        assert self.order.paid_amount == sum(attempt.paid_amount for attempt in money)
        assert self.order.refunded_amount == sum(attempt.refunded_amount for attempt in self.attempts)
        assert self.order.refunded_amount <= self.order.paid_amount
        if money:
            assert self.order.status in PAID_ORDER, self.order.status


def test_pure_decision_invariants():
    run_state_machine_as_test(
        PureMachine,
        settings=settings(max_examples=300, stateful_step_count=20, deadline=None, database=None),
    )


def test_state_machine_invariants(ctx):
    run_state_machine_as_test(
        PaymentMachine,
        settings=settings(max_examples=50, stateful_step_count=12, deadline=None, database=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]),
    )


def test_refunding_a_duplicate_payment_keeps_the_order_paid(ctx):
    """Found by the invariants above: a second payment's refund used to mark the whole
    order refunded (and push its refunded amount past its paid amount)."""
    order = make_order(items=[("Item", PRICE, 1)])
    first, second = make_attempt(order), make_attempt(order)
    for attempt in (first, second):
        apply_gateway_status(attempt.id, GatewayReport("settlement", gross_amount=PRICE), actor="test")
    apply_gateway_status(second.id, GatewayReport("refund", refunded_total=PRICE), actor="test")
    db.session.expire_all()
    order = db.session.get(Order, order.id)
    assert (order.status, order.paid_amount, order.refunded_amount) == (
        OrderStatus.PARTIALLY_REFUNDED, 2 * PRICE, PRICE)
