"""Charges and cancels are rate limited per IP and per checkout link; the poll is not."""
import pytest

from tests.factories import make_order
from tests.storefront.conftest import HX, english


@pytest.fixture
def limited(make_app, fake_gateway):
    app = make_app(CHECKOUT_ACTIONS_PER_IP="3/minute", CHECKOUT_ACTIONS_PER_ORDER="2/minute")
    with app.app_context():
        yield english(app.test_client())


def test_per_order_limit_answers_with_a_fragment(limited):
    order = make_order()
    url = f"/pay/{order.public_id}/qris"
    assert [limited.post(url, headers=HX).status_code for _ in range(2)] == [200, 200]
    response = limited.post(url, headers=HX)
    assert response.status_code == 429
    assert response.text.lstrip().startswith('<section id="payment"')
    assert "Too many attempts. Please try again in" in response.text and "seconds" in response.text
    assert "Scan to pay" in response.text  # the live QR stays visible under the notice
    assert int(response.headers["Retry-After"]) > 0


def test_per_order_limit_as_a_full_page(limited):
    order = make_order()
    for _ in range(2):
        limited.post(f"/pay/{order.public_id}/cancel")
    response = limited.post(f"/pay/{order.public_id}/cancel")
    assert response.status_code == 429 and "<html" in response.text and "Too many attempts" in response.text


def test_per_ip_limit_spans_orders_and_actions(limited):
    orders = [make_order() for _ in range(3)]
    for order in orders:
        assert limited.post(f"/pay/{order.public_id}/snap", headers=HX).status_code == 200
    another = make_order()
    response = limited.post(f"/pay/{another.public_id}/qris", headers=HX)
    assert response.status_code == 429 and "Too many attempts" in response.text


def test_the_poll_is_exempt(limited):
    order = make_order()
    statuses = {limited.get(f"/pay/{order.public_id}/status", headers=HX).status_code for _ in range(20)}
    assert statuses == {200}
