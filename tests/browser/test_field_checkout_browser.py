"""The customer in the field, in a real browser at 360 x 640, in Indonesian and English:
lost notifications, a return from Snap, a dropped connection, a slow Midtrans, cancelling.
Auto-waiting expectations; the only fixed waits are the durations the checks are about
(offline for 10 s)."""
from __future__ import annotations

import os
import re
import time

import pytest
import requests
from sqlalchemy import select

from checkout.extensions import db
from checkout.models import PaymentAttempt
from checkout.payments.orders import NewItem, create_order
from tests.browser.conftest import AXE, axe_violations

pytestmark = pytest.mark.browser
LANGUAGES = ["id", "en"]

TEXT = {
    "en": {
        "pay_qris": "Pay with QRIS", "other": "Other payment methods", "scan": "Scan to pay",
        "paid": "Payment received", "offline": "Your connection dropped; we will check again automatically.",
        "contacting": "Contacting Midtrans…", "unanswered": "Midtrans has not answered", "try_again": "Try again",
        "cancel_link": "Cancel this payment", "cancel_question": "Cancel this payment?", "keep": "Keep paying",
        "yes_cancel": "Yes, cancel this payment", "cancelled_before": "The previous payment was cancelled",
        "confirming": "Confirming your payment", "va": "BCA virtual account number",
        "choose": "Choose how to pay",
    },
    "id": {
        "pay_qris": "Bayar dengan QRIS", "other": "Metode pembayaran lain", "scan": "Pindai untuk membayar",
        "paid": "Pembayaran diterima", "offline": "Koneksi Anda terputus; kami akan memeriksa lagi secara otomatis.",
        "contacting": "Menghubungi Midtrans…", "unanswered": "Midtrans belum menjawab", "try_again": "Coba lagi",
        "cancel_link": "Batalkan pembayaran ini", "cancel_question": "Batalkan pembayaran ini?",
        "keep": "Lanjutkan membayar", "yes_cancel": "Ya, batalkan pembayaran ini",
        "cancelled_before": "Pembayaran sebelumnya dibatalkan", "confirming": "Memastikan pembayaran Anda",
        "va": "Nomor virtual account BCA", "choose": "Pilih cara membayar",
    },
}
# Anything that would let a customer pay (again) while we do not know what happened.
PAYMENT_BUTTONS = "form[action$='/qris'], form[action$='/snap'], a[href*='/snap/v2/']"


def expect():
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect


def new_order(live, amount: int = 150_000) -> str:
    with live.app.app_context():
        return create_order(items=[NewItem("Kain Tenun", amount, 1)], description="Tenun", actor="test").public_id


def sim(live, path: str) -> str:
    return f"{live.url}/midtrans-simulator{path}"


def faults(live, **switches) -> None:
    response = requests.post(sim(live, "/simulator/faults"), json=switches, timeout=5)
    assert response.status_code == 200, response.text


def latest_attempt(live) -> PaymentAttempt:
    with live.app.app_context():
        return db.session.scalars(select(PaymentAttempt).order_by(PaymentAttempt.id.desc()).limit(1)).first()


def wait_until(condition, seconds: float = 10.0, step: float = 0.1):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(step)
    raise AssertionError("condition not met in time")


def assert_accessible(page, state: str) -> None:
    """axe-core finds nothing on the page as it is now (the suite's helper, every rule)."""
    if not os.path.exists(AXE):
        pytest.skip("node_modules/axe-core is not installed (bash scripts/setup.sh --dev)")
    with open(AXE, encoding="utf-8") as handle:
        violations = axe_violations(page, handle.read())
    assert violations == [], f"{state}: {violations}"


def open_checkout(page, live) -> str:
    public_id = new_order(live)
    page.goto(f"{live.url}/pay/{public_id}")
    return public_id


