"""Paying in the GoPay or ShopeePay app from the phone that shows the checkout: a Core API
charge recorded before the call, its deeplink opened by the customer's tap (a 303 from a
plain form), and a return from the app that proves nothing on its own."""
import pytest
from sqlalchemy import select, text

from checkout.errors import InvalidRequest, PaymentUnavailable
from checkout.extensions import db
from checkout.models import PaymentAttempt, ShopSettings
from checkout.payments.app_checkout import start_app_payment
from checkout.payments.qris_checkout import start_qris
from checkout.payments.states import PaymentStatus
from tests.factories import make_order
from tests.storefront.conftest import HX, assert_csp_clean, refresh, unavailable


@pytest.fixture
def apps_enabled(ctx):
    db.session.add(ShopSettings(id=1, shop_name="Toko Budi", app_payments=["gopay", "shopeepay"]))
    db.session.commit()


def attempts(order):
    return db.session.scalars(select(PaymentAttempt).where(PaymentAttempt.order_id == order.id)
                              .order_by(PaymentAttempt.number)).all()


def test_the_buttons_exist_only_where_the_shop_enables_them(client, order, pay_url, fake_gateway):
    assert "/app/gopay" not in client.get(pay_url).text
    with pytest.raises(InvalidRequest) as refused:
        start_app_payment(order, "gopay")
    assert refused.value.code == "method_unavailable" and fake_gateway.calls == []
    assert client.post(f"{pay_url}/app/gopay").status_code == 422


def test_choose_offers_each_enabled_app_as_a_plain_form(client, apps_enabled, order, pay_url):
    html = client.get(pay_url).text
    assert_csp_clean(html)
    for wallet, name in (("gopay", "GoPay"), ("shopeepay", "ShopeePay")):
        form = html.split(f'action="{pay_url}/app/{wallet}"', 1)[1].split("</form>", 1)[0]
        assert f"Pay in the {name} app" in form and 'name="csrf_token"' in form
        assert "hx-post" not in html.split(f'action="{pay_url}/app/{wallet}"', 1)[0].rsplit("<form", 1)[1]
    assert '<div class="touch-only">' in html


def test_limits_and_allowed_methods_narrow_the_apps(client, apps_enabled, fake_gateway):
    big = make_order(items=[("Motor", 25_000_000, 1)])
    assert "/app/gopay" not in client.get(f"/pay/{big.public_id}").text  # over GoPay's 20,000,000
    only_gopay = make_order(allowed_methods=["qris", "gopay"])
    html = client.get(f"/pay/{only_gopay.public_id}").text
    assert "/app/gopay" in html and "/app/shopeepay" not in html
    with pytest.raises(InvalidRequest):
        start_app_payment(only_gopay, "shopeepay")
    assert "/app/" not in client.get(f"/pay/{make_order(allowed_methods=['qris']).public_id}").text
    both = client.get(f"/pay/{make_order(allowed_methods=['qris', 'snap']).public_id}").text
    assert "/app/gopay" in both and "/app/shopeepay" in both


def test_recorded_before_the_call_with_its_own_order_id_and_key(apps_enabled, order, fake_gateway, app):
    seen = {}

    def look_from_another_connection(payload):
        with db.engine.connect() as conn:
            seen["row"] = conn.execute(text("SELECT status, gateway_answered_at, method FROM payment_attempts")).one()

    fake_gateway.on_charge = look_from_another_connection
    attempt = start_app_payment(order, "gopay")
    assert tuple(seen["row"])[:2] == ("pending", None) and seen["row"][2] == "gopay"
    (_name, payload, key), = fake_gateway.calls
    assert key == attempt.idempotency_key and attempt.midtrans_order_id == f"{order.reference}-1"
    assert payload["payment_type"] == "gopay"
    assert payload["transaction_details"] == {"order_id": attempt.midtrans_order_id, "gross_amount": 150_000}
    callback = f"{app.config['PUBLIC_URL']}/pay/{order.public_id}/return"
    assert payload["gopay"] == {"enable_callback": True, "callback_url": callback}
    assert payload["custom_expiry"]["unit"] == "minute"
    assert attempt.redirect_url == f"https://wallet.example/app/{attempt.transaction_id}"
    assert attempt.method == "gopay" and attempt.gateway_answered_at is not None


def test_shopeepay_sends_its_callback_url(apps_enabled, order, fake_gateway, app):
    start_app_payment(order, "shopeepay")
    payload = fake_gateway.calls[0][1]
    assert payload["shopeepay"] == {"callback_url": f"{app.config['PUBLIC_URL']}/pay/{order.public_id}/return"}
    assert "gopay" not in payload


