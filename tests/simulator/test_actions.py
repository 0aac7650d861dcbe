"""Transaction actions, duplicate order ids, and reuse after cancel or expiry."""
import pytest

from .conftest import new_order_id, order

CANNOT_MODIFY = {"status_code": "412", "status_message": "Merchant cannot modify the status of the transaction"}


@pytest.fixture
def sim(thrifty_sim):
    """Tests here share one simulator unless they listen for notifications."""
    return thrifty_sim


def body_of(response) -> dict:
    assert response.status_code == 200, response.text  # refusals too come over HTTP 200
    return response.json()


def subset(answer: dict, expected: dict) -> dict:
    return {key: answer.get(key) for key in expected}


@pytest.mark.parametrize("by", ["order_id", "transaction_id"])
def test_cancel_a_pending_transaction(sim, receiver, by):
    answer = sim.charged(order("bank_transfer", bank_transfer={"bank": "bni"}))
    cancelled = body_of(sim.action(answer[by], "cancel"))
    assert subset(cancelled, {"status_code": 0, "status_message": 0, "transaction_status": 0}) == {
        "status_code": "200", "status_message": "Success, transaction is canceled", "transaction_status": "cancel"}
    assert cancelled["transaction_id"] == answer["transaction_id"]
    calls = receiver.wait(2)
    assert [c.json["transaction_status"] for c in calls] == ["pending", "cancel"]
    assert calls[1].json["status_code"] == "202"


def test_expire_a_pending_transaction_answers_407(sim, receiver):
    answer = sim.charged(order("qris"))
    expired = body_of(sim.action(answer["order_id"], "expire"))
    assert (expired["status_code"], expired["status_message"], expired["transaction_status"]) == (
        "407", "Success, transaction has expired", "expire")
    assert sim.status(answer["order_id"])["status_code"] == "407"
    assert receiver.wait(2)[1].json["status_code"] == "202"  # the notification says 202


@pytest.mark.parametrize("action", ["cancel", "expire", "approve", "deny"])
def test_settled_transactions_cannot_be_modified(sim, action):
    answer = sim.charged(order("qris"))
    sim.settle(answer["transaction_id"])
    assert subset(body_of(sim.action(answer["order_id"], action)), CANNOT_MODIFY) == CANNOT_MODIFY


@pytest.mark.parametrize("action", ["approve", "deny"])
def test_approve_and_deny_are_only_for_challenged_cards(sim, action):
    answer = sim.charged(order("qris"))
    assert subset(body_of(sim.action(answer["order_id"], action)), CANNOT_MODIFY) == CANNOT_MODIFY


@pytest.mark.parametrize("action", ["cancel", "expire", "approve", "deny", "refund", "refund/online/direct"])
def test_actions_on_unknown_transactions_answer_404(sim, action):
    answer = body_of(sim.action("no-such-order", action))
    assert answer["status_code"] == "404" and answer["status_message"] == "Transaction doesn't exist."


def test_second_charge_with_the_same_order_id_is_406(sim):
    body = order("qris")
    first = sim.charged(body)
    refused = body_of(sim.charge(order("bank_transfer", order_id=first["order_id"], bank_transfer={"bank": "bca"})))
    assert refused["status_code"] == "406"
    assert "conflict" in refused["status_message"]


@pytest.mark.parametrize("ending", ["cancel", "expire"])
def test_cancelled_or_expired_order_ids_can_be_reused(sim, ending):
    order_id = new_order_id()
    old = sim.charged(order("qris", order_id=order_id))
    body_of(sim.action(order_id, ending))
    new = sim.charged(order("gopay", order_id=order_id))
    assert new["transaction_id"] != old["transaction_id"]
    assert sim.status(order_id)["transaction_id"] == new["transaction_id"]   # order_id finds the new one
    assert sim.status(old["transaction_id"])["transaction_status"] == ending  # the old one is still there
    refused = body_of(sim.charge(order("qris", order_id=order_id)))
    assert refused["status_code"] == "406"


def test_settled_and_denied_order_ids_stay_taken(sim):
    order_id = new_order_id()
    sim.charged(order("qris", order_id=order_id))
    sim.settle(order_id)
    assert body_of(sim.charge(order("qris", order_id=order_id)))["status_code"] == "406"
