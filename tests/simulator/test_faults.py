"""Fault switches, set by config and over HTTP, and what each one does."""
import time

import pytest
import requests

from checkout.simulator import create_app
from checkout.simulator.faults import DEFAULTS, InvalidFaults

from .conftest import WAIT, order


def faults_url(sim) -> str:
    return f"{sim.url}/simulator/faults"


def test_read_change_and_reset_over_http(sim):
    assert requests.get(faults_url(sim), timeout=5).json() == DEFAULTS
    changed = sim.faults(duplicate_notifications=True, fail_next_api_calls=2)
    assert changed["duplicate_notifications"] is True and changed["fail_next_api_calls"] == 2
    assert changed["out_of_order_notifications"] is False  # partial updates merge
    assert requests.delete(faults_url(sim), timeout=5).json() == DEFAULTS


@pytest.mark.parametrize("body", [
    {"no_such_switch": True},
    {"duplicate_notifications": "yes"},
    {"fail_next_api_calls": -1},
    {"api_failure": "418"},
    {"timeout_seconds": 600},
    [1, 2],
])
def test_invalid_switches_are_refused(sim, body):
    response = requests.post(faults_url(sim), json=body, timeout=5)
    assert response.status_code == 400 and response.json()["problems"]


def test_config_seeds_the_switches(make_sim, receiver):
    sim = make_sim(SIMULATOR_FAULTS={"duplicate_notifications": True})
    assert requests.get(faults_url(sim), timeout=5).json()["duplicate_notifications"] is True
    sim.charged(order("qris"))
    assert len(receiver.wait(2)) == 2


def test_invalid_config_fails_at_start_up(tmp_path):
    with pytest.raises(InvalidFaults):
        create_app({"SIMULATOR_DATABASE": str(tmp_path / "x.db"), "SIMULATOR_FAULTS": {"drop": "everything"}})


def test_duplicate_sends_every_notification_twice(sim, receiver):
    sim.faults(duplicate_notifications=True)
    answer = sim.charged(order("qris"))
    sim.settle(answer["order_id"])
    calls = receiver.wait(4)
    assert sorted(c.json["transaction_status"] for c in calls) == ["pending", "pending", "settlement", "settlement"]
    pendings = [c.body for c in calls if c.json["transaction_status"] == "pending"]
    assert pendings[0] == pendings[1]


def test_out_of_order_sends_settlement_before_pending(sim, receiver):
    sim.faults(out_of_order_notifications=True)
    answer = sim.charged(order("qris"))
    [held] = sim.deliveries(order_id=answer["order_id"])
    assert held["state"] == "held"
    sim.settle(answer["order_id"])
    assert [c.json["transaction_status"] for c in receiver.wait(2)] == ["settlement", "pending"]


def test_switching_out_of_order_off_releases_held_notifications(sim, receiver):
    sim.faults(out_of_order_notifications=True)
    sim.charged(order("qris"))
    requests.delete(faults_url(sim), timeout=5)
    assert receiver.wait(1)[0].json["transaction_status"] == "pending"


def test_delay_holds_deliveries_back(sim, receiver):
    sim.faults(notification_delay_seconds=0.5)
    answer = sim.charged(order("qris"))
    [record] = sim.wait_deliveries(lambda rs: rs[0]["state"] == "delivered", order_id=answer["order_id"])
    assert record["attempts"][0]["at"] >= record["created_at"] + 0.5
    assert len(receiver.wait(1)) == 1


def test_drop_all_records_but_never_sends(sim, receiver):
    sim.faults(drop_notifications=True)
    answer = sim.charged(order("qris"))
    sim.settle(answer["order_id"])
    records = sim.deliveries(order_id=answer["order_id"])
    assert [r["state"] for r in records] == ["dropped", "dropped"]
    assert all(r["attempts"] == [] for r in records)
    assert receiver.at("/notify") == []


def test_drop_next_n_then_deliver_again(sim, receiver):
    sim.faults(drop_next_notifications=1)
    answer = sim.charged(order("qris"))
    sim.settle(answer["order_id"])
    [settlement] = receiver.wait(1)
    assert settlement.json["transaction_status"] == "settlement"
    states = [r["state"] for r in sim.deliveries(order_id=answer["order_id"])]
    assert states[-1] == "dropped"  # the first (pending) one
    assert requests.get(faults_url(sim), timeout=5).json()["drop_next_notifications"] == 0


@pytest.mark.parametrize("code", ["500", "503"])
def test_next_api_calls_fail_with_midtrans_bodies(sim, code):
    sim.faults(fail_next_api_calls=2, api_failure=code)
    body = order("qris")
    for _ in range(2):
        failed = sim.charge(body)
        assert failed.status_code == int(code)
        assert failed.json()["status_code"] == code and failed.json()["status_message"]
    assert sim.status(body["transaction_details"]["order_id"])["status_code"] == "404"  # nothing processed
    assert sim.charged(body)["status_code"] == "201"


def test_snap_failures_speak_snap(sim):
    sim.faults(fail_next_api_calls=1, api_failure="503")
    failed = sim.snap(order(None))
    assert failed.status_code == 503 and list(failed.json()) == ["error_messages"]


def test_timeout_stalls_the_answer_after_processing(sim):
    sim.faults(fail_next_api_calls=1, api_failure="timeout", timeout_seconds=1)
    body = order("qris")
    with pytest.raises(requests.Timeout):
        sim.charge(body, timeout=0.3)
    # The charge went through even though the client gave up waiting, as can happen for real.
    deadline = time.monotonic() + WAIT
    while (status := sim.status(body["transaction_details"]["order_id"]))["status_code"] == "404":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert status["transaction_status"] == "pending"
