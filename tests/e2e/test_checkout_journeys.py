"""The customer's journeys over real HTTP, against the simulator mounted in-process.

Notifications are dropped by the simulator in most journeys: the checkout must complete
a payment from its own status checks even when Midtrans cannot reach our webhook. One
journey runs with notifications delivered, to show the two paths agree.
"""
from __future__ import annotations

import re
import time
from html import unescape

import pytest
import requests
from sqlalchemy import select

from checkout.extensions import db
from checkout.models import Order, PaymentAttempt
from checkout.payments.orders import NewItem, create_order

HX = {"HX-Request": "true", "Accept-Language": "en"}
EN = {"Accept-Language": "en"}


class Journey:
    """One customer's browser (a requests.Session) plus a view of the shop's database."""

    def __init__(self, live):
        self.live = live
        self.url = live.url
        self.http = requests.Session()
        self.http.headers.update(EN)
        # A returning customer should not wait the full claim interval between checks.
        live.app.config["STATUS_CHECK_INTERVAL_SECONDS"] = 1

    # --- the simulator's control side ---------------------------------------------
    def sim(self, path: str) -> str:
        return f"{self.url}/midtrans-simulator{path}"

    def faults(self, **switches) -> None:
        response = requests.post(self.sim("/simulator/faults"), json=switches, timeout=5)
        assert response.status_code == 200, response.text

    def sim_transactions(self, order_id: str) -> list[dict]:
        return requests.get(self.sim("/simulator/transactions"), params={"order_id": order_id}, timeout=5).json()

    # --- the shop's side ------------------------------------------------------------
    def new_order(self, amount: int = 150_000, **fields) -> str:
        with self.live.app.app_context():
            order = create_order(items=[NewItem("Kain Songket", amount, 1)], description="Songket",
                                 actor="test", **fields)
            return order.public_id

    def attempts(self, public_id: str) -> list[PaymentAttempt]:
        with self.live.app.app_context():
            order = db.session.scalar(select(Order).where(Order.public_id == public_id))
            rows = db.session.scalars(select(PaymentAttempt).where(PaymentAttempt.order_id == order.id)
                                      .order_by(PaymentAttempt.number)).all()
            db.session.expunge_all()
            return rows

    def order(self, public_id: str) -> Order:
        with self.live.app.app_context():
            order = db.session.scalar(select(Order).where(Order.public_id == public_id))
            db.session.expunge_all()
            return order

    # --- the customer's side --------------------------------------------------------
    def page(self, public_id: str) -> str:
        response = self.http.get(f"{self.url}/pay/{public_id}", timeout=10)
        assert response.status_code == 200
        return response.text

    def poll_until(self, public_id: str, text: str, *, timeout: float = 15.0) -> requests.Response:
        """Poll the status fragment as htmx does until ``text`` shows (no fixed sleeps)."""
        deadline = time.monotonic() + timeout
        have = ""
        while True:
            response = self.http.get(f"{self.url}/pay/{public_id}/status", params={"have": have} if have else None,
                                     headers=HX, timeout=10)
            assert response.status_code in (200, 204), response.status_code
            if response.status_code == 200:
                if text in response.text:
                    return response
                match = re.search(r'have=([a-z_]+\.\d+\.\d)', response.text)
                have = match.group(1) if match else ""
            if time.monotonic() > deadline:
                raise AssertionError(f"{text!r} did not appear within {timeout}s")
            time.sleep(0.1)


def form_action(html: str, pattern: str) -> str:
    actions = [unescape(a) for a in re.findall(r'<form[^>]*action="([^"]+)"', html)]
    matches = [a for a in actions if re.search(pattern, a)]
    assert matches, f"no form matching {pattern!r} among {actions}"
    return matches[0]


@pytest.fixture
def journey(live_app):
    return Journey(live_app)


