"""Back from Snap: "confirming your payment" with no payment buttons until Midtrans has
told us what happened; then the truth (paid, the VA to pay, or the buttons again)."""
from datetime import timedelta

import pytest

from checkout.payments.snap_checkout import start_snap
from checkout.payments.states import OrderStatus
from checkout.storefront import snap_return
from checkout.timeutil import utcnow
from tests.storefront.conftest import HX, english, refresh, unavailable

PAYMENT_BUTTONS = ("Continue to the payment page", "Pay with QRIS", "Other payment methods", "Pay another way")


def no_payment_buttons(text: str) -> bool:
    return not any(label in text for label in PAYMENT_BUTTONS)


@pytest.fixture
def snap_order(order, fake_gateway):
    start_snap(order)
    return order


def test_back_from_a_paid_card_shows_paid_not_buttons(client, snap_order, fake_gateway):
    attempt = snap_order.attempts[0]
    fake_gateway.pick_method(attempt.midtrans_order_id, payment_type="credit_card")
    fake_gateway.settle(attempt.midtrans_order_id, payment_type="credit_card")
    back = client.get(f"/pay/{snap_order.public_id}/return?transaction_status=settlement", follow_redirects=True)
    assert "Payment received" in back.text and no_payment_buttons(back.text)
    assert refresh(snap_order).status == OrderStatus.PAID


def test_midtrans_unreachable_on_return_means_confirming(client, snap_order, fake_gateway):
    fake_gateway.fail_next = [unavailable(), unavailable()]
    back = client.get(f"/pay/{snap_order.public_id}/return?transaction_status=settlement", follow_redirects=True)
    text = back.text
    assert "Confirming your payment" in text and no_payment_buttons(text)
    assert 'hx-trigger="every 3s, submit, checkout:poll"' in text  # it keeps asking
    assert "Cancel this payment" in text  # the way out stays, as a quiet link
    assert "Still waiting?" not in text  # not before ~20 s
    assert '<meta http-equiv="refresh" content="10">' in text  # without JavaScript too
    poll = client.get(f"/pay/{snap_order.public_id}/status?have=confirming.1.0", headers=HX)
    assert poll.status_code in (200, 204)
    if poll.status_code == 200:
        assert no_payment_buttons(poll.text)


def test_confirming_ends_when_midtrans_answers(make_app, fake_gateway):
    app = make_app(STATUS_CHECK_INTERVAL_SECONDS=0)
    client = english(app.test_client())
    with app.app_context():
        from tests.factories import make_order

        order = make_order()
        attempt = start_snap(order)
        fake_gateway.fail_next = [unavailable(), unavailable()]  # the return's check and the page's
        assert "Confirming your payment" in client.get(f"/pay/{order.public_id}/return", follow_redirects=True).text
        # Midtrans answers the next check: the customer left Snap without choosing (404),
        # so the buttons come back.
        poll = client.get(f"/pay/{order.public_id}/status?have=confirming.1.0", headers=HX)
        assert "Continue to the payment page" in poll.text and fake_gateway.count("status") >= 2
        # A VA picked meanwhile: the number to pay, from the status answer.
        fake_gateway.pick_method(attempt.midtrans_order_id,
                                 va_numbers=[{"bank": "bca", "va_number": "12345678901"}])
        text = client.get(f"/pay/{order.public_id}").text
        assert "BCA virtual account number" in text and "12345678901" in text


def test_another_browser_is_not_confirming(app, snap_order, fake_gateway):
    fake_gateway.fail_next = [unavailable(), unavailable()]
    first = english(app.test_client())
    assert "Confirming your payment" in first.get(f"/pay/{snap_order.public_id}/return", follow_redirects=True).text
    other = english(app.test_client()).get(f"/pay/{snap_order.public_id}").text
    assert "Continue to the payment page" in other


def test_after_20_seconds_the_note_offers_i_have_paid(app, client, snap_order, fake_gateway, monkeypatch):
    fake_gateway.fail_next = [unavailable(), unavailable()]
    client.get(f"/pay/{snap_order.public_id}/return")
    with client.session_transaction() as session:
        number, _when = session[snap_return.SESSION_KEY][snap_order.public_id]
        earlier = (utcnow() - timedelta(seconds=21)).isoformat()
        session[snap_return.SESSION_KEY] = {snap_order.public_id: [number, earlier]}
    app.config["STATUS_CHECK_INTERVAL_SECONDS"] = 3600  # no automatic check in this request
    text = client.get(f"/pay/{snap_order.public_id}").text
    assert "Confirming your payment" in text and "Still waiting?" in text
    assert f'action="/pay/{snap_order.public_id}/check"' in text and "I have paid" in text
    assert no_payment_buttons(text)
