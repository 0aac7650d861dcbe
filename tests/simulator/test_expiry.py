"""Expiry: custom_expiry, defaults, the background sweeper and lazy expiry on read."""
import time

import pytest

from .conftest import WAIT, order


def expiring(seconds: int = 1, **extra) -> dict:
    return order("qris", custom_expiry={"expiry_duration": seconds, "unit": "second"}, **extra)


def test_the_sweeper_expires_and_notifies_without_anyone_asking(sim, receiver):
    answer = sim.charged(expiring(1))
    pending, expired = receiver.wait(2, timeout=WAIT)
    assert (expired.json["transaction_status"], expired.json["status_code"]) == ("expire", "202")
    assert expired.json["transaction_id"] == answer["transaction_id"]
    assert sim.status(answer["order_id"])["status_code"] == "407"


def test_a_read_expires_a_transaction_past_due_even_without_the_worker(make_sim):
    sim = make_sim(SIMULATOR_BACKGROUND=False)
    answer = sim.charged(expiring(1))
    deadline = time.monotonic() + WAIT
    while (status := sim.status(answer["order_id"]))["transaction_status"] == "pending":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert (status["transaction_status"], status["status_code"]) == ("expire", "407")
    records = sim.deliveries(order_id=answer["order_id"])
    assert [r["payload"]["transaction_status"] for r in records] == ["expire", "pending"]  # newest first


def test_order_time_in_the_past_is_expired_at_once(sim):
    answer = sim.charged(order("qris", custom_expiry={
        "order_time": "2020-01-01 10:00:00 +0700", "expiry_duration": 15, "unit": "minute"}))
    assert answer["expiry_time"] == "2020-01-01 10:15:00"
    assert sim.status(answer["order_id"])["transaction_status"] == "expire"


@pytest.mark.parametrize("order_time, duration, unit, expected", [
    ("2030-01-01 10:00:00 +0700", 2, "hour", "2030-01-01 12:00:00"),
    ("2030-01-01 10:00:00 +0000", 1, "hour", "2030-01-01 18:00:00"),  # answered in Jakarta time
    ("2030-01-01 10:00:00 +0700", 3, "day", "2030-01-04 10:00:00"),
    ("2030-01-01 10:00:00 +0700", 90, "seconds", "2030-01-01 10:01:30"),
])
def test_custom_expiry_sets_expiry_time(sim, order_time, duration, unit, expected):
    answer = sim.charged(order("bank_transfer", bank_transfer={"bank": "bni"}, custom_expiry={
        "order_time": order_time, "expiry_duration": duration, "unit": unit}))
    assert answer["expiry_time"] == expected


def test_an_expired_transaction_cannot_be_paid(sim, receiver):
    answer = sim.charged(expiring(1))
    receiver.wait(2)
    refused = sim.control(answer["order_id"], "settle")
    assert refused.status_code == 409 and refused.json()["transaction_status"] == "expire"


def test_settled_transactions_do_not_expire(sim, receiver):
    answer = sim.charged(expiring(1))
    sim.settle(answer["order_id"])
    # A sentinel created later with the same lifetime: once the sweeper has expired it,
    # it has also passed the settled transaction's expiry.
    sentinel = sim.charged(expiring(1))
    receiver.wait(4)
    assert sim.status(sentinel["order_id"])["transaction_status"] == "expire"
    assert sim.status(answer["order_id"])["transaction_status"] == "settlement"
    assert len(sim.deliveries(order_id=answer["order_id"])) == 2
