"""The transition table: what may follow what, and what Midtrans's statuses mean."""
import pytest

from checkout.payments.states import ALLOWED, GAVE_UP, MONEY_RECEIVED, PaymentStatus as P, can_move, target_for


def test_nothing_returns_to_pending():
    assert all(P.PENDING not in targets for targets in ALLOWED.values())


def test_money_received_only_moves_towards_refunded():
    for state in MONEY_RECEIVED:
        assert ALLOWED[state] <= {P.PARTIALLY_REFUNDED, P.REFUNDED}


def test_given_up_attempts_can_only_learn_they_were_paid_late():
    for state in GAVE_UP:
        assert ALLOWED[state] == {P.PAID_LATE}


def test_refunded_is_terminal():
    assert ALLOWED[P.REFUNDED] == frozenset()


@pytest.mark.parametrize("current, target, allowed", [
    (P.PENDING, P.PAID, True),
    (P.PENDING, P.CHALLENGED, True),
    (P.CHALLENGED, P.PAID, True),
    (P.PAID, P.EXPIRED, False),
    (P.PAID, P.PENDING, False),
    (P.EXPIRED, P.PAID, False),
    (P.EXPIRED, P.PAID_LATE, True),
    (P.PARTIALLY_REFUNDED, P.REFUNDED, True),
    (P.REFUNDED, P.PARTIALLY_REFUNDED, False),
])
def test_can_move(current, target, allowed):
    assert can_move(current, target) is allowed


@pytest.mark.parametrize("status, fraud, expected", [
    ("settlement", None, P.PAID),
    ("capture", "accept", P.PAID),
    ("capture", None, P.PAID),
    ("capture", "challenge", P.CHALLENGED),
    ("capture", "deny", P.FAILED),
    ("pending", None, None),
    ("authorize", None, None),
    ("deny", "deny", P.FAILED),
    ("failure", None, P.FAILED),
    ("cancel", None, P.CANCELLED),
    ("expire", None, P.EXPIRED),
    ("refund", None, P.REFUNDED),
    ("partial_refund", None, P.PARTIALLY_REFUNDED),
    ("chargeback", None, P.REFUNDED),
    ("partial_chargeback", None, P.PARTIALLY_REFUNDED),
    ("SETTLEMENT", None, P.PAID),
    ("something_new", None, None),
])
def test_gateway_status_targets(status, fraud, expected):
    assert target_for(status, fraud) == expected
