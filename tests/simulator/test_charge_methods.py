"""``POST /v2/charge`` for every payment method, and what every answer carries."""
import re
import uuid
from datetime import datetime, timedelta, timezone

import pytest
import requests

from checkout.simulator import parse_qris, signature_key, verify_qris_crc

from .conftest import SERVER_KEY, order

TIME = "%Y-%m-%d %H:%M:%S"


@pytest.fixture
def sim(thrifty_sim):
    """Tests here share one simulator unless they listen for notifications."""
    return thrifty_sim


def assert_transaction_answer(answer: dict, payment_type: str, amount: str = "150000.00") -> None:
    assert uuid.UUID(answer["transaction_id"]).version == 4
    assert answer["merchant_id"] == "G123456789"
    assert answer["gross_amount"] == amount
    assert answer["currency"] == "IDR"
    assert answer["payment_type"] == payment_type
    datetime.strptime(answer["transaction_time"], TIME)


def lifetime(answer: dict) -> timedelta:
    return datetime.strptime(answer["expiry_time"], TIME) - datetime.strptime(answer["transaction_time"], TIME)


@pytest.mark.parametrize("acquirer", ["gopay", "airpay shopee"])
def test_qris_answers_a_valid_payload_and_a_png(sim, acquirer):
    answer = sim.charged(order("qris", qris={"acquirer": acquirer}))
    assert_transaction_answer(answer, "qris")
    assert (answer["status_code"], answer["transaction_status"], answer["fraud_status"]) == ("201", "pending", "accept")
    assert answer["status_message"] == "QRIS transaction is created"
    assert answer["acquirer"] == acquirer
    assert lifetime(answer) == timedelta(minutes=15)
    assert verify_qris_crc(answer["qr_string"])
    assert parse_qris(answer["qr_string"])["54"] == "150000"
    [action] = answer["actions"]
    assert (action["name"], action["method"]) == ("generate-qr-code", "GET")
    assert action["url"] == f"{sim.url}/v2/qris/{answer['transaction_id']}/qr-code"
    image = requests.get(action["url"], timeout=5)  # no auth, as at Midtrans
    assert image.status_code == 200 and image.headers["Content-Type"] == "image/png"
    assert image.content.startswith(b"\x89PNG\r\n\x1a\n")


def test_qris_acquirer_defaults_to_gopay(sim):
    assert sim.charged(order("qris"))["acquirer"] == "gopay"


def test_gopay_answers_its_four_actions(sim):
    answer = sim.charged(order("gopay"))
    assert_transaction_answer(answer, "gopay")
    assert answer["status_message"] == "GoPay transaction is created"
    assert lifetime(answer) == timedelta(minutes=15)
    actions = {action["name"]: action for action in answer["actions"]}
    assert set(actions) == {"generate-qr-code", "deeplink-redirect", "get-status", "cancel"}
    tid = answer["transaction_id"]
    assert actions["get-status"]["url"] == f"{sim.url}/v2/{tid}/status"
    assert actions["cancel"] == {"name": "cancel", "method": "POST", "url": f"{sim.url}/v2/{tid}/cancel"}
    assert requests.get(actions["generate-qr-code"]["url"], timeout=5).content.startswith(b"\x89PNG")
    assert requests.get(actions["deeplink-redirect"]["url"], timeout=5).status_code == 200


def test_shopeepay_answers_a_deeplink(sim):
    answer = sim.charged(order("shopeepay"))
    assert_transaction_answer(answer, "shopeepay")
    assert [action["name"] for action in answer["actions"]] == ["deeplink-redirect"]


@pytest.mark.parametrize("bank", ["bca", "bni", "bri", "cimb"])
def test_bank_transfer_answers_a_virtual_account(sim, bank):
    answer = sim.charged(order("bank_transfer", bank_transfer={"bank": bank}))
    assert_transaction_answer(answer, "bank_transfer")
    [va] = answer["va_numbers"]
    assert va["bank"] == bank and va["va_number"].isdigit()
    assert lifetime(answer) == timedelta(hours=24)


def test_bank_transfer_keeps_a_custom_va_number(sim):
    answer = sim.charged(order("bank_transfer", bank_transfer={"bank": "bni", "va_number": "12345678"}))
    assert answer["va_numbers"] == [{"bank": "bni", "va_number": "12345678"}]


