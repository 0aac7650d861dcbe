"""The sandbox controls: transaction list and actions, the QRIS scanner, the pay page."""
import pytest
import requests

from .conftest import order
from .forms import forms, submit


@pytest.fixture
def sim(thrifty_sim):
    """Tests here share one simulator, except those that read the whole list."""
    return thrifty_sim


def listing(sim, **params) -> list[dict]:
    response = requests.get(f"{sim.url}/simulator/transactions", params=params, timeout=5)
    assert response.status_code == 200
    return response.json()


def test_transactions_newest_first_with_filters(make_sim):
    sim = make_sim()
    older = sim.charged(order("qris"))
    newer = sim.charged(order("gopay"))
    assert [t["order_id"] for t in listing(sim)] == [newer["order_id"], older["order_id"]]
    assert [t["order_id"] for t in listing(sim, payment_type="qris")] == [older["order_id"]]
    assert [t["order_id"] for t in listing(sim, order_id=newer["order_id"])] == [newer["order_id"]]
    sim.settle(older["order_id"])
    assert [t["order_id"] for t in listing(sim, status="settlement")] == [older["order_id"]]
    assert [t["order_id"] for t in listing(sim, limit=1)] == [newer["order_id"]]


def test_actions_by_order_id_or_transaction_id(sim, receiver):
    paid = sim.charged(order("qris"))
    assert sim.settle(paid["transaction_id"])["transaction_status"] == "settlement"
    denied = sim.charged(order("gopay"))
    assert sim.control(denied["order_id"], "deny").json()["transaction_status"] == "deny"
    expired = sim.charged(order("qris"))
    assert sim.control(expired["order_id"], "expire").json()["transaction_status"] == "expire"
    refunded = sim.control(paid["order_id"], "refund")
    assert refunded.status_code == 200 and refunded.json()["transaction_status"] == "refund"
    assert len(receiver.wait(8)) == 8  # 3 pending, settlement, deny, expire, 2 refund


def test_refused_and_unknown_actions(sim):
    answer = sim.charged(order("qris"))
    sim.settle(answer["order_id"])
    refused = sim.control(answer["order_id"], "expire")
    assert refused.status_code == 409 and refused.json()["status_code"] == "412"
    assert sim.control("no-such-order", "settle").status_code == 404
    assert sim.control(answer["order_id"], "explode").status_code == 404


def test_control_settle_of_a_card_capture_settles_it(sim):
    answer = sim.charge(order("credit_card", credit_card={"token_id": sim.card_token()})).json()
    assert answer["transaction_status"] == "capture"
    assert sim.settle(answer["order_id"])["transaction_status"] == "settlement"


def test_control_page_lists_transactions_with_working_buttons(make_sim):
    sim = make_sim()
    answer = sim.charged(order("qris"))
    page = requests.get(f"{sim.url}/simulator/", timeout=5)
    assert page.status_code == 200 and answer["order_id"] in page.text
    labels = {label for form in forms(page.text) for _, _, label in form.buttons}
    assert {"Pay", "Deny", "Expire", "Cancel"} <= labels
    after = submit(page, "Pay", follow=True)
    assert after.url.rstrip("/").endswith("/simulator")  # 303 back to the list
    assert sim.status(answer["order_id"])["transaction_status"] == "settlement"


def test_qris_scanner_pays_from_the_image_url(sim, receiver):
    answer = sim.charged(order("qris", qris={"acquirer": "airpay shopee"}))
    page = requests.get(f"{sim.url}/simulator/qris", timeout=5)
    result = submit(page, "Pay", follow=True, qr=answer["actions"][0]["url"], issuer="dana")
    assert result.status_code == 200 and "succeeded" in result.text
    status = sim.status(answer["order_id"])
    assert status["transaction_status"] == "settlement"
    assert (status["acquirer"], status["issuer"], status["transaction_type"]) == ("airpay shopee", "dana", "off-us")
    assert status["shopeepay_reference_number"] and status["reference_id"]
    again = submit(page, "Pay", qr=answer["actions"][0]["url"])
    assert again.status_code == 409


def test_qris_scanner_pays_from_the_qr_string(sim):
    answer = sim.charged(order("qris"))
    page = requests.get(f"{sim.url}/simulator/qris", timeout=5)
    assert submit(page, "Pay", qr=answer["qr_string"]).status_code == 200
    assert sim.status(answer["order_id"])["transaction_status"] == "settlement"
    assert submit(page, "Pay", qr="000201nonsense").status_code == 404


def test_gopay_paid_by_scanning_is_reported_as_qris(sim, receiver):
    answer = sim.charged(order("gopay"))
    qr_url = next(a["url"] for a in answer["actions"] if a["name"] == "generate-qr-code")
    page = requests.get(f"{sim.url}/simulator/qris", timeout=5)
    assert submit(page, "Pay", qr=qr_url).status_code == 200
    status = sim.status(answer["order_id"])
    assert (status["payment_type"], status["acquirer"], status["issuer"]) == ("qris", "gopay", "gopay")
    assert receiver.wait(2)[1].json["payment_type"] == "qris"


def test_deeplink_page_plays_the_wallet_app(sim):
    back = "https://shop.example/pay/abc/return"
    answer = sim.charged(order("shopeepay", shopeepay={"callback_url": back}))
    page = requests.get(answer["actions"][0]["url"], timeout=5)
    assert page.status_code == 200
    assert "Rp" in page.text and "150.000" in page.text and "Midtrans Simulator" in page.text  # amount, merchant
    paid = submit(page, "Pay")
    assert (paid.status_code, paid.headers["Location"]) == (303, back)
    assert sim.status(answer["order_id"])["transaction_status"] == "settlement"
    assert "Return to the merchant" in requests.get(answer["actions"][0]["url"], timeout=5).text


def test_cancelling_in_the_app_returns_without_paying(sim):
    back = "https://shop.example/pay/abc/return"
    answer = sim.charged(order("gopay", gopay={"enable_callback": True, "callback_url": back}))
    deeplink = next(a["url"] for a in answer["actions"] if a["name"] == "deeplink-redirect")
    left = submit(requests.get(deeplink, timeout=5), "Cancel")
    assert (left.status_code, left.headers["Location"]) == (303, back)
    assert sim.status(answer["order_id"])["transaction_status"] == "pending"
    sim.settle(answer["order_id"])
    again = requests.post(deeplink + "/pay", allow_redirects=False, timeout=5)
    assert again.status_code == 409 and "settlement" in again.text


def test_control_json_never_redirects_off_site(sim):
    answer = sim.charged(order("qris"))
    response = requests.post(f"{sim.url}/simulator/transactions/{answer['order_id']}/settle",
                             data={"return_to": "//evil.example/"}, allow_redirects=False, timeout=5)
    assert response.status_code == 200 and response.json()["transaction_status"] == "settlement"
