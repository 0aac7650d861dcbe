"""Cancelling from the checkout page: at Midtrans first, then here; back to the shop."""
import pytest

from checkout.payments.qris_checkout import start_qris
from checkout.payments.states import OrderStatus, PaymentStatus
from tests.factories import make_order
from tests.storefront.conftest import HX, refresh, unavailable


@pytest.mark.parametrize("headers", [HX, {}], ids=["fragment", "page"])
def test_cancelling_a_live_qr_cancels_at_midtrans(client, order, pay_url, fake_gateway, headers):
    attempt = start_qris(order)
    response = client.post(f"{pay_url}/cancel", headers=headers)
    assert fake_gateway.count("cancel") == 1 and fake_gateway.calls[-1] == ("cancel", attempt.midtrans_order_id)
    assert refresh(attempt).status == PaymentStatus.CANCELLED
    assert refresh(order).status == OrderStatus.CANCELLED
    if headers:
        assert response.status_code == 200 and "Payment cancelled" in response.text
        assert "hx-trigger" not in response.text
    else:
        assert response.status_code == 303 and response.headers["Location"].endswith(pay_url)


def test_cancelling_before_choosing_a_method(client, order, pay_url, fake_gateway):
    response = client.post(f"{pay_url}/cancel", headers=HX)
    assert "Payment cancelled" in response.text and fake_gateway.calls == []
    assert refresh(order).status == OrderStatus.CANCELLED


@pytest.mark.parametrize("headers,header", [(HX, "HX-Redirect"), ({}, "Location")], ids=["fragment", "page"])
def test_cancelling_goes_back_to_the_shops_cancel_url(client, ctx, fake_gateway, headers, header):
    order = make_order(cancel_url="https://shop.example/cart")
    response = client.post(f"/pay/{order.public_id}/cancel", headers=headers)
    assert response.headers[header] == f"https://shop.example/cart?session_id={order.public_id}"


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
