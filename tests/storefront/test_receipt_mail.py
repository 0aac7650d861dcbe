"""The receipt and refund notice e-mails' content, in the customer's language."""
from datetime import datetime

import pytest

from checkout.extensions import db
from checkout.models import ShopSettings
from checkout.payments.states import OrderStatus, PaymentStatus
from checkout.receipt_mail import render_receipt, render_refund_notice
from tests.factories import make_attempt, make_order

PAID_AT = datetime(2026, 12, 1, 3, 5)  # UTC: 1 December 2026, 10:05 in Jakarta


@pytest.fixture
def paid(ctx):
    db.session.add(ShopSettings(id=1, shop_name="Toko Budi"))
    db.session.commit()
    order = make_order(items=[("Kain <Tenun>", 100_000, 1), ("Selendang", 25_000, 2)], reference="INV-42",
                       status=OrderStatus.PAID, paid_amount=150_000, paid_at=PAID_AT,
                       customer_email="siti@example.com")
    make_attempt(order, method="gopay", status=PaymentStatus.PAID, paid_amount=150_000, paid_at=PAID_AT,
                 payment_type="gopay", transaction_id="5e5b3f2a-0000-4000-8000-000000000042")
    return order


def test_the_receipt_in_indonesian(paid, app):
    subject, text, html = render_receipt(paid, "id")
    assert subject == "Bukti pembayaran Rp 150.000 kepada Toko Budi"
    for content in (text, html):
        assert "INV-42" in content and "Rp 150.000" in content and "Rp 50.000" in content
        assert "1 Desember 2026, 10.05 WIB" in content or "1 Desember 2026, 10:05 WIB" in content
        assert "GoPay" in content and "5e5b3f2a-0000-4000-8000-000000000042" in content
        assert f"{app.config['PUBLIC_URL']}/pay/{paid.public_id}" in content
        assert "Terima kasih! Toko Budi telah menerima pembayaran Anda." in content
    assert "Kain <Tenun>" in text and "Kain &lt;Tenun&gt;" in html and "<Tenun>" not in html
    assert html.startswith("<!doctype html>") and '<html lang="id">' in html


def test_the_receipt_in_english(paid):
    subject, text, html = render_receipt(paid, "en")
    assert subject == "Receipt for your payment of Rp 150.000 to Toko Budi"
    assert "1 December 2026, 10:05 WIB" in text and "Paid at" in text and "Transaction ID" in html
    assert "Selendang x 2" in text and "Selendang &times; 2" in html


def test_an_unknown_language_falls_back_to_indonesian(paid):
    assert render_receipt(paid, "fr").subject.startswith("Bukti pembayaran")


def test_no_receipt_for_an_unpaid_order(ctx):
    with pytest.raises(ValueError):
        render_receipt(make_order(), "id")


@pytest.mark.parametrize(("locale", "subject", "words"), [
    ("id", "Toko Budi mengembalikan dana Rp 50.000 kepada Anda", "Tetap terbayar setelah pengembalian ini"),
    ("en", "Toko Budi refunded Rp 50.000 to you", "Still paid after this refund"),
])
def test_a_partial_refund_notice(paid, locale, subject, words):
    paid.refunded_amount = 50_000
    db.session.commit()
    notice = render_refund_notice(paid, locale, amount=50_000)
    assert notice.subject == subject
    for content in (notice.text, notice.html):
        assert "Rp 50.000" in content and "Rp 100.000" in content and words in content and "INV-42" in content


def test_a_full_refund_notice_says_nothing_remains(paid):
    paid.refunded_amount = 150_000
    db.session.commit()
    notice = render_refund_notice(paid, "en", amount=150_000)
    assert "Still paid" not in notice.text and "Still paid" not in notice.html
    with pytest.raises(ValueError):
        render_refund_notice(paid, "en", amount=150_001)
