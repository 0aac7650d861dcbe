"""Malformed and invalid requests get Midtrans's errors, never a traceback or HTML."""
import pytest
import requests

from .conftest import order

INVALID = "One or more parameters in the payload is invalid."


@pytest.fixture
def sim(quiet_sim):
    """These tests only send requests and read answers: one simulator serves them all."""
    return quiet_sim


def items(*lines):
    return [{"id": str(i), "name": name, "price": price, "quantity": quantity}
            for i, (name, price, quantity) in enumerate(lines)]


@pytest.mark.parametrize("body, message", [
    ({"payment_type": "qris"}, "transaction_details.order_id is required"),
    ({"payment_type": "qris"}, "transaction_details.gross_amount is required"),
    ({"transaction_details": {"order_id": "a", "gross_amount": 1000}}, "payment_type is required"),
    (order("qris", amount=150000.5), "transaction_details.gross_amount must not have decimal places for IDR"),
    (order("qris", amount="150000.50"), "transaction_details.gross_amount must not have decimal places for IDR"),
    (order("qris", amount=0), "transaction_details.gross_amount must be greater than or equal to 0.01"),
    (order("qris", amount=-5), "transaction_details.gross_amount must be greater than or equal to 0.01"),
    (order("qris", amount="lots"), "transaction_details.gross_amount is not a number"),
    (order("qris", amount=True), "transaction_details.gross_amount is not a number"),
    (order("qris", amount=[1]), "transaction_details.gross_amount is not a number"),
    (order("qris", order_id="x" * 51), "transaction_details.order_id must be no more than 50 characters"),
    (order("qris", order_id="has space"), "transaction_details.order_id may only contain"),
    (order("qris", order_id="a#b"), "transaction_details.order_id may only contain"),
    (order("qris", order_id={"a": 1}), "transaction_details.order_id must be a string"),
    (order("qris", amount=30000, item_details=items(("A", 10000, 2))),
     "transaction_details.gross_amount is not equal to the sum of item_details"),
    (order("qris", amount=10000, item_details=items(("A" * 51, 10000, 1))),
     "item_details[0].name must be no more than 50 characters"),
    (order("qris", amount=0 + 10000, item_details=items(("A", 10000, 0))),
     "item_details[0].quantity must be greater than or equal to 1"),
    (order("qris", amount=10000, item_details=items(("A", 10000.5, 1))), "item_details[0].price must not have decimal"),
    (order("qris", item_details="nope"), "item_details must be an array"),
    ({"payment_type": "qris", "transaction_details": "nope"}, "transaction_details must be an object"),
    (order("bank_transfer", amount=10**20, bank_transfer={"bank": "bni"}), "transaction_details.gross_amount is too large"),
    (order("bitcoin"), "payment_type is not supported"),
    ({"payment_type": ["qris"], "transaction_details": {"order_id": "a", "gross_amount": 1}}, "payment_type is not supported"),
    (order("qris", qris={"acquirer": "dana"}), "qris.acquirer must be one of gopay, airpay shopee"),
    (order("bank_transfer"), "bank_transfer.bank is required"),
    (order("bank_transfer", bank_transfer={"bank": "xyz"}), "bank_transfer.bank must be one of"),
    (order("bank_transfer", bank_transfer={"bank": "bni", "va_number": "12ab"}), "bank_transfer.va_number must contain digits only"),
    (order("echannel"), "echannel.bill_info1 is required"),
    (order("cstore"), "cstore.store is required"),
    (order("cstore", cstore={"store": "7eleven"}), "cstore.store must be one of"),
    (order("qris", custom_expiry={"expiry_duration": 5, "unit": "fortnight"}), "custom_expiry.unit must be one of"),
    (order("qris", custom_expiry={"expiry_duration": 0, "unit": "minute"}), "expiry_duration must be greater than or equal to 1"),
    (order("qris", custom_expiry={"expiry_duration": 10**15, "unit": "day"}), "custom_expiry.expiry_duration is too large"),
    (order("qris", custom_expiry={"order_time": "tomorrow", "expiry_duration": 5, "unit": "minute"}),
     "custom_expiry.order_time must be in"),
])
def test_validation_errors_are_http_400_with_messages(sim, body, message):
    response = sim.charge(body)
    assert response.status_code == 400
    answer = response.json()
    assert answer["status_code"] == "400" and answer["status_message"] == INVALID
    assert any(message in text for text in answer["validation_messages"]), answer


