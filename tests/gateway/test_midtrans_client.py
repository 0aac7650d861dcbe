"""The gateway client against the simulator over a real socket."""
import logging
import uuid

import pytest
import requests

from checkout.midtrans.client import Endpoints, MidtransClient
from checkout.midtrans.errors import GatewayAuthError, GatewayRejected, GatewayUnavailable

SERVER_KEY = "SB-Mid-server-ClientTestKey0001"


def client_for(simulator, *, key=SERVER_KEY, retries=0, read_timeout=5.0):
    return MidtransClient(key, Endpoints(simulator.url, simulator.url + "/snap/v1"), retries=retries,
                          read_timeout=read_timeout, backoff=0.01)


def qris_payload(order_id, amount=150_000):
    return {
        "payment_type": "qris",
        "transaction_details": {"order_id": order_id, "gross_amount": amount},
        "item_details": [{"id": "sku-1", "price": amount, "quantity": 1, "name": "Kopi"}],
        "qris": {"acquirer": "gopay"},
    }


def set_faults(simulator, **faults):
    response = requests.post(f"{simulator.url}/simulator/faults", json=faults, timeout=5)
    response.raise_for_status()


def new_order_id():
    return f"CT-{uuid.uuid4().hex[:12]}"


def test_charge_then_status_round_trip(simulator):
    client = client_for(simulator)
    order_id = new_order_id()
    charge = client.charge(qris_payload(order_id), idempotency_key=f"k-{order_id}")
    assert charge["transaction_status"] == "pending"
    assert charge["qr_string"]
    status = client.status(order_id)
    assert status["transaction_id"] == charge["transaction_id"]
    assert status["gross_amount"] == "150000.00"


def test_unknown_transaction_is_none_not_an_error(simulator):
    assert client_for(simulator).status("does-not-exist-123") is None


def test_wrong_key_is_an_auth_error_without_the_key_in_the_message(simulator):
    with pytest.raises(GatewayAuthError) as caught:
        client_for(simulator, key="Mid-server-production-key-XYZ").status("anything")
    assert "XYZ" not in str(caught.value) and "Mid-server" not in str(caught.value)


def test_duplicate_order_id_is_rejected_with_406(simulator):
    client = client_for(simulator)
    order_id = new_order_id()
    client.charge(qris_payload(order_id), idempotency_key=f"a-{order_id}")
    with pytest.raises(GatewayRejected) as caught:
        client.charge(qris_payload(order_id), idempotency_key=f"b-{order_id}")
    assert caught.value.code == "406"


def test_validation_errors_carry_midtrans_messages(simulator):
    payload = qris_payload(new_order_id())
    payload["transaction_details"]["gross_amount"] = 100_000  # items say 150.000
    with pytest.raises(GatewayRejected) as caught:
        client_for(simulator).charge(payload, idempotency_key="v-1")
    assert caught.value.code == "400"
    assert any("gross_amount" in message for message in caught.value.messages)


@pytest.mark.parametrize("failure", ["500", "503"])
def test_server_errors_are_unavailable(simulator, failure):
    set_faults(simulator, fail_next_api_calls=1, api_failure=failure)
    with pytest.raises(GatewayUnavailable):
        client_for(simulator).status("any-order")


def test_status_reads_are_retried_after_a_5xx(simulator):
    order_id = new_order_id()
    client = client_for(simulator, retries=2)
    client.charge(qris_payload(order_id), idempotency_key=f"r-{order_id}")
    set_faults(simulator, fail_next_api_calls=2, api_failure="503")
    assert client.status(order_id)["order_id"] == order_id


def test_charges_are_retried_with_the_same_idempotency_key(simulator):
    order_id = new_order_id()
    client = client_for(simulator, retries=1)
    set_faults(simulator, fail_next_api_calls=1, api_failure="500")
    charge = client.charge(qris_payload(order_id), idempotency_key=f"i-{order_id}")
    again = client.charge(qris_payload(order_id), idempotency_key=f"i-{order_id}")
    assert again["transaction_id"] == charge["transaction_id"]  # replayed, not a second charge


def test_cancels_are_not_retried(simulator):
    order_id = new_order_id()
    client = client_for(simulator, retries=3)
    client.charge(qris_payload(order_id), idempotency_key=f"c-{order_id}")
    set_faults(simulator, fail_next_api_calls=1, api_failure="503")
    with pytest.raises(GatewayUnavailable):
        client.cancel(order_id)
    assert client.status(order_id)["transaction_status"] == "pending"


def test_a_slow_gateway_times_out(simulator):
    set_faults(simulator, fail_next_api_calls=1, api_failure="timeout", timeout_seconds=2)
    with pytest.raises(GatewayUnavailable) as caught:
        client_for(simulator, read_timeout=0.3).status("slow-order")
    assert caught.value.code == "timeout"


def test_unreachable_gateway_is_unavailable():
    client = MidtransClient(SERVER_KEY, Endpoints("http://127.0.0.1:9", "http://127.0.0.1:9/snap/v1"),
                            retries=0, connect_timeout=0.5)
    with pytest.raises(GatewayUnavailable) as caught:
        client.status("x")
    assert caught.value.code == "connection"


def test_refused_transitions_are_412(simulator):
    client = client_for(simulator)
    order_id = new_order_id()
    client.charge(qris_payload(order_id), idempotency_key=f"s-{order_id}")
    requests.post(f"{simulator.url}/simulator/transactions/{order_id}/settle", timeout=5).raise_for_status()
    with pytest.raises(GatewayRejected) as caught:
        client.cancel(order_id)
    assert caught.value.code == "412"


def test_snap_create_and_errors(simulator):
    client = client_for(simulator)
    order_id = new_order_id()
    snap = client.create_snap({"transaction_details": {"order_id": order_id, "gross_amount": 10_000}})
    assert snap["token"] and snap["redirect_url"].startswith(simulator.url)
    with pytest.raises(GatewayAuthError):
        client_for(simulator, key="not-a-key").create_snap({"transaction_details": {"order_id": order_id,
                                                                                    "gross_amount": 10_000}})


def test_the_key_never_reaches_the_logs(simulator, caplog):
    caplog.set_level(logging.DEBUG)
    client = client_for(simulator, retries=1)
    set_faults(simulator, fail_next_api_calls=1, api_failure="503")
    client.status("whatever")
    with pytest.raises(GatewayAuthError):
        client_for(simulator, key="SB-bad").status("whatever")
    assert SERVER_KEY not in caplog.text
    assert "ClientTestKey" not in repr(client)