@pytest.mark.parametrize("body", [
    order("bank_transfer", bank_transfer={"bank": "permata"}),
    order("permata"),  # Midtrans also takes payment_type "permata"
])
def test_permata_answers_a_top_level_va_number(sim, body):
    answer = sim.charged(body)
    assert answer["payment_type"] == "bank_transfer"
    assert answer["permata_va_number"].isdigit()
    assert "va_numbers" not in answer
    assert answer["status_message"] == "Success, PERMATA VA transaction is successful"


def test_echannel_answers_bill_key_and_biller_code(sim):
    answer = sim.charged(order("echannel", echannel={"bill_info1": "Payment:", "bill_info2": "Online"}))
    assert_transaction_answer(answer, "echannel")
    assert answer["biller_code"] == "70012" and answer["bill_key"].isdigit()


@pytest.mark.parametrize("store", ["indomaret", "alfamart"])
def test_cstore_answers_a_payment_code(sim, store):
    answer = sim.charged(order("cstore", cstore={"store": store, "message": "Thanks"}))
    assert_transaction_answer(answer, "cstore")
    assert answer["store"] == store and answer["payment_code"]
    assert lifetime(answer) == timedelta(hours=24)


@pytest.mark.parametrize("payment_type", ["akulaku", "kredivo"])
def test_pay_later_answers_a_redirect(sim, payment_type):
    answer = sim.charged(order(payment_type))
    assert answer["redirect_url"].startswith(f"{sim.url}/simulator/pay/")


def test_string_and_integral_amounts_are_read_exactly(sim):
    assert sim.charged(order("qris", amount="150000"))["gross_amount"] == "150000.00"
    assert sim.charged(order("qris", amount=150000.0))["gross_amount"] == "150000.00"


def test_order_id_sent_as_a_number_is_read_as_digits(sim):
    body = order("qris")
    body["transaction_details"]["order_id"] = 1700000000
    assert sim.charged(body)["order_id"] == "1700000000"


def test_items_with_a_discount_line_sum_to_the_amount(sim):
    items = [{"id": "a", "name": "Kopi", "price": 20000, "quantity": 3},
             {"id": "d", "name": "Diskon", "price": -10000, "quantity": 1}]
    assert sim.charged(order("qris", amount=50000, item_details=items))["gross_amount"] == "50000.00"


def test_status_echoes_metadata_and_custom_fields_and_is_signed(sim):
    extra = {"metadata": {"cart": [1, 2], "note": "hi"}, "custom_field1": "a", "custom_field2": "b", "custom_field3": "c"}
    answer = sim.charged(order("qris", **extra))
    for ident in (answer["order_id"], answer["transaction_id"]):
        status = sim.status(ident)
        assert status["status_code"] == "201"
        assert status["status_message"] == "Success, transaction is found"
        assert {name: status[name] for name in extra} == extra
        assert status["expiry_time"] == answer["expiry_time"]
        assert status["signature_key"] == signature_key(status["order_id"], "201", "150000.00", SERVER_KEY)


def test_notification_carries_method_extras_and_echoed_fields(sim, receiver):
    answer = sim.charged(order("bank_transfer", bank_transfer={"bank": "bca"}, metadata={"k": "v"}))
    [pending] = receiver.wait(1)
    body = pending.json
    assert body["va_numbers"] == answer["va_numbers"]
    assert body["metadata"] == {"k": "v"}
    assert body["status_message"] == "midtrans payment notification"


def test_transaction_time_is_jakarta_time(sim):
    answer = sim.charged(order("qris"))
    jakarta_now = datetime.now(timezone.utc).replace(tzinfo=None) + timedelta(hours=7)
    assert abs(datetime.strptime(answer["transaction_time"], TIME) - jakarta_now) < timedelta(minutes=1)
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", answer["transaction_time"])


def test_qr_image_of_an_unknown_transaction_is_a_json_404(sim):
    response = requests.get(f"{sim.url}/v2/qris/{uuid.uuid4()}/qr-code", timeout=5)
    assert response.status_code == 404 and response.json()["status_code"] == "404"
