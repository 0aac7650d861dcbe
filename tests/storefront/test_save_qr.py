"""Saving the QR on the phone that shows it: a download named after the shop and amount."""
import pytest

from checkout.extensions import db
from checkout.models import ShopSettings
from checkout.payments.qris_checkout import start_qris
from checkout.storefront.presenter import qr_filename
from tests.factories import make_attempt
from tests.storefront.conftest import assert_csp_clean


@pytest.mark.parametrize(("shop", "amount", "name"), [
    ("Toko Budi", 150_000, "qris-toko-budi-150000.png"),
    ("Warung Bu Sari & Anak's", 25_000, "qris-warung-bu-sari-anak-s-25000.png"),
    ("Kafé Ñusantara", 1, "qris-kafe-nusantara-1.png"),
    ("☕☕", 9_900, "qris-shop-9900.png"),
    ("x" * 80, 5, "qris-" + "x" * 40 + "-5.png"),
])
def test_file_names_are_plain_ascii(shop, amount, name):
    assert qr_filename(shop, amount) == name


def test_the_download_is_the_same_png_as_an_attachment(client, ctx, order, pay_url, fake_gateway):
    db.session.add(ShopSettings(id=1, shop_name="Toko Budi"))
    db.session.commit()
    attempt = start_qris(order)
    shown = client.get(f"{pay_url}/attempts/1/qr.png")
    saved = client.get(f"{pay_url}/attempts/1/qr-download.png")
    assert saved.status_code == 200 and saved.mimetype == "image/png"
    assert saved.data == shown.data == attempt.qr_png
    assert saved.headers["Content-Disposition"] == "attachment; filename=qris-toko-budi-150000.png"
    assert "Content-Disposition" not in shown.headers
    assert saved.headers["Cache-Control"] == "private, max-age=86400, immutable"


def test_the_qr_state_links_the_download_for_touch_screens(client, ctx, order, pay_url, fake_gateway):
    start_qris(order)
    html = client.get(pay_url).text
    assert_csp_clean(html)
    assert '<div class="same-phone touch-only">' in html
    assert (f'href="{pay_url}/attempts/1/qr-download.png" download="qris-toko-demo-150000.png"') in html
    assert "Save QR code" in html
    assert '<details class="summary" id="summary" data-fold-states="qris app">' in html  # folded for the QR


def test_other_states_keep_the_summary_open(client, order, pay_url):
    assert '<details class="summary" id="summary" data-fold-states="qris app" open>' in client.get(pay_url).text


def test_no_download_for_unknown_attempts_or_snap(client, ctx, order, pay_url, fake_gateway):
    assert client.get(f"{pay_url}/attempts/1/qr-download.png").status_code == 404
    make_attempt(order, method="snap", qr_string="000201")
    assert client.get(f"{pay_url}/attempts/1/qr-download.png").status_code == 404
    assert client.get("/pay/not-a-valid-id!/attempts/1/qr-download.png").status_code == 404
