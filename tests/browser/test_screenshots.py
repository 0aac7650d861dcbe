"""Screenshots of every customer state, phone (360 x 640) and desktop (1280), Indonesian and
English, for docs/screenshots and for looking at. Off by default: set CHECKOUT_SCREENSHOTS
to a directory (``CHECKOUT_SCREENSHOTS=docs/screenshots make test`` or run this file alone).
Every state is also checked with axe-core on the way."""
from __future__ import annotations

import os
import re

import pytest
import requests

from checkout.extensions import db
from checkout.models import ShopSettings
from checkout.payments.transitions import GatewayReport, apply_gateway_status
from tests.browser.test_field_checkout_browser import (
    TEXT,
    assert_accessible,
    expect,
    faults,
    latest_attempt,
    new_order,
    sim,
)

pytestmark = pytest.mark.browser
TARGET = os.environ.get("CHECKOUT_SCREENSHOTS")
SIZES = {"phone": (360, 640), "desktop": (1280, 800)}


@pytest.mark.skipif(not TARGET, reason="set CHECKOUT_SCREENSHOTS=<dir> to take screenshots")
@pytest.mark.parametrize("language", ["id", "en"])
@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_screenshots(live_app, phone, language, size):
    os.makedirs(TARGET, exist_ok=True)
    live = live_app
    live.app.config["STILL_CHECKING_AFTER_SECONDS"] = 3600
    with live.app.app_context():
        db.session.add(ShopSettings(id=1, shop_name="Toko Batik Sari", logo_text="TB", shop_contact="0812 3456 7890"))
        db.session.commit()
    width, height = SIZES[size]
    page = phone(language, width=width, height=height)
    t = TEXT[language]

    def shot(state):
        page.wait_for_timeout(150)  # let the focus ring and swap settle for the picture
        assert_accessible(page, state)
        page.screenshot(path=os.path.join(TARGET, f"checkout-{state}-{language}-{size}.png"),
                        full_page=size == "phone")

    public_id = new_order(live)
    page.goto(f"{live.url}/pay/{public_id}")
    shot("choose")
    page.get_by_role("button", name=re.compile(t["pay_qris"])).click()
    expect()(page.locator("img.qr__image")).to_be_visible(timeout=15_000)
    page.wait_for_function("() => document.querySelector('img.qr__image').complete")
    shot("qris")
    live.app.config["STILL_CHECKING_AFTER_SECONDS"] = 0
    expect()(page.locator(".note__action button")).to_be_visible(timeout=10_000)
    shot("still-checking")
    live.app.config["STILL_CHECKING_AFTER_SECONDS"] = 3600
    page.context.set_offline(True)
    expect()(page.locator("#connection")).to_be_visible(timeout=5_000)
    shot("offline")
    page.context.set_offline(False)
    expect()(page.locator("#connection")).to_be_hidden(timeout=5_000)
    page.get_by_role("link", name=t["cancel_link"]).click()
    expect()(page.get_by_role("heading", name=t["cancel_question"])).to_be_visible()
    shot("cancel-confirm")
    page.get_by_role("button", name=t["yes_cancel"]).click()
    expect()(page.get_by_text(t["cancelled_before"])).to_be_visible(timeout=10_000)
    shot("after-cancel")

    faults(live, fail_next_api_calls=1, api_failure="timeout", timeout_seconds=6)
    page.get_by_role("button", name=re.compile(t["pay_qris"])).click()
    expect()(page.get_by_role("button", name=re.compile(t["contacting"]))).to_be_visible(timeout=5_000)
    shot("contacting")
    expect()(page.get_by_role("heading", name=t["unanswered"])).to_be_visible(timeout=12_000)
    shot("unanswered")

    # Snap: a BCA VA chosen there, back to our page with the number and the steps.
    public_id = new_order(live)
    faults(live, drop_notifications=True)
    page.goto(f"{live.url}/pay/{public_id}")
    page.get_by_role("button", name=re.compile(t["other"])).click()
    page.get_by_role("button", name="BCA Virtual Account").click()
    faults(live, fail_next_api_calls=1, api_failure="503")  # the return's status check
    page.get_by_role("button", name="Back to the merchant").click()
    expect()(page.get_by_role("heading", name=t["confirming"])).to_be_visible(timeout=10_000)
    shot("confirming")
    page.reload()
    expect()(page.get_by_text(t["va"])).to_be_visible(timeout=15_000)
    shot("va")
    attempt = latest_attempt(live)
    requests.post(sim(live, f"/simulator/transactions/{attempt.midtrans_order_id}/settle"), timeout=5)
    page.reload()
    expect()(page.get_by_role("heading", name=t["paid"])).to_be_visible(timeout=15_000)
    shot("paid")
    faults(live, drop_notifications=False)

    # A card declined in Snap: the reason in plain words, labels that fit a card.
    public_id = new_order(live)
    page.goto(f"{live.url}/pay/{public_id}")
    page.get_by_role("button", name=re.compile(t["other"])).click()
    page.wait_for_url(re.compile(r"/snap/v2/"))
    attempt = latest_attempt(live)
    with live.app.app_context():
        apply_gateway_status(attempt.id, GatewayReport.from_payload(
            {"transaction_status": "deny", "payment_type": "credit_card", "transaction_id": "t-1"}), actor="test")
    page.goto(f"{live.url}/pay/{public_id}")
    shot("card-declined")
