"""Snap: create a session, then walk the hosted page with plain HTTP forms."""
import re
import time
from datetime import datetime
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from .conftest import OTHER_KEY, new_order_id, order
from .forms import forms, submit

FINISH = "https://shop.example/finish"
ERROR = "https://shop.example/error"


@pytest.fixture
def sim(thrifty_sim):
    """Tests here share one simulator unless they listen for notifications."""
    return thrifty_sim


def snap_body(amount=150000, **extra) -> dict:
    body = order(None, amount=amount, **extra)
    body.setdefault("callbacks", {"finish": FINISH, "error": ERROR})
    return body


def create(sim, body) -> dict:
    response = sim.snap(body)
    assert response.status_code == 201, response.text
    return response.json()


def offered(page) -> list[str]:
    return [f.fields["method"] for f in forms(page.text) if "method" in f.fields]


def hints(response) -> dict:
    assert response.status_code == 303, response.text
    location = urlsplit(response.headers["Location"])
    return {"url": f"{location.scheme}://{location.netloc}{location.path}",
            **{key: values[0] for key, values in parse_qs(location.query).items()}}


def test_create_answers_token_and_redirect_url(sim):
    created = create(sim, snap_body())
    assert set(created) == {"token", "redirect_url"}
    assert created["redirect_url"] == f"{sim.url}/snap/v2/vtweb/{created['token']}"
    page = requests.get(created["redirect_url"], timeout=5)
    assert page.status_code == 200 and "Rp 150.000" in page.text


def test_status_is_404_until_a_method_is_picked(sim):
    body = snap_body()
    create(sim, body)
    assert sim.status(body["transaction_details"]["order_id"])["status_code"] == "404"


def test_bank_transfer_journey_to_the_finish_url(sim, receiver):
    body = snap_body(enabled_payments=["bca_va", "gopay"])
    order_id = body["transaction_details"]["order_id"]
    page = requests.get(create(sim, body)["redirect_url"], timeout=5)
    assert offered(page) == ["bca_va", "gopay"]

    instructions = submit(page, "BCA Virtual Account", follow=True)
    assert instructions.status_code == 200
    va = sim.status(order_id)["va_numbers"][0]["va_number"]
    assert va in instructions.text
    assert receiver.wait(1)[0].json["transaction_status"] == "pending"

    back = hints(submit(instructions, "I have paid"))
    assert back == {"url": FINISH, "order_id": order_id, "status_code": "200", "transaction_status": "settlement"}
    assert sim.status(order_id)["transaction_status"] == "settlement"
    assert [c.json["transaction_status"] for c in receiver.wait(2)] == ["pending", "settlement"]


def test_qris_journey_shows_the_qr_image(sim):
    body = snap_body(enabled_payments=["other_qris"])
    page = requests.get(create(sim, body)["redirect_url"], timeout=5)
    shown = submit(page, "QRIS", follow=True)
    image = re.search(r'<img src="([^"]+)"', shown.text).group(1)
    assert requests.get(sim.url + image, timeout=5).content.startswith(b"\x89PNG")
    assert sim.status(body["transaction_details"]["order_id"])["payment_type"] == "qris"


def test_card_journey_through_3ds(sim, receiver):
    body = snap_body(enabled_payments=["credit_card"])
    order_id = body["transaction_details"]["order_id"]
    page = requests.get(create(sim, body)["redirect_url"], timeout=5)
    three_ds = submit(page, "Pay with card", follow=True)
    assert 'name="otp"' in three_ds.text
    back = hints(submit(three_ds, "Submit", otp="112233"))
    assert back == {"url": FINISH, "order_id": order_id, "status_code": "200", "transaction_status": "capture"}
    assert [c.json["transaction_status"] for c in receiver.wait(2)] == ["pending", "capture"]


def test_denied_card_goes_to_the_error_url(sim):
    body = snap_body(enabled_payments=["credit_card"])
    page = requests.get(create(sim, body)["redirect_url"], timeout=5)
    three_ds = submit(page, "Pay with card", follow=True, card_number="4911111111111113")
    back = hints(submit(three_ds, "Submit", otp="112233"))
    assert (back["url"], back["transaction_status"], back["status_code"]) == (ERROR, "deny", "202")


def test_cancelling_a_pending_payment_goes_to_the_error_url(sim, receiver):
    body = snap_body(enabled_payments=["indomaret"])
    page = requests.get(create(sim, body)["redirect_url"], timeout=5)
    instructions = submit(page, "Indomaret", follow=True)
    back = hints(submit(instructions, "Cancel this payment"))
    assert (back["url"], back["transaction_status"]) == (ERROR, "cancel")
    assert [c.json["transaction_status"] for c in receiver.wait(2)] == ["pending", "cancel"]


def test_leaving_with_a_pending_payment_reports_pending(sim):
    body = snap_body(enabled_payments=["bni_va"])
    page = requests.get(create(sim, body)["redirect_url"], timeout=5)
    instructions = submit(page, "BNI Virtual Account", follow=True)
    back = hints(submit(instructions, "Back to the merchant"))
    assert (back["url"], back["transaction_status"], back["status_code"]) == (FINISH, "pending", "201")


def test_cancelling_before_picking_goes_back_without_a_transaction(sim):
    body = snap_body(callbacks={"finish": FINISH, "unfinish": "https://shop.example/unfinish"})
    page = requests.get(create(sim, body)["redirect_url"], timeout=5)
    back = hints(submit(page, "Cancel and return"))
    assert back == {"url": "https://shop.example/unfinish", "order_id": body["transaction_details"]["order_id"]}
    assert sim.status(body["transaction_details"]["order_id"])["status_code"] == "404"


