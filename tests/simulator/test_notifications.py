"""Notifications: payload, signature, where they go, and Midtrans's retry rules."""
import hmac
import threading

import pytest
import requests

from checkout.simulator import signature_key
from checkout.simulator.delivery import RETRY_SCHEDULE_MINUTES

from .conftest import OTHER_KEY, SERVER_KEY, order

FAST = 0.00003  # 2 minutes -> 3.6 ms, 210 minutes -> 0.38 s


@pytest.fixture
def fast_sim(make_sim):
    """A simulator whose retry schedule runs in well under a second."""
    return make_sim(SIMULATOR_TIME_SCALE=FAST)


def verify(body: dict, server_key: str) -> bool:
    expected = signature_key(body["order_id"], body["status_code"], body["gross_amount"], server_key)
    return hmac.compare_digest(expected, body["signature_key"])


def test_notification_shape_headers_and_signature(sim, receiver):
    answer = sim.charged(order("qris", amount=275000))
    sim.settle(answer["order_id"])
    pending, settlement = receiver.wait(2)
    for call in (pending, settlement):
        assert call.headers["User-Agent"] == "Veritrans"
        assert call.headers["Content-Type"] == "application/json"
        assert verify(call.json, SERVER_KEY)
        assert not verify(call.json, OTHER_KEY)
    body = settlement.json
    assert body["status_message"] == "midtrans payment notification"
    assert (body["status_code"], body["transaction_status"], body["fraud_status"]) == ("200", "settlement", "accept")
    assert body["gross_amount"] == "275000.00" and body["currency"] == "IDR"
    assert body["transaction_id"] == answer["transaction_id"] and body["merchant_id"] == "G123456789"
    assert body["settlement_time"] and body["acquirer"] == "gopay" and body["issuer"] == "gopay"
    assert pending.json["status_code"] == "201" and "settlement_time" not in pending.json


def test_each_merchant_key_signs_its_own_notifications(sim, receiver):
    sim.charged(order("qris"), key=OTHER_KEY)
    [call] = receiver.wait(1)
    assert verify(call.json, OTHER_KEY) and not verify(call.json, SERVER_KEY)


def test_override_replaces_the_default_url(sim, receiver):
    urls = ",".join(f"{receiver.url}/{name}" for name in ("a", "b", "c", "d"))
    sim.charged(order("qris"), headers={"X-Override-Notification": urls})
    for name in ("a", "b", "c"):
        receiver.wait(1, path=f"/{name}")
    targets = {d["url"] for d in sim.deliveries()}
    assert targets == {f"{receiver.url}/{name}" for name in ("a", "b", "c")}  # at most three, no default


def test_append_adds_to_the_default_url(sim, receiver):
    sim.charged(order("qris"), headers={"X-Append-Notification": f"{receiver.url}/extra"})
    receiver.wait(1, path="/extra")
    receiver.wait(1, path="/notify")


def test_override_wins_when_both_are_sent(sim, receiver):
    sim.charged(order("qris"), headers={"X-Override-Notification": f"{receiver.url}/only",
                                         "X-Append-Notification": f"{receiver.url}/extra"})
    receiver.wait(1, path="/only")
    assert {d["url"] for d in sim.deliveries()} == {f"{receiver.url}/only"}


def test_without_any_url_notifications_are_recorded_not_sent(make_sim):
    sim = make_sim(SIMULATOR_NOTIFICATION_URL=None)
    answer = sim.charged(order("qris"))
    [record] = sim.deliveries(order_id=answer["order_id"])
    assert record["url"] is None and record["state"] == "no_url" and record["attempts"] == []
    assert record["payload"]["transaction_status"] == "pending"


def attempts_of(sim, path: str, count: int, state: str) -> list[dict]:
    records = sim.wait_deliveries(lambda rs: any(r["url"].endswith(path) and r["state"] == state for r in rs))
    [record] = [r for r in records if r["url"].endswith(path)]
    assert len(record["attempts"]) == count, record["attempts"]
    return record["attempts"]


@pytest.mark.parametrize("code, attempts", [(500, 2), (503, 5), (400, 3), (404, 3), (418, 6)])
def test_failed_deliveries_are_retried_per_status(fast_sim, receiver, code, attempts):
    sim = fast_sim
    path = f"/fail-{code}"
    receiver.respond(path, *[code] * 10)
    sim.charged(order("qris"), headers={"X-Override-Notification": receiver.url + path})
    made = attempts_of(sim, path, attempts, "failed")
    assert [a["status_code"] for a in made] == [code] * attempts
    assert [a["outcome"] for a in made] == ["retry"] * (attempts - 1) + ["gave_up"]
    assert len(receiver.at(path)) == attempts


