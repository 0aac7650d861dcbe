"""What the customer reads: who is paid, how to reach the shop, how to pay a VA, plain
reasons after a failure, Indonesian dates, titles, and an honest page without JavaScript."""
from datetime import datetime

import pytest

from checkout.extensions import db
from checkout.models import ShopSettings
from checkout.payments.qris_checkout import start_qris
from checkout.payments.snap_checkout import start_snap
from checkout.payments.transitions import GatewayReport, apply_gateway_status
from tests.factories import make_order
from tests.storefront.conftest import HX, refresh



def tlv(tag: str, value: str) -> str:
    return f"{tag}{len(value):02d}{value}"


QR_WITH_NAME = (tlv("00", "01") + tlv("01", "12") + tlv("26", tlv("00", "COM.GO-JEK.WWW"))
                + tlv("51", tlv("00", "ID.CO.QRIS.WWW") + tlv("02", "ID1020123456789")) + tlv("54", "150000")
                + tlv("58", "ID") + tlv("59", "WARUNG BU SARI") + tlv("60", "JAKARTA") + "6304ABCD")


def with_contact(value):
    db.session.add(ShopSettings(id=1, shop_contact=value))
    db.session.commit()


def test_the_merchant_name_midtrans_reports_sits_under_the_qr(client, order, pay_url, fake_gateway):
    original = fake_gateway.charge

    def charge(payload, *, idempotency_key):
        answer = original(payload, idempotency_key=idempotency_key)
        answer["qr_string"] = QR_WITH_NAME
        fake_gateway.transactions[payload["transaction_details"]["order_id"]]["answer"] = dict(answer)
        return answer

    fake_gateway.charge = charge
    attempt = start_qris(order)
    assert refresh(attempt).merchant_name == "WARUNG BU SARI"
    text = client.get(pay_url).text
    assert '<span class="qr__merchant">WARUNG BU SARI</span>' in text
    assert "QRIS · processed by Midtrans" in text
    assert 'NMID <span class="mono">ID1020123456789</span>' in text


@pytest.mark.parametrize("value,href,label", [
    ("0812 3456 7890", "https://wa.me/6281234567890", "WhatsApp Toko Demo: +62 812 3456 7890"),
    ("halo@toko.example", "mailto:halo@toko.example", "E-mail Toko Demo: halo@toko.example"),
])
def test_the_shop_contact_is_on_every_state(client, ctx, fake_gateway, value, href, label):
    with_contact(value)
    order = make_order()
    url = f"/pay/{order.public_id}"
    pages = [client.get(url).text]
    start_qris(order)
    pages.append(client.get(url).text)
    apply_gateway_status(order.attempts[0].id, GatewayReport(transaction_status="settlement"), actor="test")
    pages.append(client.get(url).text)
    for text in pages:
        assert f'href="{href}"' in text and label in text


def test_no_contact_no_line(client, order, pay_url):
    assert 'class="contact"' not in client.get(pay_url).text


@pytest.mark.parametrize("extra,expected", [
    ({"va_numbers": [{"bank": "bni", "va_number": "9881234567890123"}]}, ["BNI virtual account number", "9881234567890123"]),
    ({"permata_va_number": "8562000012345678"}, ["Permata virtual account number", "8562000012345678"]),
    ({"bill_key": "123456789012", "biller_code": "70012"}, ["company code 70012", "123456789012"]),
    ({"payment_code": "55512345678901", "store": "indomaret"}, ["Payment code for Indomaret", "55512345678901"]),
])
def test_a_transfer_started_in_snap_shows_where_and_what_to_pay(client, order, pay_url, fake_gateway, extra, expected):
    attempt = start_snap(order)
    report = {"transaction_status": "pending", "transaction_id": "tx-1", "payment_type": "bank_transfer", **extra}
    apply_gateway_status(attempt.id, GatewayReport.from_payload(report), actor="midtrans:notification")
    text = client.get(pay_url).text
    for part in expected:
        assert part in text
    assert "Continue to the payment page" not in text and "Pay before" in text


def test_after_a_card_decline_the_labels_fit_the_card(client, order, pay_url, fake_gateway):
    attempt = start_snap(order)
    apply_gateway_status(attempt.id, GatewayReport.from_payload(
        {"transaction_status": "deny", "payment_type": "credit_card", "transaction_id": "t"}), actor="test")
    text = client.get(pay_url).text
    assert "Your bank declined the card" in text
    assert "Try QRIS again" not in text
    assert "Pay with QRIS instead" in text and "Try another card or method" in text


def test_after_a_qris_failure_qris_can_be_tried_again(client, order, pay_url, fake_gateway):
    attempt = start_qris(order)
    apply_gateway_status(attempt.id, GatewayReport(transaction_status="deny"), actor="test")
    text = client.get(pay_url).text
    assert "Try QRIS again" in text and "The payment was declined" in text


def test_indonesian_copy_and_month_names(app, ctx, fake_gateway):
    order = make_order()
    order.expires_at = datetime(2026, 12, 1, 3, 5)
    db.session.commit()
    client = app.test_client()
    start_snap(order)
    text = client.get(f"/pay/{order.public_id}", headers={"Accept-Language": "id"}).text
    assert "Ganti ke QRIS" in text and "Bayar dengan QRIS saja" not in text
    choose = make_order()
    choose.expires_at = datetime(2026, 12, 1, 3, 5)
    db.session.commit()
    text = client.get(f"/pay/{choose.public_id}?lang=id").text
    assert "1 Desember 2026, 10:05 WIB" in text and "Dec" not in text


def test_the_tab_title_follows_the_state(client, order, pay_url, fake_gateway):
    assert "<title>Pay Rp 150.000 · Toko Demo</title>" in client.get(pay_url).text
    start_qris(order)
    assert "<title>Scan to pay Rp 150.000 · Toko Demo</title>" in client.get(pay_url).text
    fragment = client.get(f"{pay_url}/status", headers=HX).text
    assert 'data-title="Scan to pay Rp 150.000 · Toko Demo"' in fragment


def test_without_javascript_only_waiting_pages_refresh_themselves(client, order, pay_url, fake_gateway):
    refresh_tag = '<noscript><meta http-equiv="refresh" content="10"></noscript>'
    assert refresh_tag not in client.get(pay_url).text  # choosing: nothing changes by itself
    start_qris(order)
    text = client.get(pay_url).text
    assert refresh_tag in text
    assert f'<form class="poll" method="get" action="{pay_url}/status"' in text
    assert '<button class="link-button poll__button" type="submit">Refresh status</button>' in text


def test_the_connection_notice_is_on_the_page_hidden(client, order, pay_url):
    text = client.get(pay_url).text
    assert '<p id="connection" class="connection" role="alert" hidden>' in text
    assert '<script src="/static/js/connection.js?v=' in text
    assert '<script src="/static/js/busy.js?v=' in text
