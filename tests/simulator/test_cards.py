"""Cards as the sandbox does them: tokens, test cards, challenge, 3DS page."""
import time
from datetime import datetime
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from .conftest import CLIENT_KEY, order

ACCEPT, DENY, CHALLENGE = "4811111111111114", "4911111111111113", "5510111111111115"


@pytest.fixture
def sim(thrifty_sim):
    """Tests here share one simulator unless they listen for notifications."""
    return thrifty_sim


def card_query(**overrides) -> dict:
    return {"client_key": CLIENT_KEY, "card_number": ACCEPT, "card_exp_month": "12",
            "card_exp_year": str(time.gmtime().tm_year + 3), "card_cvv": "123", **overrides}


def card_charge(sim, token, amount=150000, **options) -> dict:
    return sim.charge(order("credit_card", amount=amount, credit_card={"token_id": token, **options})).json()


def test_token_answer(sim):
    response = requests.get(f"{sim.url}/v2/token", params=card_query(card_number="4811 1111 1111 1114"), timeout=5)
    body = response.json()
    assert response.status_code == 200
    assert body["status_code"] == "200" and body["token_id"].startswith("481111-1114-")


@pytest.mark.parametrize("overrides, message", [
    ({"card_exp_year": "2020"}, "expired card"),
    ({"card_exp_month": "13"}, "card_exp_month is invalid"),
    ({"card_number": "4811111111111115"}, "card_number is invalid"),  # fails Luhn
    ({"card_cvv": "12"}, "card_cvv is invalid"),
])
def test_token_refuses_bad_cards_with_400(sim, overrides, message):
    response = requests.get(f"{sim.url}/v2/token", params=card_query(**overrides), timeout=5)
    assert response.status_code == 400
    body = response.json()
    assert body["status_message"] == "One or more parameters in the payload is invalid."
    assert any(message in text for text in body["validation_messages"])


def test_accepted_card_captures_at_once(sim, receiver):
    answer = card_charge(sim, sim.card_token(ACCEPT))
    assert (answer["status_code"], answer["transaction_status"], answer["fraud_status"]) == ("200", "capture", "accept")
    assert answer["masked_card"] == "48111111-1114"
    assert receiver.wait(1)[0].json["transaction_status"] == "capture"
    settled = sim.settle(answer["order_id"])  # the sandbox settles captured cards later
    assert settled["transaction_status"] == "settlement"
    assert [c.json["transaction_status"] for c in receiver.wait(2)] == ["capture", "settlement"]


def test_denied_card(sim):
    answer = card_charge(sim, sim.card_token(DENY))
    assert (answer["status_code"], answer["transaction_status"]) == ("202", "deny")
    assert answer["status_message"].startswith("Deny by Bank")
    assert sim.status(answer["order_id"])["status_code"] == "202"


def test_challenged_card_waits_for_approve(sim, receiver):
    answer = card_charge(sim, sim.card_token(CHALLENGE))
    assert (answer["status_code"], answer["transaction_status"], answer["fraud_status"]) == ("201", "capture", "challenge")
    approved = sim.action(answer["order_id"], "approve").json()
    assert (approved["status_code"], approved["transaction_status"], approved["fraud_status"]) == ("200", "capture", "accept")
    assert approved["status_message"] == "Success, transaction is approved"
    calls = receiver.wait(2)
    assert [(c.json["transaction_status"], c.json["fraud_status"]) for c in calls] == [
        ("capture", "challenge"), ("capture", "accept")]
    assert sim.action(answer["order_id"], "approve").json()["status_code"] == "412"


def test_challenged_card_can_be_denied(sim):
    answer = card_charge(sim, sim.card_token(CHALLENGE))
    denied = sim.action(answer["transaction_id"], "deny").json()
    assert (denied["status_code"], denied["transaction_status"], denied["fraud_status"]) == ("200", "deny", "deny")


def test_a_one_time_token_pays_once(sim):
    token = sim.card_token()
    card_charge(sim, token)
    again = card_charge(sim, token)
    assert again["status_code"] == "411"
    assert card_charge(sim, "made-up-token")["status_code"] == "411"
    missing = sim.charge(order("credit_card")).json()
    assert missing["status_code"] == "411"