@pytest.mark.parametrize("notifications", ["dropped", "delivered"])
def test_qris_journey(journey, notifications):
    if notifications == "dropped":
        journey.faults(drop_notifications=True)
    # The customer buys on the demo shop and lands on the checkout link.
    bought = journey.http.post(f"{journey.url}/buy", data={"product": "batik-tulis"}, allow_redirects=False)
    assert bought.status_code == 303
    checkout = journey.url + bought.headers["Location"] if bought.headers["Location"].startswith("/") \
        else bought.headers["Location"]
    public_id = checkout.rsplit("/", 1)[1]
    page = journey.http.get(checkout).text
    assert "Rp 150.000" in page and "Pay with QRIS" in page

    chosen = journey.http.post(f"{checkout}/qris", headers=HX)
    assert chosen.status_code == 200
    assert 'hx-trigger="every 3s, submit, checkout:poll"' in chosen.text
    qr_src = re.search(r'<img class="qr__image" src="([^"]+)"', chosen.text).group(1)
    png = journey.http.get(journey.url + qr_src)
    assert png.status_code == 200 and png.headers["Content-Type"] == "image/png" and png.content[:4] == b"\x89PNG"

    (attempt,) = journey.attempts(public_id)
    assert attempt.status == "pending" and attempt.qr_string
    still = journey.http.get(f"{checkout}/status", headers=HX)
    assert "Scan to pay" in still.text

    paid = requests.post(journey.sim(f"/simulator/transactions/{attempt.midtrans_order_id}/settle"), timeout=5)
    assert paid.status_code == 200
    final = journey.poll_until(public_id, "Payment received")
    assert "hx-trigger" not in final.text
    assert attempt.transaction_id in final.text and "Rp 150.000" in final.text
    assert journey.order(public_id).status == "paid"
    # Reopening the link shows the receipt, not a new QR.
    assert "Payment received" in journey.page(public_id)


def test_snap_journey(journey):
    journey.faults(drop_notifications=True)
    public_id = journey.new_order(success_url="https://shop.example/done")
    checkout = f"{journey.url}/pay/{public_id}"

    sent = journey.http.post(f"{checkout}/snap", allow_redirects=False)
    assert sent.status_code == 303
    snap_page_url = sent.headers["Location"]
    assert snap_page_url.startswith(journey.sim("/snap/"))
    snap_page = journey.http.get(snap_page_url)
    assert snap_page.status_code == 200

    # Until a method is picked Midtrans knows nothing (status 404): we say "pending".
    assert "Waiting for your payment" in journey.page(public_id)

    # Pick a virtual account on the hosted page, then pay it.
    pick = form_action(snap_page.text, r"/pay$")
    picked = journey.http.post(journey.url + pick if pick.startswith("/") else pick, data={"method": "bca_va"})
    assert picked.status_code == 200 and "virtual account" in picked.text
    assert "Waiting for your payment" in journey.page(public_id)
    assert journey.order(public_id).status == "open"

    pay = form_action(picked.text, r"simulate-payment$")
    landed = journey.http.post(journey.url + pay if pay.startswith("/") else pay)
    # Snap sent us back to the finish URL, which showed our own page.
    assert any("/return?" in hop.url for hop in landed.history)
    assert landed.url == checkout
    if "Payment received" not in landed.text:
        journey.poll_until(public_id, "Payment received")
    page = journey.page(public_id)
    assert "Payment received" in page and "Bank transfer" in page
    assert f"https://shop.example/done?session_id={public_id}" in page
    assert journey.order(public_id).status == "paid"


def test_the_return_url_trusts_nothing_in_its_query(journey):
    journey.faults(drop_notifications=True)
    public_id = journey.new_order()
    journey.http.post(f"{journey.url}/pay/{public_id}/snap", allow_redirects=False)
    (attempt,) = journey.attempts(public_id)
    forged = journey.http.get(f"{journey.url}/pay/{public_id}/return", params={
        "order_id": attempt.midtrans_order_id, "status_code": "200", "transaction_status": "settlement"})
    assert forged.url == f"{journey.url}/pay/{public_id}"
    assert "Payment received" not in forged.text and "Waiting for your payment" in forged.text


def test_qr_expiry_offers_a_new_qr(journey):
    journey.faults(drop_notifications=True)
    public_id = journey.new_order()
    checkout = f"{journey.url}/pay/{public_id}"
    journey.http.post(f"{checkout}/qris", headers=HX)
    (first,) = journey.attempts(public_id)

    expired = requests.post(journey.sim(f"/simulator/transactions/{first.midtrans_order_id}/expire"), timeout=5)
    assert expired.status_code == 200
    shown = journey.poll_until(public_id, "This QR code has expired")
    assert "hx-trigger" not in shown.text and "Get a new QR code" in shown.text

    again = journey.http.post(f"{checkout}/qris", headers=HX)
    assert again.status_code == 200 and "/attempts/2/qr.png" in again.text
    first, second = journey.attempts(public_id)
    assert (first.status, second.status) == ("expired", "pending")
    assert second.number == 2 and second.midtrans_order_id != first.midtrans_order_id
    assert journey.sim_transactions(second.midtrans_order_id)[0]["transaction_status"] == "pending"