def test_all_problems_are_reported_at_once(sim):
    answer = sim.charge({"transaction_details": {"order_id": "bad id", "gross_amount": 0}}).json()
    assert len(answer["validation_messages"]) == 3


@pytest.mark.parametrize("payment_type, amount, message", [
    ("qris", 10_000_001, "less than or equal to 10000000"),
    ("gopay", 20_000_001, "less than or equal to 20000000"),
    ("shopeepay", 20_000_001, "less than or equal to 20000000"),
    ("credit_card", 9_999, "greater than or equal to 10000"),
])
def test_method_amount_limits(sim, payment_type, amount, message):
    body = order(payment_type, amount=amount, credit_card={"token_id": "x"})
    answer = sim.charge(body).json()
    assert answer["status_code"] == "400"
    assert any(message in text for text in answer["validation_messages"]), answer


@pytest.mark.parametrize("extra, amount, ok", [
    ({"bank_transfer": {"bank": "bca"}}, 9_999, False),
    ({"bank_transfer": {"bank": "bca"}}, 10_000, True),
    ({"bank_transfer": {"bank": "bni"}}, 9_999, True),
    ({"cstore": {"store": "indomaret"}}, 9_999, False),
    ({"cstore": {"store": "indomaret"}}, 5_000_001, False),
    ({"cstore": {"store": "indomaret"}}, 5_000_000, True),
])
def test_bank_and_store_limits(sim, extra, amount, ok):
    payment_type = next(iter(extra))
    answer = sim.charge(order(payment_type, amount=amount, **extra)).json()
    assert (answer["status_code"] == "201") is ok, answer


def test_qris_accepts_one_rupiah_and_ten_million(sim):
    assert sim.charged(order("qris", amount=1))["gross_amount"] == "1.00"
    assert sim.charged(order("qris", amount=10_000_000))["gross_amount"] == "10000000.00"


@pytest.mark.parametrize("data", [b"", b"null", b"  "])
def test_null_or_empty_charge_is_a_bare_500(sim, data):
    response = sim.charge(None, data=data)
    assert response.status_code == 500
    assert response.json() == {"message": "An unexpected error occurred"}


@pytest.mark.parametrize("data", [b"{not json", b"[1, 2]", b'"text"'])
def test_unreadable_or_non_object_json_is_a_400(sim, data):
    response = sim.charge(None, data=data)
    assert response.status_code == 400
    assert response.json()["status_code"] == "400"


def test_oversize_body_is_a_json_413(sim):
    response = sim.charge(None, data=b'{"x": "' + b"a" * (1024 * 1024 + 10) + b'"}')
    assert response.status_code == 413
    assert response.json()["status_code"] == "413"


def test_unknown_api_path_and_wrong_method_are_json(sim):
    missing = sim.get("/v2/no/such/thing")
    assert missing.status_code == 404 and missing.json()["status_code"] == "404"
    wrong = requests.get(f"{sim.url}/v2/charge", timeout=5)
    assert wrong.status_code == 405 and wrong.json()["status_code"] == "405"
    snap_wrong = requests.get(f"{sim.url}/snap/v1/transactions", timeout=5)
    assert snap_wrong.status_code == 405 and "error_messages" in snap_wrong.json()


def test_unknown_order_id_is_a_body_404_over_http_200(sim):
    response = sim.get("/v2/never-charged/status")
    assert response.status_code == 200
    assert response.json()["status_code"] == "404"
    assert response.json()["status_message"] == "Transaction doesn't exist."


HOSTILE_BODIES = [b"[" * 60_000, b'{"a":' * 5_000, b'{"payment_type": "qris", "payment_type": "gopay"}',
                  b'{"x": "\xff"}', b'{"x": 1e999}']


@pytest.mark.parametrize("data", HOSTILE_BODIES)
def test_hostile_bodies_are_midtrans_400s_never_a_crash(sim, data):
    core = sim.charge(None, data=data)
    assert core.status_code == 400 and core.json()["status_code"] == "400"
    snap = sim.post("/snap/v1/transactions", data=data)
    assert snap.status_code == 400 and "error_messages" in snap.json()
    faults = requests.post(f"{sim.url}/simulator/faults", data=data, timeout=5,
                           headers={"Content-Type": "application/json"})
    assert faults.status_code == 400