def test_registered_card_pays_again_and_again(sim):
    params = card_query()
    params.pop("card_cvv")
    registered = requests.get(f"{sim.url}/v2/card/register", params=params, timeout=5).json()
    assert registered["status_code"] == "200" and registered["masked_card"] == "48111111-1114"
    saved = registered["saved_token_id"]
    assert card_charge(sim, saved)["transaction_status"] == "capture"
    assert card_charge(sim, saved)["transaction_status"] == "capture"
    two_click = requests.get(f"{sim.url}/v2/token", timeout=5,
                             params={"client_key": CLIENT_KEY, "token_id": saved, "card_cvv": "123"}).json()
    assert card_charge(sim, two_click["token_id"])["transaction_status"] == "capture"


def test_3ds_charge_goes_through_the_otp_page(sim, receiver):
    answer = card_charge(sim, sim.card_token(ACCEPT), authentication=True)
    assert (answer["status_code"], answer["transaction_status"]) == ("201", "pending")
    page = requests.get(answer["redirect_url"], timeout=5)
    assert page.status_code == 200 and 'name="otp"' in page.text
    done = requests.post(answer["redirect_url"], data={"otp": "112233", "action": "authenticate"}, timeout=5)
    assert done.status_code == 200 and "capture" in done.text  # redirected to the result page
    status = sim.status(answer["order_id"])
    assert (status["transaction_status"], status["fraud_status"]) == ("capture", "accept")
    assert [c.json["transaction_status"] for c in receiver.wait(2)] == ["pending", "capture"]


def test_3ds_wrong_otp_denies(sim):
    answer = card_charge(sim, sim.card_token(ACCEPT), authentication=True)
    requests.post(answer["redirect_url"], data={"otp": "000000"}, timeout=5)
    status = sim.status(answer["order_id"])
    assert status["transaction_status"] == "deny"
    assert status["status_message"] == "3DS Authentication Denied"


@pytest.mark.parametrize("number, status, fraud", [(DENY, "deny", "accept"), (CHALLENGE, "capture", "challenge")])
def test_3ds_then_the_bank_decides(sim, number, status, fraud):
    answer = card_charge(sim, sim.card_token(number), authentication=True)
    requests.post(answer["redirect_url"], data={"otp": "112233"}, timeout=5)
    result = sim.status(answer["order_id"])
    assert (result["transaction_status"], result["fraud_status"]) == (status, fraud)


def test_3ds_returns_to_the_callback_url(sim):
    callback = "https://shop.example/after-3ds?x=1"
    answer = card_charge(sim, sim.card_token(ACCEPT), authentication=True, callback_url=callback)
    response = requests.post(answer["redirect_url"], data={"otp": "112233"}, allow_redirects=False, timeout=5)
    assert response.status_code == 303
    location = urlsplit(response.headers["Location"])
    assert location.netloc == "shop.example" and location.path == "/after-3ds"
    query = parse_qs(location.query)
    assert query["x"] == ["1"] and query["order_id"] == [answer["order_id"]]
    assert query["transaction_status"] == ["capture"] and query["status_code"] == ["200"]


def test_unfinished_3ds_charge_expires_in_ten_minutes(make_sim):
    sim = make_sim(SIMULATOR_BACKGROUND=False)
    answer = card_charge(sim, sim.card_token(ACCEPT), authentication=True)
    lifetime = datetime.strptime(answer["expiry_time"], "%Y-%m-%d %H:%M:%S") - datetime.strptime(
        answer["transaction_time"], "%Y-%m-%d %H:%M:%S")
    assert lifetime.total_seconds() == 600


def test_control_settle_of_a_pending_3ds_card_captures_then_settles(sim, receiver):
    answer = card_charge(sim, sim.card_token(ACCEPT), authentication=True)
    assert sim.settle(answer["order_id"])["transaction_status"] == "settlement"
    assert [c.json["transaction_status"] for c in receiver.wait(3)] == ["pending", "capture", "settlement"]