def test_cancel_journey(journey):
    journey.faults(drop_notifications=True)
    public_id = journey.new_order(cancel_url="https://shop.example/cart")
    checkout = f"{journey.url}/pay/{public_id}"
    journey.http.post(f"{checkout}/qris", headers=HX)
    (attempt,) = journey.attempts(public_id)

    asked = journey.http.get(f"{checkout}/cancel", headers=HX)
    assert "Cancel this payment?" in asked.text and journey.attempts(public_id)[0].status == "pending"
    cancelled = journey.http.post(f"{checkout}/cancel", headers=HX)
    assert "The previous payment was cancelled" in cancelled.text and "hx-trigger" not in cancelled.text
    assert f"https://shop.example/cart?session_id={public_id}" in cancelled.text  # "back to the shop"
    assert journey.sim_transactions(attempt.midtrans_order_id)[0]["transaction_status"] == "cancel"
    (attempt,) = journey.attempts(public_id)
    # The attempt is cancelled, not the order: the customer may choose again.
    assert attempt.status == "cancelled" and journey.order(public_id).status == "open"
    again = journey.http.post(f"{checkout}/qris", headers=HX)
    assert "/attempts/2/qr.png" in again.text


def test_midtrans_down_says_so_and_nothing_is_half_written(journey):
    public_id = journey.new_order()
    checkout = f"{journey.url}/pay/{public_id}"
    journey.faults(fail_next_api_calls=2, api_failure="503")  # the charge and its one retry

    down = journey.http.post(f"{checkout}/qris", headers=HX)
    assert down.status_code == 503
    assert "not answering right now" in down.text and "Try again" in down.text
    (attempt,) = journey.attempts(public_id)
    assert attempt.status == "pending" and attempt.gateway_answered_at is None
    assert attempt.qr_string is None and attempt.transaction_id is None
    assert journey.sim_transactions(attempt.midtrans_order_id) == []
    assert journey.order(public_id).status == "open"

    retried = journey.http.post(f"{checkout}/qris", headers=HX)
    assert retried.status_code == 200 and "/attempts/1/qr.png" in retried.text
    (same,) = journey.attempts(public_id)
    assert same.id == attempt.id and same.qr_string
    assert len(journey.sim_transactions(attempt.midtrans_order_id)) == 1


def test_midtrans_slow_then_the_same_charge_is_recovered(journey):
    """A charge that timed out on our side but happened at Midtrans is not charged twice."""
    journey.live.app.config["MIDTRANS_CUSTOMER_READ_TIMEOUT"] = 0.3
    public_id = journey.new_order()
    checkout = f"{journey.url}/pay/{public_id}"
    journey.faults(fail_next_api_calls=1, api_failure="timeout", timeout_seconds=1)

    slow = journey.http.post(f"{checkout}/qris", headers=HX)
    # The one retry either times out too (503) or finds the first call still running (202
    # from Midtrans): either way the customer reads that Midtrans has not answered.
    assert slow.status_code in (200, 503) and "Midtrans has not answered" in slow.text
    (attempt,) = journey.attempts(public_id)
    assert attempt.gateway_answered_at is None

    deadline = time.monotonic() + 10
    while True:  # the stalled first call still holds the Idempotency-Key for a moment
        retried = journey.http.post(f"{checkout}/qris", headers=HX)
        if "/attempts/1/qr.png" in retried.text or time.monotonic() > deadline:
            break
        assert retried.status_code == 200 and "Midtrans has not answered" in retried.text
        time.sleep(0.2)
    assert retried.status_code == 200 and "/attempts/1/qr.png" in retried.text
    (same,) = journey.attempts(public_id)
    (at_midtrans,) = journey.sim_transactions(attempt.midtrans_order_id)
    assert same.transaction_id == at_midtrans["transaction_id"]


def test_a_second_click_never_makes_a_second_charge(journey):
    from concurrent.futures import ThreadPoolExecutor

    public_id = journey.new_order()
    checkout = f"{journey.url}/pay/{public_id}"
    with ThreadPoolExecutor(max_workers=4) as pool:
        answers = list(pool.map(lambda _: requests.post(f"{checkout}/qris", headers=HX, timeout=15), range(4)))
    assert {a.status_code for a in answers} == {200}
    (attempt,) = journey.attempts(public_id)
    assert len(journey.sim_transactions(attempt.midtrans_order_id)) == 1
    assert "/attempts/1/qr.png" in journey.page(public_id)
