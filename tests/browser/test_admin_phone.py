"""The owner's admin on a phone: every page at 360 x 640 and 390 x 844, in Indonesian and
English, fits the screen (no sideways scrolling), starts its content in the first screen,
and has no axe-core violations. Plus the phone journeys: a payment link with three items
created and paid, and a refund error focused at its field."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
import requests
from sqlalchemy import select

from checkout import api_keys
from checkout.alerts import service as alert_service
from checkout.extensions import db
from checkout.models import Notification, PaymentAttempt
from checkout.outbox import endpoints
from checkout.payments.states import OrderStatus, PaymentStatus
from checkout.timeutil import utcnow
from tests.admin.helpers import OWNER_EMAIL, OWNER_PASSWORD, create_owner
from tests.browser.conftest import axe_violations
from tests.factories import make_attempt, make_order

pytestmark = pytest.mark.browser

WAIT = 20_000  # ms
PHONES = [(360, 640), (390, 844)]
LANGUAGES = ["id", "en"]


def expect():
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect


def _shop(app) -> dict:
    """Something on every page: a paid order with Midtrans's notifications (one a repeat),
    a pending one, a flagged one, an API key and a webhook endpoint."""
    app.config["ADMIN_PASSWORD_HASH_METHOD"] = "scrypt:1024:8:1"
    app.config["OUTBOX_ALLOW_PRIVATE_TARGETS"] = True
    create_owner(app)
    with app.app_context():
        now = utcnow()
        paid = make_order(items=[("Kopi Susu Gula Aren", 25_000, 2), ("Roti Bakar Cokelat Keju", 20_000, 1)],
                          status=OrderStatus.PAID, customer_name="Ani Wijaya", customer_email="ani@example.com",
                          paid_amount=70_000, paid_at=now)
        attempt = make_attempt(paid, status=PaymentStatus.PAID, paid_amount=70_000, paid_at=now, payment_type="qris",
                               gateway_status="settlement", fraud_status="accept",
                               transaction_id="5e0ad6a3-60a1-4e4b-a2c4-1a8b5b8f2d11")
        for outcome in ("applied", "duplicate"):
            db.session.add(Notification(raw_body='{"transaction_status": "settlement", "order_id": "%s"}'
                                        % attempt.midtrans_order_id, midtrans_order_id=attempt.midtrans_order_id,
                                        attempt_id=attempt.id, transaction_status="settlement", outcome=outcome,
                                        received_at=now - timedelta(minutes=1)))
        pending = make_order(description="Kue ulang tahun", customer_name="Budi")
        make_attempt(pending, method="snap", payment_type="bank_transfer")
        late = make_order(status=OrderStatus.PAID_LATE, paid_amount=70_000, paid_at=now)
        make_attempt(late, status=PaymentStatus.PAID_LATE, flag="paid_late", paid_amount=70_000, paid_at=now,
                     payment_type="gopay")
        alert_service.open_alert("payment_attention", f"{late.reference}-1:paid_late", {
            "flag": "paid_late", "reference": late.reference, "midtrans_order_id": f"{late.reference}-1",
            "amount": 70_000})
        db.session.commit()
        api_keys.create("Toko online", actor="test")
        endpoint, _secret = endpoints.add("https://shop.example.com/hooks/checkout", actor="test")
        return {"reference": paid.reference, "endpoint": endpoint.id}


def _pages(shop: dict) -> list[str]:
    return ["/admin/", "/admin/transactions", f"/admin/transactions/{shop['reference']}", "/admin/payment-links/new",
            f"/admin/payment-links/{shop['reference']}", "/admin/audit", "/admin/settings", "/admin/webhook-health",
            "/admin/api-keys", "/admin/webhook-endpoints", f"/admin/webhook-endpoints/{shop['endpoint']}",
            "/admin/alerts"]


def _sign_in(page, url: str, lang: str) -> None:
    page.goto(f"{url}/admin/login?lang={lang}")
    page.locator("input[name=email]").fill(OWNER_EMAIL)
    page.locator("input[name=password]").fill(OWNER_PASSWORD)
    page.locator("form button[type=submit]").click()
    expect()(page).to_have_url(re.compile(r"/admin/$"))


def _fits_and_starts_in_the_first_screen(page) -> list[str]:
    problems = []
    width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    if width[0] > width[1]:
        wide = page.evaluate("""() => [...document.querySelectorAll('#main *')]
            .filter(e => e.getBoundingClientRect().right > window.innerWidth + 0.5)
            .slice(0, 3).map(e => e.tagName + '.' + e.className + '#' + e.id)""")
        problems.append(f"{width[0]} px wide in {width[1]}: {wide}")
    # Nor does anything inside the page scroll sideways (a table in a scrolling box, say).
    boxes = page.evaluate("""() => [...document.querySelectorAll('#main *')].filter(e => {
        const style = getComputedStyle(e);
        return ['auto', 'scroll'].includes(style.overflowX) && e.tagName !== 'PRE'
            && e.scrollWidth > e.clientWidth + 1;
    }).map(e => e.tagName + '.' + e.className + '#' + e.id)""")
    if boxes:
        problems.append(f"scrolls sideways inside: {boxes}")
    top = page.evaluate("() => document.querySelector('#main h1').getBoundingClientRect().top")
    height = page.evaluate("() => window.innerHeight")
    if not 0 <= top < height / 2:
        problems.append(f"the page's heading starts at {top:.0f} px of {height}")
    return problems


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("width, height", PHONES)
def test_every_admin_page_fits_a_phone_and_passes_axe(live_app, browser, axe_source, width, height, lang):
    url, shop = live_app.url, _shop(live_app.app)
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda msg: errors.append(msg.text)
            if msg.type == "error" and "Content Security Policy" in msg.text else None)
    found = {}
    try:
        page.goto(f"{url}/admin/login?lang={lang}")
        found["/admin/login"] = _fits_and_starts_in_the_first_screen(page) + axe_violations(page, axe_source)
        _sign_in(page, url, lang)
        for path in _pages(shop):
            page.goto(url + path)
            assert page.locator("html").get_attribute("lang") == lang
            problems = _fits_and_starts_in_the_first_screen(page) + axe_violations(page, axe_source)
            # The menu folds away: opened, it lists every page and still fits.
            page.locator(".admin-menu summary").click()
            expect()(page.locator(".admin-menu nav a").first).to_be_visible()
            problems += _fits_and_starts_in_the_first_screen(page) + axe_violations(page, axe_source)
            found[path] = problems
    finally:
        context.close()
    assert {path: problems for path, problems in found.items() if problems} == {}
    assert errors == []


@pytest.fixture
def phone(browser):
    """A 390 x 844 Indonesian phone that records CSP violations and page errors."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="id-ID")
    page = context.new_page()
    page.problems = []
    page.on("console", lambda msg: page.problems.append(msg.text)
            if msg.type == "error" and "Content Security Policy" in msg.text else None)
    page.on("pageerror", lambda error: page.problems.append(str(error)))
    page.on("dialog", lambda dialog: dialog.accept())  # hx-confirm asks before a refund
    yield page
    context.close()


