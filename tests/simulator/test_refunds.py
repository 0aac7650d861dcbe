"""Refunds: who may be refunded, how much, and the two notifications each produces."""
import pytest

from .conftest import order


@pytest.fixture
def sim(thrifty_sim):
    """Tests here share one simulator unless they listen for notifications."""
    return thrifty_sim


def settled(sim, payment_type="qris", amount=150000, **extra) -> dict:
    answer = sim.charged(order(payment_type, amount=amount, **extra))
    sim.settle(answer["transaction_id"])
    return answer


def refund(sim, ident, body=None, direct=False) -> dict:
    response = sim.action(ident, "refund/online/direct" if direct else "refund", body)
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.parametrize("payment_type", ["qris", "gopay", "shopeepay", "akulaku"])
def test_full_refund_of_a_settled_payment(sim, receiver, payment_type):
    answer = settled(sim, payment_type)
    result = refund(sim, answer["order_id"], {"refund_key": "rk-1", "amount": 150000, "reason": "changed mind"})
    assert result["status_code"] == "200"
    assert result["status_message"] == "Success, refund request is approved"
    assert result["transaction_status"] == "refund"
    assert result["refund_amount"] == "150000.00" and result["refund_key"] == "rk-1"
    assert isinstance(result["refund_chargeback_id"], int)
    calls = receiver.wait(4)
    first, second = calls[2].json, calls[3].json
    assert first["transaction_status"] == second["transaction_status"] == "refund"
    assert first["status_code"] == "200"
    assert "bank_confirmed_at" not in first["refunds"][0]
    assert second["refunds"][0]["bank_confirmed_at"]
    assert second["refunds"][0]["refund_key"] == "rk-1"


def test_refund_without_body_refunds_everything(sim):
    answer = settled(sim)
    result = refund(sim, answer["transaction_id"])
    assert result["transaction_status"] == "refund" and result["refund_amount"] == "150000.00"


def test_partial_refunds_add_up(sim):
    answer = settled(sim)
    first = refund(sim, answer["order_id"], {"refund_key": "a", "amount": 50000})
    assert first["transaction_status"] == "partial_refund"
    second = refund(sim, answer["order_id"], {"refund_key": "b", "amount": 100000})
    assert second["transaction_status"] == "refund"
    status = sim.status(answer["order_id"])
    assert status["refund_amount"] == "150000.00"
    assert [r["refund_amount"] for r in status["refunds"]] == ["50000.00", "100000.00"]
    assert status["status_code"] == "200"


@pytest.mark.parametrize("amount", [150001, 0, -1, 100.5, "many"])
def test_invalid_refund_amounts_are_414(sim, amount):
    answer = settled(sim)
    result = refund(sim, answer["order_id"], {"refund_key": "x", "amount": amount})
    assert (result["status_code"], result["status_message"]) == ("414", "Refund request is rejected due to invalid amount")


def test_refund_more_than_what_is_left_is_414(sim):
    answer = settled(sim)
    refund(sim, answer["order_id"], {"refund_key": "a", "amount": 100000})
    assert refund(sim, answer["order_id"], {"refund_key": "b", "amount": 50001})["status_code"] == "414"


def test_duplicate_refund_key_is_406(sim):
    answer = settled(sim)
    refund(sim, answer["order_id"], {"refund_key": "same", "amount": 1000})
    result = refund(sim, answer["order_id"], {"refund_key": "same", "amount": 1000})
    assert (result["status_code"], result["status_message"]) == ("406", "Duplicate refund ID")


@pytest.mark.parametrize("payment_type, extra", [
    ("bank_transfer", {"bank_transfer": {"bank": "bca"}}),
    ("echannel", {"echannel": {"bill_info1": "a", "bill_info2": "b"}}),
    ("cstore", {"cstore": {"store": "indomaret"}}),
])
def test_virtual_accounts_and_stores_are_never_refunded(sim, payment_type, extra):
    answer = settled(sim, payment_type, **extra)
    assert refund(sim, answer["order_id"])["status_code"] == "412"


def test_pending_payments_are_not_refunded(sim):
    answer = sim.charged(order("qris"))
    assert refund(sim, answer["order_id"])["status_code"] == "412"


def test_shopeepay_refunds_only_in_full(sim):
    answer = settled(sim, "shopeepay")
    assert refund(sim, answer["order_id"], {"refund_key": "p", "amount": 1000})["status_code"] == "414"
    assert refund(sim, answer["order_id"], {"refund_key": "f", "amount": 150000})["transaction_status"] == "refund"


def test_direct_refund_is_approved_by_the_bank(sim):
    answer = settled(sim, "gopay")
    result = refund(sim, answer["order_id"], {"refund_key": "d", "amount": 1000}, direct=True)
    assert result["status_message"] == "Success, refund request is approved by the bank"
    assert result["transaction_status"] == "partial_refund"
    assert sim.status(answer["order_id"])["refunds"][0]["refund_method"] == "online"


def test_settled_card_refund(sim):
    token = sim.card_token()
    answer = sim.charged(order("credit_card", credit_card={"token_id": token}))
    assert refund(sim, answer["order_id"])["status_code"] == "412"  # captured, not yet settled
    sim.settle(answer["order_id"])
    assert refund(sim, answer["order_id"], {"refund_key": "c"})["transaction_status"] == "refund"