def test_the_tap_is_sent_to_the_deeplink_and_a_second_tap_reuses_it(client, apps_enabled, order, pay_url,
                                                                      fake_gateway):
    first = client.post(f"{pay_url}/app/gopay")
    assert first.status_code == 303 and first.headers["Location"].startswith("https://wallet.example/app/")
    again = client.post(f"{pay_url}/app/gopay")
    assert again.headers["Location"] == first.headers["Location"]
    assert fake_gateway.count("charge") == 1 and len(attempts(order)) == 1


def test_a_live_qr_is_cancelled_before_the_app_charge(apps_enabled, order, fake_gateway):
    qr = start_qris(order)
    attempt = start_app_payment(order, "shopeepay")
    assert refresh(qr).status == PaymentStatus.CANCELLED
    assert fake_gateway.count("cancel") == 1
    assert (attempt.number, attempt.method) == (2, "shopeepay")


def test_midtrans_down_keeps_the_attempt_for_a_retry_with_the_same_key(client, apps_enabled, order, pay_url,
                                                                        fake_gateway):
    fake_gateway.fail_next = [unavailable(), unavailable(), unavailable()]
    answer = client.post(f"{pay_url}/app/gopay")
    assert answer.status_code == 503 and "not answering" in answer.text
    (attempt,) = attempts(order)
    assert attempt.status == "pending" and attempt.gateway_answered_at is None
    fake_gateway.fail_next = []
    retried = client.post(f"{pay_url}/app/gopay")
    assert retried.status_code == 303
    keys = {call[2] for call in fake_gateway.calls if call[0] == "charge"}
    assert keys == {attempt.idempotency_key} and len(attempts(order)) == 1


def test_unavailable_raises_for_callers(apps_enabled, order, fake_gateway):
    fake_gateway.fail_next = [unavailable()]
    with pytest.raises(PaymentUnavailable):
        start_app_payment(order, "gopay")


def test_the_waiting_state_as_page_and_fragment(client, apps_enabled, order, pay_url, fake_gateway):
    attempt = start_app_payment(order, "gopay")
    page = client.get(pay_url)
    assert page.status_code == 200 and 'data-state="app"' in page.text
    assert "Finish paying in GoPay" in page.text
    assert f'href="{attempt.redirect_url}"' in page.text and "Open GoPay again" in page.text
    assert 'hx-trigger="every 3s' in page.text  # it polls
    assert "Pay with QRIS instead" in page.text  # and QRIS stays reachable
    assert '<details class="summary" id="summary" data-fold-states="qris app">' in page.text  # folded
    assert_csp_clean(page.text)
    fragment = client.get(f"{pay_url}/status", headers=HX)
    assert fragment.text.lstrip().startswith('<section id="payment"') and "Finish paying in GoPay" in fragment.text


def test_the_return_from_the_app_proves_nothing(client, apps_enabled, order, pay_url, fake_gateway):
    attempt = start_app_payment(order, "gopay")
    back = client.get(f"{pay_url}/return?order_id={attempt.midtrans_order_id}&transaction_status=settlement"
                      "&status_code=200")
    assert back.status_code == 303
    assert 'data-state="app"' in client.get(pay_url).text
    assert fake_gateway.count("status") == 1  # Midtrans was asked, and said pending
    fake_gateway.settle(attempt.midtrans_order_id, payment_type="gopay")
    db.session.execute(db.update(PaymentAttempt).values(last_checked_at=None))  # the claim interval passed
    db.session.commit()
    client.get(f"{pay_url}/return")  # coming back is a good moment to ask the status API
    page = client.get(pay_url).text
    assert 'data-state="paid"' in page and "GoPay" in page


def test_an_order_id_taken_at_midtrans_ends_the_attempt(apps_enabled, order, fake_gateway):
    attempt = start_app_payment(order, "gopay")
    db.session.execute(db.update(PaymentAttempt).where(PaymentAttempt.id == attempt.id)
                       .values(status="pending", gateway_answered_at=None, redirect_url=None))
    db.session.commit()
    fake_gateway.transactions[attempt.midtrans_order_id]["idempotency_key"] = "lost-long-ago"
    assert start_app_payment(order, "gopay") is None
    assert refresh(attempt).status == PaymentStatus.CANCELLED
    fresh = start_app_payment(order, "gopay")
    assert fresh.number == 2 and fresh.redirect_url


def test_try_again_while_midtrans_is_silent_is_a_plain_form_to_the_same_app(client, apps_enabled, order, pay_url,
                                                                            fake_gateway):
    fake_gateway.fail_next = [unavailable()]
    assert client.post(f"{pay_url}/app/shopeepay").status_code == 503
    page = client.get(pay_url).text
    assert 'data-state="unanswered"' in page
    form = page.split(f'<form class="method" method="post" action="{pay_url}/app/shopeepay"', 1)[1].split(">", 1)[0]
    assert "hx-post" not in form
    assert client.post(f"{pay_url}/app/shopeepay").status_code == 303
