"""The customer's checkout in a real browser: the page turns paid without a reload, and an
expired QR is replaced by a new one. Auto-waiting expectations only, no sleeps."""
from __future__ import annotations

import re

import pytest
import requests
from sqlalchemy import select

from checkout.extensions import db
from checkout.models import PaymentAttempt
from checkout.payments.orders import NewItem, create_order

pytestmark = pytest.mark.browser

WAIT = 20_000  # ms: a poll every 3 s plus a status check is well within this


def expect():
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect


def new_order(live) -> str:
    live.app.config["STATUS_CHECK_INTERVAL_SECONDS"] = 1
    with live.app.app_context():
        return create_order(items=[NewItem("Kain Tenun", 150_000, 1)], description="Tenun", actor="test").public_id


def midtrans_order_id(live, number: int = 1) -> str:
    with live.app.app_context():
        return db.session.scalar(select(PaymentAttempt.midtrans_order_id).where(PaymentAttempt.number == number))


def test_qris_turns_paid_without_a_reload(live_app, page):
    public_id = new_order(live_app)
    navigations = []
    page.on("framenavigated", lambda frame: navigations.append(frame.url) if frame == page.main_frame else None)
    page.goto(f"{live_app.url}/pay/{public_id}")
    expect()(page.get_by_text("Rp 150.000").first).to_be_visible()

    page.get_by_role("button", name=re.compile("Pay with QRIS")).click()
    qr = page.locator("img.qr__image")
    expect()(qr).to_be_visible(timeout=WAIT)
    page.wait_for_function("() => { const img = document.querySelector('img.qr__image');"
                           " return img && img.complete && img.naturalWidth > 0; }", timeout=WAIT)
    expect()(page.locator(".expiry__label")).to_have_text("Time left")  # countdown.js runs
    expect()(page.locator(".expiry__time")).to_have_text(re.compile(r"^1[45]:\d\d$"))
    loaded = len(navigations)

    settled = requests.post(
        f"{live_app.url}/midtrans-simulator/simulator/transactions/{midtrans_order_id(live_app)}/settle", timeout=5)
    assert settled.status_code == 200

    heading = page.get_by_role("heading", name="Payment received")
    expect()(heading).to_be_visible(timeout=WAIT)
    expect()(heading).to_be_focused()
    expect()(page.locator("#announcer")).to_have_text("Payment received.")
    assert len(navigations) == loaded, "the page reloaded"
    assert page.locator("[hx-trigger]").count() == 0  # polling stopped
    assert page.problems == []


def test_an_expired_qr_is_replaced_by_a_new_one(live_app, page):
    live_app.app.config["QRIS_EXPIRY_SECONDS"] = 3
    public_id = new_order(live_app)
    page.goto(f"{live_app.url}/pay/{public_id}")
    page.get_by_role("button", name=re.compile("Pay with QRIS")).click()
    expect()(page.locator("img.qr__image")).to_have_attribute("src", re.compile(r"/attempts/1/qr\.png$"), timeout=WAIT)

    expect()(page.get_by_role("heading", name="This QR code has expired")).to_be_visible(timeout=WAIT)
    live_app.app.config["QRIS_EXPIRY_SECONDS"] = 600
    page.get_by_role("button", name=re.compile("Get a new QR code")).click()
    expect()(page.locator("img.qr__image")).to_have_attribute("src", re.compile(r"/attempts/2/qr\.png$"), timeout=WAIT)
    expect()(page.get_by_role("heading", name="Scan to pay")).to_be_focused()
    assert page.problems == []


def test_the_page_fits_a_small_phone(live_app, browser):
    public_id = new_order(live_app)
    context = browser.new_context(locale="id-ID", viewport={"width": 320, "height": 640})
    page = context.new_page()
    try:
        page.goto(f"{live_app.url}/pay/{public_id}")
        expect()(page.get_by_role("button", name=re.compile("Bayar dengan QRIS"))).to_be_visible()
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0
    finally:
        context.close()
