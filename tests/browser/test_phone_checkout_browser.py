"""The customer paying on the phone that shows the checkout, at 360 x 640 with a touch screen,
in Indonesian and English: the QR saved to the gallery decodes to Midtrans's qr_string, the
GoPay deeplink round trip through the simulator's app page ends paid, the first screen holds
the QR, the amount and the countdown, the first view stays small, and the receipt prints on
one page. Auto-waiting expectations only, no sleeps."""
from __future__ import annotations

import io
import re

import pytest
import requests
from sqlalchemy import select

from checkout.extensions import db
from checkout.models import PaymentAttempt, ShopSettings
from checkout.payments.orders import NewItem, create_order
from tests.browser.conftest import axe_violations

pytestmark = pytest.mark.browser

WAIT = 20_000
PHONE = {"viewport": {"width": 360, "height": 640}, "has_touch": True, "is_mobile": True, "device_scale_factor": 2}
DESKTOP = {"viewport": {"width": 1280, "height": 800}}
TEXT = {
    "id": {"qris": "Bayar dengan QRIS", "save": "Simpan kode QR", "gopay": "Bayar di aplikasi GoPay",
           "paid": "Pembayaran diterima", "finish": "Selesaikan pembayaran di GoPay", "again": "Buka GoPay lagi",
           "locale": "id-ID"},
    "en": {"qris": "Pay with QRIS", "save": "Save QR code", "gopay": "Pay in the GoPay app",
           "paid": "Payment received", "finish": "Finish paying in GoPay", "again": "Open GoPay again",
           "locale": "en-US"},
}


def expect():
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect


@pytest.fixture
def shop(live_app):
    """A shop called Toko Budi that offers the GoPay and ShopeePay app buttons."""
    live_app.app.config["STATUS_CHECK_INTERVAL_SECONDS"] = 1
    with live_app.app.app_context():
        db.session.add(ShopSettings(id=1, shop_name="Toko Budi", logo_text="TB", app_payments=["gopay", "shopeepay"]))
        db.session.commit()
    return live_app


def new_order(live, amount: int = 150_000) -> str:
    with live.app.app_context():
        return create_order(items=[NewItem("Kain Tenun", amount, 1)], description="Tenun", actor="test").public_id


def attempt_column(live, column, number: int = 1):
    with live.app.app_context():
        return db.session.scalar(select(column).where(PaymentAttempt.number == number))


def open_page(browser, live, public_id: str, lang: str, device: dict):
    context = browser.new_context(locale=TEXT[lang]["locale"], accept_downloads=True, **device)
    page = context.new_page()
    page.problems = []
    page.on("console", lambda msg: page.problems.append(msg.text)
            if msg.type == "error" and "Content Security Policy" in msg.text else None)
    page.on("pageerror", lambda error: page.problems.append(str(error)))
    page.goto(f"{live.url}/pay/{public_id}?lang={lang}")
    return context, page


def show_qr(page, lang: str):
    page.get_by_role("button", name=re.compile(TEXT[lang]["qris"])).click()
    expect()(page.locator("img.qr__image")).to_be_visible(timeout=WAIT)
    page.wait_for_function("() => { const img = document.querySelector('img.qr__image');"
                           " return img && img.complete && img.naturalWidth > 0; }", timeout=WAIT)


def inside_viewport(page, locator) -> bool:
    box = locator.bounding_box()
    size = page.viewport_size
    return (box is not None and box["x"] >= 0 and box["y"] >= 0
            and box["x"] + box["width"] <= size["width"] and box["y"] + box["height"] <= size["height"])


def decode_png(data: bytes) -> list[str]:
    """Every QR code zxing-cpp reads in a PNG (pypng decodes it; no Pillow needed)."""
    import png
    import zxingcpp

    width, height, rows, info = png.Reader(bytes=data).asDirect()
    planes, top = info["planes"], 2 ** info["bitdepth"] - 1
    grey = bytes(round(row[x * planes] * 255 / top) for row in rows for x in range(width))
    return [result.text for result in zxingcpp.read_barcodes(zxingcpp.ImageView(grey, width, height,
                                                                                 zxingcpp.ImageFormat.Lum))]


@pytest.mark.parametrize("lang", ["id", "en"])
def test_save_qr_downloads_a_png_that_decodes_to_the_qr_string(shop, browser, tmp_path, lang, axe_source):
    public_id = new_order(shop)
    context, page = open_page(browser, shop, public_id, lang, PHONE)
    try:
        show_qr(page, lang)
        # The first screen of a 360 x 640 phone holds the QR, the amount and the countdown.
        expect()(page.locator("#summary")).not_to_have_attribute("open", "")
        expect()(page.locator(".expiry__time")).to_have_text(re.compile(r"^1[45]:\d\d$"))
        for part in ("img.qr__image", "#payment .amount", "#payment .expiry"):
            assert inside_viewport(page, page.locator(part)), f"{part} is below the fold"
        assert axe_violations(page, axe_source) == [], f"(QR on a phone, {lang})"

        save = page.get_by_role("link", name=re.compile(TEXT[lang]["save"]))
        expect()(save).to_be_visible()
        with page.expect_download() as download_info:
            save.click()
        download = download_info.value
        assert download.suggested_filename == "qris-toko-budi-150000.png"
        saved = tmp_path / download.suggested_filename
        download.save_as(saved)
        data = saved.read_bytes()
        assert data.startswith(b"\x89PNG\r\n\x1a\n")
        assert decode_png(data) == [attempt_column(shop, PaymentAttempt.qr_string)]
        assert page.problems == []
    finally:
        context.close()