def open_qr(page, live, language: str) -> str:
    public_id = open_checkout(page, live)
    page.get_by_role("button", name=re.compile(TEXT[language]["pay_qris"])).click()
    expect()(page.locator("img.qr__image")).to_be_visible(timeout=15_000)
    return public_id


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_dropped_settlement_turns_paid_within_15_seconds(live_app, phone, language):
    """The "pending" notification arrives, the settlement's is lost: the poll keeps asking
    Midtrans (at most once per 10 s per attempt) and the page turns paid, no reconciler."""
    page = phone(language)
    open_qr(page, live_app, language)
    attempt = wait_until(lambda: (a := latest_attempt(live_app)).last_notification_at and a)  # "pending" arrived
    faults(live_app, drop_notifications=True)
    settled = requests.post(sim(live_app, f"/simulator/transactions/{attempt.midtrans_order_id}/settle"), timeout=5)
    assert settled.status_code == 200
    started = time.monotonic()
    heading = page.get_by_role("heading", name=TEXT[language]["paid"])
    expect()(heading).to_be_visible(timeout=15_000)
    assert time.monotonic() - started < 15
    expect()(heading).to_be_focused()
    assert latest_attempt(live_app).status == "paid"
    assert page.problems == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_back_from_snap_no_payment_buttons_before_the_status_is_known(live_app, phone, language):
    """Paid by VA in Snap, the settlement notification lost and Midtrans's status API
    failing at the moment of return: "confirming", never a button to pay again."""
    live_app.app.config["STATUS_CHECK_INTERVAL_SECONDS"] = 2
    page = phone(language)
    public_id = open_checkout(page, live_app)
    page.get_by_role("button", name=re.compile(TEXT[language]["other"])).click()
    page.get_by_role("button", name="BCA Virtual Account").click()  # the simulator's Snap page
    expect()(page.get_by_text("BCA virtual account:")).to_be_visible()
    faults(live_app, drop_notifications=True, fail_next_api_calls=1, api_failure="503")  # the return's check
    # From here on, record every payment button that ever appears on our page.
    page.add_init_script("""(() => {
        window.__paymentButtons = 0;
        const count = () => { window.__paymentButtons += document.querySelectorAll(%r).length; };
        new MutationObserver(count).observe(document, {childList: true, subtree: true});
        document.addEventListener('DOMContentLoaded', count);
    })();""" % PAYMENT_BUTTONS)
    page.get_by_role("button", name=re.compile("I have paid")).click()  # pays and returns to us

    confirming = page.get_by_role("heading", name=TEXT[language]["confirming"])
    expect()(confirming).to_be_visible(timeout=10_000)
    assert page.locator(PAYMENT_BUTTONS).count() == 0
    assert_accessible(page, "confirming")
    expect()(page.get_by_role("heading", name=TEXT[language]["paid"])).to_be_visible(timeout=15_000)
    assert page.evaluate("window.__paymentButtons") == 0
    assert page.problems == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_va_chosen_in_snap_is_shown_on_our_page(live_app, phone, language):
    page = phone(language)
    public_id = open_checkout(page, live_app)
    page.get_by_role("button", name=re.compile(TEXT[language]["other"])).click()
    page.get_by_role("button", name="BCA Virtual Account").click()
    number = page.locator(".number").first.text_content().strip()
    page.get_by_role("button", name="Back to the merchant").click()
    expect()(page.get_by_text(TEXT[language]["va"])).to_be_visible(timeout=15_000)
    expect()(page.locator("#pay-code-number")).to_have_text(number)
    expect()(page.locator("button[data-copy='#pay-code-number']")).to_be_visible()  # copy.js reveals it
    assert page.locator("a[href*='/snap/v2/']").count() == 0
    assert_accessible(page, "va instructions")
    assert page.problems == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_offline_for_10_seconds_says_so_and_recovers_within_3(live_app, phone, language):
    page = phone(language)
    open_qr(page, live_app, language)
    message = page.locator("#connection")
    expect()(message).to_be_hidden()
    page.context.set_offline(True)
    expect()(message).to_have_text(TEXT[language]["offline"], timeout=5_000)
    expect()(message).to_be_visible()
    assert page.evaluate("getComputedStyle(document.querySelector('.pulse')).animationName") == "none"
    assert_accessible(page, "offline")
    # Paid while the phone is offline: the page learns it the moment it is back.
    attempt = latest_attempt(live_app)
    requests.post(sim(live_app, f"/simulator/transactions/{attempt.midtrans_order_id}/settle"), timeout=5)
    wait_until(lambda: latest_attempt(live_app).status == "paid")
    page.wait_for_timeout(10_000)  # offline for 10 s, the case under test
    expect()(message).to_be_visible()
    page.context.set_offline(False)
    reconnected = time.monotonic()
    expect()(page.get_by_role("heading", name=TEXT[language]["paid"])).to_be_visible(timeout=3_000)
    expect()(message).to_be_hidden(timeout=3_000)
    assert time.monotonic() - reconnected < 3
    assert page.problems == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_gateway_timeout_reaches_its_message_within_12_seconds(live_app, phone, language):
    page = phone(language)
    public_id = open_checkout(page, live_app)
    faults(live_app, fail_next_api_calls=1, api_failure="timeout", timeout_seconds=8)
    page.evaluate("""() => {
        window.__announced = [];
        new MutationObserver(() => window.__announced.push(document.getElementById('announcer').textContent))
            .observe(document.getElementById('announcer'), {childList: true, characterData: true, subtree: true});
    }""")
    button = page.get_by_role("button", name=re.compile(TEXT[language]["pay_qris"]))
    button.focus()
    started = time.monotonic()
    page.keyboard.press("Enter")
    contacting = page.get_by_role("button", name=re.compile(TEXT[language]["contacting"]))
    expect()(contacting).to_be_visible(timeout=4_000)
    assert time.monotonic() - started >= 1.9
    expect()(contacting).to_be_focused()  # focus stays on the pressed button
    others = page.locator("#payment form[data-busy] button:not(:focus), #payment a[href]")
    assert others.count() >= 1
    for index in range(others.count()):
        assert others.nth(index).get_attribute("aria-disabled") == "true"
    heading = page.get_by_role("heading", name=TEXT[language]["unanswered"])
    expect()(heading).to_be_visible(timeout=12_000)
    assert time.monotonic() - started < 12
    expect()(heading).to_be_focused()
    announced = page.evaluate("window.__announced")
    assert announced.count(TEXT[language]["contacting"]) == 1, announced
    assert_accessible(page, "midtrans has not answered")
    first = latest_attempt(live_app)
    # "Try again" re-uses the same attempt and Idempotency-Key: the QR Midtrans made arrives.
    for _ in range(10):
        page.get_by_role("button", name=re.compile(TEXT[language]["try_again"])).click()
        try:
            expect()(page.locator("img.qr__image")).to_be_visible(timeout=3_000)
            break
        except AssertionError:
            continue
    expect()(page.locator("img.qr__image")).to_have_attribute("src", re.compile(r"/attempts/1/qr\.png$"))
    assert latest_attempt(live_app).id == first.id
    assert page.problems == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_cancel_needs_its_confirmation(live_app, phone, language):
    page = phone(language)
    open_qr(page, live_app, language)
    attempt = latest_attempt(live_app)
    link = page.get_by_role("link", name=TEXT[language]["cancel_link"])
    expect()(link).to_be_visible()
    link.click()
    question = page.get_by_role("heading", name=TEXT[language]["cancel_question"])
    expect()(question).to_be_visible()
    expect()(question).to_be_focused()
    assert latest_attempt(live_app).status == "pending"  # asking cancels nothing
    assert_accessible(page, "cancel confirmation")
    page.get_by_role("link", name=TEXT[language]["keep"]).click()
    expect()(page.get_by_role("heading", name=TEXT[language]["scan"])).to_be_visible()
    assert latest_attempt(live_app).status == "pending"

    page.get_by_role("link", name=TEXT[language]["cancel_link"]).click()
    page.get_by_role("button", name=TEXT[language]["yes_cancel"]).click()
    expect()(page.get_by_text(TEXT[language]["cancelled_before"])).to_be_visible(timeout=10_000)
    expect()(page.get_by_role("heading", name=TEXT[language]["choose"])).to_be_focused()
    assert latest_attempt(live_app).status == "cancelled"
    assert_accessible(page, "choose after cancel")
    # The order is still open: a new QR with its own attempt.
    page.get_by_role("button", name=re.compile(TEXT[language]["pay_qris"])).click()
    expect()(page.locator("img.qr__image")).to_have_attribute("src", re.compile(r"/attempts/2/qr\.png$"),
                                                              timeout=15_000)
    assert latest_attempt(live_app).number == attempt.number + 1
    assert page.problems == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_still_checking_offers_i_have_paid_and_the_title_follows(live_app, phone, language):
    """Midtrans never reaches us; "I have paid" asks it at once (when the shared claim allows)."""
    from datetime import timedelta

    from checkout.timeutil import utcnow

    interval = 4
    live_app.app.config["STILL_CHECKING_AFTER_SECONDS"] = 1
    live_app.app.config["STATUS_CHECK_INTERVAL_SECONDS"] = interval
    faults(live_app, drop_notifications=True)
    page = phone(language)
    open_qr(page, live_app, language)
    expect()(page).to_have_title(re.compile(TEXT[language]["scan"]))
    button = page.get_by_role("button", name=re.compile("I have paid|Saya sudah membayar"))
    expect()(button).to_be_visible(timeout=10_000)
    assert_accessible(page, "still checking")
    # From now on the page's polls learn nothing (answered "nothing changed" in the browser),
    # so only the button can ask Midtrans: it must win the claim once the interval has passed.
    page.route(re.compile(r"/status\?have="), lambda route: route.fulfill(status=204))
    attempt = latest_attempt(live_app)
    requests.post(sim(live_app, f"/simulator/transactions/{attempt.midtrans_order_id}/settle"), timeout=5)
    wait_until(lambda: (checked := latest_attempt(live_app).last_checked_at) is not None
               and utcnow() > checked + timedelta(seconds=interval + 0.2), seconds=15)
    with page.expect_response(re.compile(r"/check$")) as pressed:
        button.click()
    assert TEXT[language]["paid"] in pressed.value.text()  # this very request found the payment
    heading = page.get_by_role("heading", name=TEXT[language]["paid"])
    expect()(heading).to_be_visible()
    expect()(heading).to_be_focused()
    expect()(page).to_have_title(("Paid: " if language == "en" else "Lunas: ") + "Rp 150.000 · Toko Demo")
    assert page.problems == []

