"""Server keys (HTTP Basic), client keys (query string), and per-merchant visibility."""
import base64

import pytest
import requests

from .conftest import CLIENT_KEY, OTHER_KEY, SERVER_KEY, order

CORE_401 = {"status_code": "401", "status_message": "Unknown Merchant server_key/id"}
SNAP_401 = {"error_messages": ["Access denied due to unauthorized transaction, please check client or server key"]}


@pytest.fixture
def sim(thrifty_sim):
    """Tests here share one simulator unless they listen for notifications."""
    return thrifty_sim


@pytest.mark.parametrize("authorization", [
    None,
    "Basic " + base64.b64encode(b"Mid-server-PRODUCTIONKEY:").decode(),  # wrong environment
    "Basic " + base64.b64encode(b"SB-Mid-server-:").decode(),            # prefix only
    "Basic " + base64.b64encode(b"SB-Mid-client-ABC:").decode(),         # a client key
    "Basic !!!not-base64",
    "Bearer SB-Mid-server-ABC",
])
def test_core_api_refuses_bad_keys_with_http_401(sim, authorization):
    headers = {"Authorization": authorization} if authorization else {}
    response = requests.post(f"{sim.url}/v2/charge", json=order("qris"), headers=headers, timeout=5)
    assert response.status_code == 401
    body = response.json()
    assert {k: body[k] for k in CORE_401} == CORE_401 and body["id"]


def test_snap_refuses_bad_keys_in_its_own_shape(sim):
    response = requests.post(f"{sim.url}/snap/v1/transactions", json=order(None), timeout=5)
    assert response.status_code == 401 and response.json() == SNAP_401


def test_any_well_formed_sandbox_key_is_a_merchant_by_default(sim):
    assert sim.charged(order("qris"), key="SB-Mid-server-x")["status_code"] == "201"


def test_configured_server_keys_narrow_the_accepted_set(make_sim):
    sim = make_sim(SIMULATOR_SERVER_KEYS=[SERVER_KEY])
    assert sim.charge(order("qris")).status_code == 200
    assert sim.charge(order("qris"), key=OTHER_KEY).status_code == 401


def test_a_transaction_is_invisible_to_other_merchant_keys(sim):
    answer = sim.charged(order("qris"))
    for ident in (answer["order_id"], answer["transaction_id"]):
        assert sim.status(ident, key=OTHER_KEY)["status_code"] == "404"
        refused = sim.action(ident, "cancel", key=OTHER_KEY).json()
        assert refused["status_code"] == "404"
    assert sim.status(answer["order_id"])["transaction_status"] == "pending"


def test_order_ids_are_per_merchant(sim):
    body = order("qris")
    sim.charged(body)
    assert sim.charged(body, key=OTHER_KEY)["order_id"] == body["transaction_details"]["order_id"]


def test_token_needs_a_well_formed_client_key(sim):
    query = {"card_number": "4811111111111114", "card_exp_month": "12", "card_exp_year": "2040", "card_cvv": "123"}
    ok = requests.get(f"{sim.url}/v2/token", params={**query, "client_key": CLIENT_KEY}, timeout=5)
    assert ok.status_code == 200
    for client_key in (None, "SB-Mid-server-TESTKEY123", "Mid-client-PROD"):
        params = {**query, **({"client_key": client_key} if client_key else {})}
        refused = requests.get(f"{sim.url}/v2/token", params=params, timeout=5)
        assert refused.status_code == 401 and refused.json()["status_code"] == "401"


def test_configured_client_keys_narrow_the_accepted_set(make_sim):
    sim = make_sim(SIMULATOR_CLIENT_KEYS=[CLIENT_KEY])
    query = {"card_number": "4811111111111114", "card_exp_month": "12", "card_exp_year": "2040", "card_cvv": "123"}
    assert requests.get(f"{sim.url}/v2/token", params={**query, "client_key": CLIENT_KEY}, timeout=5).status_code == 200
    other = requests.get(f"{sim.url}/v2/token", params={**query, "client_key": "SB-Mid-client-OTHER"}, timeout=5)
    assert other.status_code == 401


def test_server_keys_never_appear_in_control_answers(sim):
    sim.charged(order("qris"))
    listing = requests.get(f"{sim.url}/simulator/transactions", timeout=5).text
    page = requests.get(f"{sim.url}/simulator/", timeout=5).text
    assert SERVER_KEY not in listing and SERVER_KEY not in page