def test_retries_follow_the_schedule(fast_sim, receiver):
    sim = fast_sim
    receiver.respond("/down", *[418] * 10)
    sim.charged(order("qris"), headers={"X-Override-Notification": receiver.url + "/down"})
    made = attempts_of(sim, "/down", 6, "failed")
    gaps = [later["at"] - (earlier["at"] + earlier["duration"]) for earlier, later in zip(made, made[1:])]
    for gap, minutes in zip(gaps, RETRY_SCHEDULE_MINUTES):
        assert gap >= minutes * 60 * FAST * 0.9  # never earlier than the schedule minus jitter


def test_a_retry_that_succeeds_stops_the_retries(sim, receiver):
    receiver.respond("/flaky", 503, 503)
    sim.charged(order("qris"), headers={"X-Override-Notification": receiver.url + "/flaky"})
    made = attempts_of(sim, "/flaky", 3, "delivered")
    assert [a["status_code"] for a in made] == [503, 503, 200]


def test_connection_failures_get_five_retries(make_sim):
    sim = make_sim(SIMULATOR_NOTIFICATION_URL="http://127.0.0.1:1/nothing-listens", SIMULATOR_TIME_SCALE=FAST)
    sim.charged(order("qris"))
    made = attempts_of(sim, "/nothing-listens", 6, "failed")
    assert all(a["status_code"] is None and a["error"] for a in made)


def test_slow_merchants_time_out_and_are_retried(make_sim, receiver):
    sim = make_sim(SIMULATOR_DELIVERY_TIMEOUT=0.3)
    stuck = threading.Event()
    receiver.respond("/slow", stuck, 200)
    try:
        sim.charged(order("qris"), headers={"X-Override-Notification": receiver.url + "/slow"})
        made = attempts_of(sim, "/slow", 2, "delivered")
        assert "timed out" in made[0]["error"] and made[1]["status_code"] == 200
    finally:
        stuck.set()


@pytest.mark.parametrize("code", [301, 302, 303])
def test_redirects_other_than_307_308_are_failures(fast_sim, receiver, code):
    sim = fast_sim
    receiver.respond("/moved", *[("redirect", code, "/notify")] * 10)
    sim.charged(order("qris"), headers={"X-Override-Notification": receiver.url + "/moved"})
    made = attempts_of(sim, "/moved", 6, "failed")
    assert {a["status_code"] for a in made} == {code}
    assert receiver.at("/notify") == []


@pytest.mark.parametrize("code", [307, 308])
def test_307_and_308_are_followed(sim, receiver, code):
    receiver.respond("/moved", ("redirect", code, "/new-home"))
    sim.charged(order("qris"), headers={"X-Override-Notification": receiver.url + "/moved"})
    [call] = receiver.wait(1, path="/new-home")
    assert call.json["transaction_status"] == "pending"
    assert [a["status_code"] for a in attempts_of(sim, "/moved", 1, "delivered")] == [200]


def test_delivery_never_blocks_the_api_call(sim, receiver):
    release = threading.Event()
    receiver.respond("/busy", release)
    try:
        # If delivery were inline, this call would hang until the receiver is released.
        answer = sim.charged(order("qris"), headers={"X-Override-Notification": receiver.url + "/busy"}, timeout=3)
        receiver.wait(1, path="/busy")
        assert sim.status(answer["order_id"])["transaction_status"] == "pending"
    finally:
        release.set()


def test_deliveries_record_every_attempt(sim, receiver):
    receiver.respond("/notify", 500)
    answer = sim.charged(order("qris"))
    records = sim.wait_deliveries(lambda rs: rs and rs[0]["state"] == "delivered", order_id=answer["order_id"])
    [record] = records
    assert record["payload"]["order_id"] == answer["order_id"]
    assert [(a["status_code"], a["outcome"]) for a in record["attempts"]] == [(500, "retry"), (200, "delivered")]
    assert all(a["url"] == f"{receiver.url}/notify" and a["at"] > 0 for a in record["attempts"])


def test_notifications_list_filters(sim):
    first = sim.charged(order("qris"))
    sim.charged(order("qris"))
    filtered = requests.get(f"{sim.url}/simulator/notifications", params={"order_id": first["order_id"]}, timeout=5).json()
    assert {record["order_id"] for record in filtered} == {first["order_id"]}
