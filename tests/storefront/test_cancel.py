"""Cancelling from the checkout page: asked first, then at Midtrans, then here. A customer's
cancel ends the payment attempt, never the order: they may choose a method again."""
import pytest

from checkout.payments.qris_checkout import start_qris
from checkout.payments.states import OrderStatus, PaymentStatus
from checkout.payments.transitions import close_order
from tests.factories import make_order
from tests.storefront.conftest import HX, refresh, unavailable


@pytest.mark.parametrize("headers", [HX, {}], ids=["fragment", "page"])
def test_cancel_asks_for_confirmation_first(client, order, pay_url, fake_gateway, headers):
    attempt = start_qris(order)
    page = client.get(pay_url).text
    # A low-emphasis link to the confirmation step, not a button that cancels.
    assert f'<a class="cancel__link" href="{pay_url}/cancel"' in page
    assert f'action="{pay_url}/cancel"' not in page
    response = client.get(f"{pay_url}/cancel", headers=headers)
    assert response.status_code == 200
    assert ("<html" in response.text) is (not headers)
    assert "Cancel this payment?" in response.text and "Yes, cancel this payment" in response.text
    assert f'<form class="confirm__cancel" method="post" action="{pay_url}/cancel"' in response.text
    assert "Keep paying" in response.text and "hx-trigger" not in response.text  # no poll while deciding
    assert "If you have already scanned the QR code and paid, do not cancel" in response.text
    # Asking cancels nothing.
    assert fake_gateway.count("cancel") == 0 and refresh(attempt).status == PaymentStatus.PENDING


def test_the_confirmation_has_nothing_to_confirm_without_a_live_payment(client, order, pay_url, fake_gateway):
    response = client.get(f"{pay_url}/cancel")
    assert response.status_code == 303 and response.headers["Location"].endswith(pay_url)


@pytest.mark.parametrize("headers", [HX, {}], ids=["fragment", "page"])
def test_cancelling_ends_the_attempt_not_the_order(client, order, pay_url, fake_gateway, headers):
    attempt = start_qris(order)
    response = client.post(f"{pay_url}/cancel", headers=headers)
    assert fake_gateway.count("cancel") == 1 and fake_gateway.calls[-1] == ("cancel", attempt.midtrans_order_id)
    assert refresh(attempt).status == PaymentStatus.CANCELLED
    assert refresh(order).status == OrderStatus.OPEN
    if headers:
        text = response.text
        assert response.status_code == 200
    else:
        assert response.status_code == 303 and response.headers["Location"].endswith(pay_url)
        text = client.get(pay_url).text
    assert "The previous payment was cancelled" in text and "Pay with QRIS" in text
    assert "hx-trigger" not in text
    # ... and they may choose again: a new attempt with its own Midtrans order id.
    again = client.post(f"{pay_url}/qris", headers=HX)
    assert f"{pay_url}/attempts/2/qr.png" in again.text


def test_cancelling_without_a_live_payment_changes_nothing(client, order, pay_url, fake_gateway):
    response = client.post(f"{pay_url}/cancel", headers=HX)
    assert "Choose how to pay" in response.text and fake_gateway.calls == []
    assert refresh(order).status == OrderStatus.OPEN


def test_the_shops_cancel_url_stays_reachable(client, ctx, fake_gateway):
    order = make_order(cancel_url="https://shop.example/cart")
    start_qris(order)
    response = client.post(f"/pay/{order.public_id}/cancel", headers=HX)
    assert "HX-Redirect" not in response.headers
    assert f'href="https://shop.example/cart?session_id={order.public_id}"' in response.text
    assert "Back to the shop" in response.text


def test_a_shop_cancelled_order_is_final(client, order, pay_url, fake_gateway):
    close_order(order.id, OrderStatus.CANCELLED, actor="owner", reason="out of stock")
    text = client.get(pay_url).text
    assert "Payment cancelled" in text and "Pay with QRIS" not in text and "hx-trigger" not in text


def test_midtrans_unavailable_cancels_nothing(client, order, pay_url, fake_gateway):
    attempt = start_qris(order)
    fake_gateway.fail_next = [unavailable()]
    response = client.post(f"{pay_url}/cancel", headers=HX)
    assert response.status_code == 503 and "nothing was cancelled" in response.text
    assert refresh(attempt).status == PaymentStatus.PENDING and refresh(order).status == OrderStatus.OPEN
    assert "Scan to pay" in response.text  # the QR stays, under the notice


def test_a_payment_that_arrived_first_wins(client, order, pay_url, fake_gateway):
    attempt = start_qris(order)
    fake_gateway.settle(attempt.midtrans_order_id)
    response = client.post(f"{pay_url}/cancel", headers=HX)
    assert "Payment received" in response.text
    assert refresh(order).status == OrderStatus.PAID