def test_a_payment_link_with_three_items_is_made_on_a_phone_shared_and_paid(live_app, phone, axe_source):
    page, url, app = phone, live_app.url, live_app.app
    app.config["ADMIN_PASSWORD_HASH_METHOD"] = "scrypt:1024:8:1"
    create_owner(app)
    _sign_in(page, url, "id")
    page.locator(".admin-menu summary").click()  # the folded menu (a <details>)
    page.locator(".admin-menu").get_by_role("link", name="Tautan pembayaran").click()

    # A price forgotten: focus lands on it, its message is tied to it, and nothing else is said.
    page.get_by_label("Untuk apa pembayaran ini?").fill("Sarapan")
    page.get_by_role("group", name="Barang 1").get_by_label("Nama").fill("Kopi Susu")
    page.get_by_role("button", name="Buat tautan pembayaran").click()
    price = page.get_by_role("group", name="Barang 1").get_by_label("Harga")
    expect()(price).to_be_focused()
    expect()(price).to_have_attribute("aria-invalid", "true")
    expect()(page.locator("#" + price.get_attribute("aria-describedby").split()[-1])).to_have_text("Isi harganya.")
    assert page.locator("#admin-announcer").inner_text() == ""

    items = [("Kopi Susu", "25.000", "2"), ("Roti Bakar", "20000", "1"), ("Pisang Goreng", "5.000", "3")]
    for number, (name, price, quantity) in enumerate(items, start=1):
        if number > 1:
            page.get_by_role("button", name="Tambah barang").click()  # static/js/payment_link.js, no round trip
        row = page.get_by_role("group", name=f"Barang {number}")
        if number > 1:
            expect()(row.get_by_label("Nama")).to_be_focused()
        row.get_by_label("Nama").fill(name)
        row.get_by_label("Harga").fill(price)
        row.get_by_label("Banyaknya").fill(quantity)
    # A fourth row added and removed again leaves three.
    page.get_by_role("button", name="Tambah barang").click()
    page.get_by_role("group", name="Barang 4").get_by_role("button", name="Hapus").click()
    expect()(page.locator("[data-item-row]")).to_have_count(3)
    page.get_by_role("button", name="Buat tautan pembayaran").click()

    done = page.locator("#payment-link-done")
    expect()(done).to_contain_text("Rp 85.000")
    expect()(done).to_be_focused()  # focus moves to the result
    expect()(page.locator("#admin-announcer")).to_contain_text("Rp 85.000")  # said once, by the one live region
    assert page.locator("[aria-live], [role=alert], [role=status]").count() == 1
    link = page.locator("#payment-link-url").input_value()
    assert re.fullmatch(rf"{re.escape(url)}/pay/[\w-]+", link)
    whatsapp = page.get_by_role("link", name="Kirim lewat WhatsApp").get_attribute("href")
    assert whatsapp.startswith("https://wa.me/?text=Halo%21%20Ini%20tautan%20pembayaran") and link.replace(":", "%3A").replace("/", "%2F") in whatsapp
    assert page.locator("img.link-qr__image").evaluate("img => img.complete && img.naturalWidth > 100")
    assert page.evaluate("() => document.documentElement.scrollWidth <= innerWidth")
    assert axe_violations(page, axe_source) == []

    # The customer opens the shared link on a phone and pays by QRIS at the simulator.
    customer = page.context.new_page()
    customer.goto(link)
    expect()(customer.get_by_text("Pisang Goreng")).to_be_visible()
    customer.get_by_role("button", name=re.compile("QRIS")).click()
    expect()(customer.locator("img.qr__image")).to_be_visible(timeout=WAIT)
    with app.app_context():
        attempt = db.session.scalar(select(PaymentAttempt))
        order = attempt.order
        assert [(i.name, i.unit_price, i.quantity) for i in order.items] == [
            ("Kopi Susu", 25_000, 2), ("Roti Bakar", 20_000, 1), ("Pisang Goreng", 5_000, 3)]
        midtrans_id = attempt.midtrans_order_id
    settled = requests.post(f"{url}/midtrans-simulator/simulator/transactions/{midtrans_id}/settle", timeout=10)
    assert settled.status_code == 200
    expect()(customer.locator(".result--paid")).to_be_visible(timeout=WAIT)  # the page polls every 3 s
    with app.app_context():
        assert db.session.get(PaymentAttempt, attempt.id).status == "paid"
    assert page.problems == []
    customer.close()


def test_a_refund_error_is_focused_at_its_field(live_app, phone):
    page, url, app = phone, live_app.url, live_app.app
    shop = _shop(app)
    _sign_in(page, url, "id")
    page.goto(f"{url}/admin/transactions/{shop['reference']}")
    amount = page.get_by_label("Jumlah yang dikembalikan")
    amount.fill("999.999")
    page.get_by_role("button", name="Pengembalian dana", exact=True).click()
    amount = page.get_by_label("Jumlah yang dikembalikan")
    expect()(amount).to_be_focused()
    expect()(amount).to_have_attribute("aria-invalid", "true")
    error_id = amount.get_attribute("aria-describedby").split()[-1]
    expect()(page.locator(f"#{error_id}")).to_contain_text("Rp 70.000")
    # Focus reads the field with its error: nothing is announced on top of that.
    assert page.locator("#admin-announcer").inner_text() == ""
    assert page.locator("[aria-live], [role=alert], [role=status]").count() == 1
    assert page.problems == []
