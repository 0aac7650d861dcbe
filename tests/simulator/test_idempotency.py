"""``Idempotency-Key``: replay, in-flight 202, failures not stored, long keys ignored."""
import threading
import time

import pytest
import requests

from .conftest import OTHER_KEY, WAIT, order


@pytest.fixture
def sim(thrifty_sim):
    """Tests here share one simulator, except those that flip fault switches."""
    return thrifty_sim


def transactions_for(sim, order_id: str) -> list:
    return requests.get(f"{sim.url}/simulator/transactions", params={"order_id": order_id}, timeout=5).json()


def key(name: str = "") -> str:
    return f"idem-{name}-{time.monotonic_ns()}"[:40]


def test_a_repeat_replays_the_first_response_verbatim(sim):
    headers = {"Idempotency-Key": key("a")}
    body = order("qris")
    first = sim.charge(body, headers=headers)
    second = sim.charge(body, headers=headers)
    assert first.status_code == second.status_code == 200
    assert first.content == second.content  # same transaction_id, same qr_string, same bytes
    assert len(transactions_for(sim, body["transaction_details"]["order_id"])) == 1


def test_replay_does_not_look_at_the_new_body(sim):
    headers = {"Idempotency-Key": key("b")}
    first = sim.charge(order("qris"), headers=headers).json()
    second = sim.charge(order("gopay"), headers=headers).json()
    assert second == first


def test_failures_are_not_stored(sim):
    headers = {"Idempotency-Key": key("c")}
    invalid = order("qris", amount=0)
    assert sim.charge(invalid, headers=headers).status_code == 400
    fixed = order("qris", order_id=invalid["transaction_details"]["order_id"])
    assert sim.charge(fixed, headers=headers).json()["status_code"] == "201"


def test_refusals_over_http_200_are_not_stored_either(sim):
    taken = sim.charged(order("qris"))
    headers = {"Idempotency-Key": key("d")}
    refused = sim.charge(order("qris", order_id=taken["order_id"]), headers=headers).json()
    assert refused["status_code"] == "406"
    assert sim.charge(order("qris"), headers=headers).json()["status_code"] == "201"


def test_keys_longer_than_46_characters_are_ignored(sim):
    headers = {"Idempotency-Key": "k" * 47}
    body = order("qris")
    assert sim.charge(body, headers=headers).json()["status_code"] == "201"
    assert sim.charge(body, headers=headers).json()["status_code"] == "406"  # processed again


def test_46_characters_is_still_a_key(sim):
    headers = {"Idempotency-Key": "k" * 46}
    body = order("qris")
    assert sim.charge(body, headers=headers).content == sim.charge(body, headers=headers).content


def test_keys_are_per_merchant_key(sim):
    headers = {"Idempotency-Key": key("e")}
    mine = sim.charge(order("qris"), headers=headers).json()
    theirs = sim.charge(order("qris"), headers=headers, key=OTHER_KEY).json()
    assert theirs["transaction_id"] != mine["transaction_id"]


def test_actions_are_idempotent_too(sim):
    answer = sim.charged(order("qris"))
    sim.settle(answer["order_id"])
    headers = {"Idempotency-Key": key("f")}
    first = sim.action(answer["order_id"], "refund", {"refund_key": "r", "amount": 1000}, headers=headers)
    second = sim.action(answer["order_id"], "refund", {"refund_key": "r", "amount": 1000}, headers=headers)
    assert first.content == second.content and first.json()["status_code"] == "200"


def test_a_repeat_while_the_first_is_in_flight_gets_202(make_sim):
    sim = make_sim()
    sim.faults(fail_next_api_calls=1, api_failure="timeout", timeout_seconds=1.5)
    headers = {"Idempotency-Key": key("g")}
    body = order("qris")
    first: dict = {}
    slow = threading.Thread(target=lambda: first.update(response=sim.charge(body, headers=headers)))
    slow.start()
    # The stalled call has already created its transaction; wait until it shows.
    deadline = time.monotonic() + WAIT
    while not transactions_for(sim, body["transaction_details"]["order_id"]):
        assert time.monotonic() < deadline
        time.sleep(0.02)
    in_flight = sim.charge(body, headers=headers)
    assert in_flight.status_code == 202
    slow.join(WAIT)
    assert first["response"].json()["status_code"] == "201"
    assert sim.charge(body, headers=headers).content == first["response"].content


def test_the_replay_window_ends(make_sim):
    sim = make_sim(SIMULATOR_IDEMPOTENCY_TTL=0.3)
    headers = {"Idempotency-Key": key("h")}
    first = sim.charge(order("qris"), headers=headers).json()
    deadline = time.monotonic() + WAIT
    while (again := sim.charge(order("qris"), headers=headers).json())["transaction_id"] == first["transaction_id"]:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert again["status_code"] == "201"
