"""The shop owner's admin in a real browser: sign in, save keys, create a payment link, see
it paid (the row updates itself), refund it. Auto-waiting expectations only, no sleeps."""
from __future__ import annotations

import re

import pytest
import requests
from sqlalchemy import select

from checkout.extensions import db
from checkout.models import MidtransCredentials, PaymentAttempt
from tests.admin.helpers import OWNER_EMAIL, OWNER_PASSWORD, SANDBOX_CLIENT_KEY, SANDBOX_SERVER_KEY, create_owner

pytestmark = pytest.mark.browser

WAIT = 20_000  # ms


def expect():
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect


@pytest.fixture
def desk(browser):
    """A desktop-sized English page that records CSP violations and page errors."""
    context = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900})
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    page = context.new_page()
    page.problems = []
    page.on("console", lambda msg: page.problems.append(msg.text)
            if msg.type == "error" and "Content Security Policy" in msg.text else None)
    page.on("pageerror", lambda error: page.problems.append(str(error)))
    page.on("dialog", lambda dialog: dialog.accept())  # hx-confirm asks before cancel/refund
    yield page
    context.close()


def test_owner_signs_in_configures_creates_a_link_and_refunds_it(live_app, desk):
    page, url, app = desk, live_app.url, live_app.app
    app.config["ADMIN_PASSWORD_HASH_METHOD"] = "scrypt:1024:8:1"
    create_owner(app)

    # Sign in.
    page.goto(f"{url}/admin/")
    expect()(page).to_have_url(re.compile(r"/admin/login"))
    page.get_by_label("Email").fill(OWNER_EMAIL)
    page.get_by_label("Password").fill(OWNER_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect()(page.get_by_role("heading", name="Dashboard")).to_be_visible()

    # Save sandbox keys; the environment stays on the simulator so payments still go there.
    page.get_by_role("link", name="Settings").click()
    sandbox = page.locator("#keys-sandbox")
    sandbox.get_by_label("Merchant id").fill("G123456789")
    sandbox.get_by_label("Client key", exact=True).fill(SANDBOX_CLIENT_KEY)
    sandbox.get_by_label("Server key", exact=True).fill(SANDBOX_SERVER_KEY)
    expect()(page.get_by_label("Environment")).to_have_value("simulator")
    page.get_by_role("button", name="Save settings").click()
    expect()(page.locator("#settings-form").get_by_text("Settings saved.")).to_be_visible()
    expect()(page.locator("#server-key-status-sandbox")).to_contain_text("SB-Mid-server-••••AB12")
    expect()(page.locator("#keys-sandbox").get_by_label("Server key", exact=True)).to_have_value("")
    assert SANDBOX_SERVER_KEY not in page.content()
    with app.app_context():
        assert db.session.get(MidtransCredentials, "sandbox").server_key_hint == "SB-Mid-server-••••AB12"

    # Create a payment link and copy it.
    page.get_by_role("link", name="Payment link").click()
    page.get_by_label("What is it for?").fill("Custom batik")
    page.get_by_label("Amount").fill("75.000")
    page.get_by_role("button", name="Create payment link").click()
    link_input = page.locator("#payment-link-url")
    expect()(link_input).to_have_value(re.compile(rf"^{re.escape(url)}/pay/[\w-]+$"))
    checkout_url = link_input.input_value()
    copy = page.locator("#payment-link-result").get_by_role("button", name="Copy")
    expect()(copy).to_be_visible()  # admin.js reveals it
    copy.click()
    assert page.evaluate("navigator.clipboard.readText()") == checkout_url

    # Watch the transactions list while the customer pays.
    page.get_by_role("link", name="Transactions").click()
    with app.app_context():
        reference = db.session.scalar(select(PaymentAttempt.id).limit(1))  # none yet
    assert reference is None
    customer = page.context.new_page()
    customer.goto(checkout_url)
    customer.get_by_role("button", name=re.compile("Pay with QRIS")).click()
    expect()(customer.locator("img.qr__image")).to_be_visible(timeout=WAIT)
    with app.app_context():
        midtrans_id = db.session.scalar(select(PaymentAttempt.midtrans_order_id))
    page.reload()  # the list now shows the pending order, whose row polls every 5 s
    row = page.locator("tbody tr").first
    expect()(row).to_have_attribute("hx-trigger", "every 5s")
    settled = requests.post(f"{url}/midtrans-simulator/simulator/transactions/{midtrans_id}/settle", timeout=10)
    assert settled.status_code == 200
    expect()(row.locator(".badge--paid")).to_be_visible(timeout=WAIT)
    expect()(row).not_to_have_attribute("hx-trigger", "every 5s")
    customer.close()

    # Refund it from the detail page.
    row.get_by_role("link").first.click()
    expect()(page.locator(".refund")).to_contain_text("Up to Rp 75.000 can be refunded.")
    page.get_by_label("Reason (sent to Midtrans)").fill("Out of stock")
    page.get_by_role("button", name="Refund", exact=True).click()
    expect()(page.locator("#action-message")).to_have_text("Refunded Rp 75.000.", timeout=WAIT)
    expect()(page.locator("#attempt-" + str(_attempt_id(app)) + " .badge--refunded")).to_be_visible()
    expect()(page.locator(".refund")).to_contain_text("Everything paid has already been refunded.")
    assert page.problems == []


def _attempt_id(app) -> int:
    with app.app_context():
        return db.session.scalar(select(PaymentAttempt.id))