ADMIN = {
    "en": {"password": "Password", "sign_in": "Sign in", "contact": "Contact for customers",
           "save": "Save settings", "saved": "Settings saved."},
    "id": {"password": "Kata sandi", "sign_in": "Masuk", "contact": "Kontak untuk pelanggan",
           "save": "Simpan pengaturan", "saved": "Pengaturan disimpan."},
}


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_owner_sets_the_shop_contact_customers_see(live_app, phone, language):

    from tests.admin.helpers import OWNER_EMAIL, OWNER_PASSWORD, create_owner

    live_app.app.config["ADMIN_PASSWORD_HASH_METHOD"] = "scrypt:1024:8:1"
    create_owner(live_app.app)
    page = phone(language)
    words = ADMIN[language]
    page.goto(f"{live_app.url}/admin/login")
    page.get_by_label("Email").fill(OWNER_EMAIL)
    page.get_by_label(words["password"]).fill(OWNER_PASSWORD)
    page.get_by_role("button", name=words["sign_in"]).click()
    page.wait_for_url(re.compile(r"/admin/?$"))
    page.goto(f"{live_app.url}/admin/settings")

    page.get_by_label(words["contact"]).fill("0812 3456 7890")
    field = page.get_by_label(words["contact"])
    if os.environ.get("CHECKOUT_SCREENSHOTS"):
        field.scroll_into_view_if_needed()
        page.screenshot(path=os.path.join(os.environ["CHECKOUT_SCREENSHOTS"], f"admin-contact-{language}-phone.png"),
                        caret="initial")  # the default hides the caret with an inline style
    page.get_by_role("button", name=words["save"]).click()
    expect()(page.get_by_text(words["saved"])).to_be_visible()

    open_checkout(page, live_app)
    contact = page.locator("a.contact__link")
    expect()(contact).to_have_attribute("href", "https://wa.me/6281234567890")
    expect()(contact).to_contain_text("+62 812 3456 7890")
    assert_accessible(page, "choose with contact")
    assert page.problems == []