@pytest.mark.parametrize("lang", ["id", "en"])
def test_a_desktop_gets_the_qr_to_scan_without_phone_buttons(shop, browser, lang, axe_source):
    public_id = new_order(shop)
    context, page = open_page(browser, shop, public_id, lang, DESKTOP)
    try:
        expect()(page.get_by_role("button", name=re.compile(TEXT[lang]["qris"]))).to_be_visible()
        expect()(page.get_by_role("button", name=re.compile(TEXT[lang]["gopay"]))).to_be_hidden()
        show_qr(page, lang)
        expect()(page.locator("#summary")).to_have_attribute("open", "")  # wide screens keep it open
        expect()(page.get_by_role("link", name=re.compile(TEXT[lang]["save"]))).to_be_hidden()
        assert axe_violations(page, axe_source) == [], f"(QR on a desktop, {lang})"
        assert page.problems == []
    finally:
        context.close()


@pytest.mark.parametrize("lang", ["id", "en"])
def test_gopay_deeplink_round_trip_through_the_simulator_ends_paid(shop, browser, lang, axe_source):
    public_id = new_order(shop)
    context, page = open_page(browser, shop, public_id, lang, PHONE)
    checkout = f"{shop.url}/pay/{public_id}"
    try:
        assert axe_violations(page, axe_source) == [], f"(choose on a phone, {lang})"
        page.get_by_role("button", name=re.compile(TEXT[lang]["gopay"])).click()

        # Midtrans's deeplink opened "the app": the simulator's page shows amount and merchant.
        page.wait_for_url(re.compile(r"/midtrans-simulator/simulator/pay/"), timeout=WAIT)
        expect()(page.get_by_role("heading", name="Pay Rp 150.000")).to_be_visible()
        expect()(page.get_by_text("Midtrans Simulator")).to_be_visible()
        deeplink = page.url
        assert attempt_column(shop, PaymentAttempt.redirect_url) == deeplink

        # Leaving the app without paying comes back to a checkout that still waits.
        page.get_by_role("button", name="Cancel").click()
        page.wait_for_url(checkout, timeout=WAIT)
        expect()(page.get_by_role("heading", name=TEXT[lang]["finish"])).to_be_visible(timeout=WAIT)
        assert axe_violations(page, axe_source) == [], f"(waiting for the app, {lang})"

        page.get_by_role("link", name=TEXT[lang]["again"]).click()
        page.wait_for_url(deeplink, timeout=WAIT)
        page.get_by_role("button", name="Pay").click()
        page.wait_for_url(checkout, timeout=WAIT)
        heading = page.get_by_role("heading", name=TEXT[lang]["paid"])
        expect()(heading).to_be_visible(timeout=WAIT)
        expect()(page.locator(".receipt")).to_contain_text("GoPay")
        assert attempt_column(shop, PaymentAttempt.method) == "gopay"
        assert page.problems == []
    finally:
        context.close()


def pdf_pages(data: bytes) -> int:
    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(data)).pages)


@pytest.mark.parametrize("lang", ["id", "en"])
def test_the_receipt_prints_on_one_a4_page_or_a_58mm_roll(shop, browser, lang, axe_source):
    public_id = new_order(shop)
    context, page = open_page(browser, shop, public_id, lang, PHONE)
    try:
        show_qr(page, lang)
        order_id = attempt_column(shop, PaymentAttempt.midtrans_order_id)
        settled = requests.post(f"{shop.url}/midtrans-simulator/simulator/transactions/{order_id}/settle", timeout=5)
        assert settled.status_code == 200
        expect()(page.get_by_role("heading", name=TEXT[lang]["paid"])).to_be_visible(timeout=WAIT)
        assert axe_violations(page, axe_source) == [], f"(receipt, {lang})"
        assert pdf_pages(page.pdf(format="A4", print_background=True)) == 1
        # A 58 mm roll: narrow, and a receipt a little longer than it is wide at most.
        assert pdf_pages(page.pdf(width="58mm", height="200mm")) == 1
    finally:
        context.close()


def test_the_first_view_stays_under_40_kb_transferred(shop, browser):
    public_id = new_order(shop)
    context = browser.new_context(locale="id-ID", **PHONE)
    page = context.new_page()
    finished = []
    page.on("requestfinished", lambda request: finished.append(request))
    try:
        page.goto(f"{shop.url}/pay/{public_id}", wait_until="networkidle")
        transferred = 0
        for request in finished:
            sizes = request.sizes()
            transferred += sizes["responseBodySize"] + sizes["responseHeadersSize"]
        encodings = {request.url.split("?")[0].rsplit("/", 1)[-1]: request.response().headers.get("content-encoding")
                     for request in finished}
        print(f"first view: {len(finished)} requests, {transferred} bytes transferred, encodings {encodings}")
        assert encodings["htmx.min.js"] in ("br", "gzip", "deflate")
        assert transferred < 40 * 1024
    finally:
        context.close()
