""""I have paid": one status check now, behind the same claim as the poll, rate limited."""
from datetime import timedelta

import pytest
from sqlalchemy import update

from checkout.extensions import db
from checkout.models import PaymentAttempt
from checkout.payments.qris_checkout import start_qris
from checkout.payments.states import OrderStatus
from checkout.timeutil import utcnow
from tests.storefront.conftest import HX, refresh


def waited(attempt, seconds=25):
    """As if the QR had been shown ``seconds`` ago."""
    db.session.execute(update(PaymentAttempt).where(PaymentAttempt.id == attempt.id)
                       .values(gateway_answered_at=utcnow() - timedelta(seconds=seconds)))
    db.session.commit()


def test_the_note_and_its_button_appear_after_20_seconds(client, order, pay_url, fake_gateway):
    attempt = start_qris(order)
    assert "I have paid" not in client.get(pay_url).text
    waited(attempt)
    text = client.get(pay_url).text
    assert "Still waiting?" in text and "Scan to pay" in text
    assert f'<form class="note__action" method="post" action="{pay_url}/check" hx-post="{pay_url}/check"' in text


@pytest.mark.parametrize("headers", [HX, {}], ids=["fragment", "page"])
def test_i_have_paid_asks_midtrans_at_once(client, order, pay_url, fake_gateway, headers):
    attempt = start_qris(order)
    waited(attempt)
    fake_gateway.settle(attempt.midtrans_order_id)
    response = client.post(f"{pay_url}/check", headers=headers)
    assert fake_gateway.count("status") == 1
    assert refresh(order).status == OrderStatus.PAID
    assert response.status_code == 200 and "Payment received" in response.text
    assert ("<html" in response.text) is (not headers)


def test_not_paid_yet_says_so_calmly(client, order, pay_url, fake_gateway):
    attempt = start_qris(order)
    waited(attempt)
    response = client.post(f"{pay_url}/check", headers=HX)
    assert response.status_code == 200 and "Midtrans has not reported your payment yet" in response.text
    assert 'role="status"' in response.text and "Scan to pay" in response.text


def test_presses_share_the_claim_so_midtrans_is_asked_once(client, order, pay_url, fake_gateway):
    attempt = start_qris(order)
    waited(attempt)
    answers = [client.post(f"{pay_url}/check", headers=HX) for _ in range(3)]
    assert {a.status_code for a in answers} == {200}
    assert fake_gateway.count("status") == 1
    assert "We asked Midtrans a few seconds ago" in answers[-1].text


def test_midtrans_unreachable_is_said(client, order, pay_url, fake_gateway):
    from tests.storefront.conftest import unavailable

    attempt = start_qris(order)
    waited(attempt)
    fake_gateway.fail_next = [unavailable()]
    response = client.post(f"{pay_url}/check", headers=HX)
    assert "Midtrans could not be reached just now" in response.text and "Scan to pay" in response.text


def test_i_have_paid_is_rate_limited(make_app, fake_gateway):
    app = make_app(CHECKOUT_ACTIONS_PER_ORDER="2/minute")
    client = app.test_client()
    with app.app_context():
        from tests.factories import make_order

        order = make_order()
        start_qris(order)
        codes = [client.post(f"/pay/{order.public_id}/check", headers=HX).status_code for _ in range(3)]
    assert codes == [200, 200, 429]


def test_nothing_to_check_before_a_method_is_chosen(client, order, pay_url, fake_gateway):
    response = client.post(f"{pay_url}/check", headers=HX)
    assert response.status_code == 200 and "Choose how to pay" in response.text
    assert fake_gateway.calls == []