@pytest.mark.parametrize("enabled, expected", [
    (["bank_transfer"], ["bca_va", "bni_va", "bri_va", "cimb_va", "permata_va", "echannel"]),
    (["cstore", "gopay"], ["indomaret", "alfamart", "gopay"]),
    (["other_qris", "unknown_wallet"], ["other_qris"]),
])
def test_enabled_payments_and_aliases(sim, enabled, expected):
    page = requests.get(create(sim, snap_body(enabled_payments=enabled))["redirect_url"], timeout=5)
    assert offered(page) == expected


def test_all_methods_by_default_and_a_method_not_offered_is_refused(sim):
    created = create(sim, snap_body(enabled_payments=["gopay"]))
    refused = requests.post(created["redirect_url"] + "/pay", data={"method": "bca_va"}, timeout=5)
    assert refused.status_code == 400
    everything = requests.get(create(sim, snap_body())["redirect_url"], timeout=5)
    assert {"credit_card", "gopay", "shopeepay", "other_qris", "bca_va", "echannel", "indomaret", "akulaku"} <= set(offered(everything))


def test_repeated_order_id_is_accepted_until_a_transaction_exists(sim):
    body = snap_body(enabled_payments=["gopay"])
    first, second = create(sim, body), create(sim, body)  # as the official client's tests do
    assert first["token"] != second["token"]
    submit(requests.get(first["redirect_url"], timeout=5), "GoPay")
    refused = sim.snap(body)
    assert refused.status_code == 400
    assert refused.json() == {"error_messages": ["transaction_details.order_id has already been taken"]}
    late = submit(requests.get(second["redirect_url"], timeout=5), "GoPay")
    assert late.status_code == 409 and "already been taken" in late.text


def test_snap_accepts_order_ids_the_core_api_refuses(sim):
    body = snap_body(order_id=f"order 1:{new_order_id()}")
    created = create(sim, body)
    submit(requests.get(created["redirect_url"], timeout=5), "GoPay")
    assert sim.status(requests.utils.quote(body["transaction_details"]["order_id"]))["payment_type"] == "gopay"


@pytest.mark.parametrize("body, messages", [
    (None, ["transaction_details.order_id is required", "transaction_details.gross_amount is required",
            "transaction_details.gross_amount is not a number"]),
    ({}, ["transaction_details.order_id is required", "transaction_details.gross_amount is required",
          "transaction_details.gross_amount is not a number"]),
    (order(None, amount=1000, item_details=[{"id": "a", "name": "A", "price": 999, "quantity": 1}]),
     ["transaction_details.gross_amount is not equal to the sum of item_details"]),
    (order(None, amount=1000.5), ["transaction_details.gross_amount must not have decimal places for IDR"]),
    (order(None, enabled_payments="gopay"), ["enabled_payments must be an array of strings"]),
])
def test_snap_errors_are_error_messages_with_http_400(sim, body, messages):
    response = sim.snap(body)
    assert response.status_code == 400
    assert response.json() == {"error_messages": messages}


def test_snap_bad_json(sim):
    response = sim.snap(None, data=b"{oops")
    assert response.status_code == 400
    assert response.json() == {"error_messages": ["There was a problem in the JSON you submitted"]}


def test_page_expiry_sends_no_notification(sim, receiver):
    body = snap_body(page_expiry={"duration": 1, "unit": "second"})
    created = create(sim, body)
    deadline = time.monotonic() + 5
    while "has expired" not in requests.get(created["redirect_url"], timeout=5).text:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    refused = requests.post(created["redirect_url"] + "/pay", data={"method": "gopay"}, timeout=5)
    assert refused.status_code == 410
    assert sim.deliveries(order_id=body["transaction_details"]["order_id"]) == []
    assert receiver.at("/notify") == []


def test_snap_expiry_carries_over_to_the_transaction(sim):
    body = snap_body(enabled_payments=["bca_va"], expiry={"unit": "minutes", "duration": 30})
    submit(requests.get(create(sim, body)["redirect_url"], timeout=5), "BCA Virtual Account")
    status = sim.status(body["transaction_details"]["order_id"])
    lifetime = datetime.strptime(status["expiry_time"], "%Y-%m-%d %H:%M:%S") - datetime.strptime(
        status["transaction_time"], "%Y-%m-%d %H:%M:%S")
    assert lifetime.total_seconds() == pytest.approx(1800, abs=2)


def test_snap_transaction_is_the_creating_merchants(sim):
    body = snap_body(enabled_payments=["gopay"])
    submit(requests.get(create(sim, body)["redirect_url"], timeout=5), "GoPay")
    assert sim.status(body["transaction_details"]["order_id"], key=OTHER_KEY)["status_code"] == "404"


def test_snap_override_notification_header_applies_to_the_page_transaction(sim, receiver):
    body = snap_body(enabled_payments=["gopay"])
    created = sim.snap(body, headers={"X-Override-Notification": f"{receiver.url}/snap-hook"}).json()
    submit(requests.get(created["redirect_url"], timeout=5), "GoPay")
    assert receiver.wait(1, path="/snap-hook")[0].json["transaction_status"] == "pending"
    urls = {d["url"] for d in sim.deliveries(order_id=body["transaction_details"]["order_id"])}
    assert urls == {f"{receiver.url}/snap-hook"}
