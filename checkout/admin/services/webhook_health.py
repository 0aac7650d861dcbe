"""Is Midtrans reaching us? The URL to paste, what arrived lately, and a signed test ping.

Integrators' most common failure is "paid at Midtrans, pending here": a wrong or
redirecting notification URL. This shows the exact URL, when the last notification
came, the last one refused and why, and can send a correctly signed ping to our own
endpoint the way Midtrans's dashboard test does (an order id that does not exist).
"""
from __future__ import annotations

import json
import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta

import requests
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select

from checkout import audit, shop_settings
from checkout.extensions import db
from checkout.midtrans.signature import signature_for
from checkout.models import Notification
from checkout.timeutil import to_jakarta, utcnow

NOTIFICATION_PATH = "/webhooks/midtrans"
OUTCOMES = ("applied", "duplicate", "ignored", "rejected", "mismatch", "failed", "received")
TEST_TIMEOUT = (3.05, 5.0)


@dataclass(frozen=True)
class WebhookHealth:
    notification_url: str
    override_url: str | None  # MIDTRANS_NOTIFICATION_URL, sent with every payment when set
    last_received_at: object
    last_rejected_at: object
    last_rejected_reason: str | None
    counts_24h: dict[str, int]
    # Production with "verify with status API" off: a signed notification's status is
    # applied without asking Midtrans, so the owner is warned.
    statuses_trusted_unverified: bool = False

    @property
    def total_24h(self) -> int:
        return sum(self.counts_24h.values())


@dataclass(frozen=True)
class TestPingResult:
    url: str
    ok: bool
    status_code: int | None
    body: str
    message: str


def notification_url() -> str:
    return current_app.config["PUBLIC_URL"].rstrip("/") + NOTIFICATION_PATH


def summary() -> WebhookHealth:
    since = utcnow() - timedelta(hours=24)
    last = db.session.scalar(select(func.max(Notification.received_at)))
    rejected = db.session.execute(
        select(Notification.received_at, Notification.reason).where(Notification.outcome == "rejected")
        .order_by(Notification.received_at.desc(), Notification.id.desc()).limit(1)
    ).first()
    counts = dict(db.session.execute(
        select(Notification.outcome, func.count()).where(Notification.received_at >= since)
        .group_by(Notification.outcome)
    ).all())
    override = current_app.config.get("MIDTRANS_NOTIFICATION_URL")
    url = notification_url()
    return WebhookHealth(
        notification_url=url,
        override_url=override if override and override != url else None,
        last_received_at=last,
        last_rejected_at=rejected[0] if rejected else None,
        last_rejected_reason=rejected[1] if rejected else None,
        counts_24h={outcome: int(counts.get(outcome, 0)) for outcome in OUTCOMES if counts.get(outcome)},
        statuses_trusted_unverified=statuses_trusted_unverified(),
    )


def statuses_trusted_unverified() -> bool:
    """True in production when notifications are applied without the status API's word."""
    return current_app.config.get("APP_ENV") == "production" and not shop_settings.current().verify_with_status_api


def test_payload(server_key: str, merchant_id: str | None) -> dict:
    """A Midtrans-shaped settlement notification for an order id that does not exist."""
    order_id = f"notification-test-{secrets.token_hex(6)}"
    gross_amount, status_code = "10000.00", "200"
    now = to_jakarta(utcnow()).strftime("%Y-%m-%d %H:%M:%S")
    return {
        "transaction_time": now,
        "settlement_time": now,
        "transaction_status": "settlement",
        "transaction_id": str(uuid.uuid4()),
        "status_message": "midtrans payment notification",
        "status_code": status_code,
        "signature_key": signature_for(order_id, status_code, gross_amount, server_key),
        "payment_type": "qris",
        "order_id": order_id,
        "merchant_id": merchant_id or "TEST",
        "gross_amount": gross_amount,
        "fraud_status": "accept",
        "currency": "IDR",
    }


def send_test_notification(*, actor: str) -> TestPingResult:
    """POST a signed ping to our own notification URL and describe the answer. Commits
    an audit event. The expected answer is 200 with the ping ignored (unknown order)."""
    settings = shop_settings.current()
    url = notification_url()
    if not settings.server_key:
        return TestPingResult(url, False, None, "", _("No server key is set, so a test notification cannot be signed."))
    payload = test_payload(settings.server_key, settings.merchant_id)
    status_code, body = None, ""
    try:
        response = requests.post(url, data=json.dumps(payload), timeout=TEST_TIMEOUT, allow_redirects=False,
                                 headers={"Content-Type": "application/json", "Accept": "application/json",
                                          "User-Agent": "checkout-admin-test-notification"})
    except requests.Timeout:
        message = _("No answer from %(url)s within %(seconds)s seconds. Midtrans waits 15 seconds, then retries.",
                    url=url, seconds=int(TEST_TIMEOUT[1]))
    except requests.RequestException:
        message = _("Could not connect to %(url)s. Is PUBLIC_URL the address the internet reaches this app at?", url=url)
    else:
        status_code, body = response.status_code, response.text[:500]
        if 200 <= status_code < 300:
            message = _("Our endpoint answered %(code)s. Notifications from Midtrans will be accepted.", code=status_code)
        elif status_code in (301, 302, 303):
            message = _("Our endpoint answered with a redirect (%(code)s). Midtrans does not follow it, so "
                        "notifications would be lost: use the exact URL shown above.", code=status_code)
        else:
            message = _("Our endpoint answered %(code)s; Midtrans would treat that as a failed delivery and retry.",
                        code=status_code)
    ok = status_code is not None and 200 <= status_code < 300
    audit.record(actor, "webhooks.test_sent", subject_type="settings", subject_id="webhooks",
                 details={"order_id": payload["order_id"], "status_code": status_code})
    db.session.commit()
    return TestPingResult(url, ok, status_code, body, message)
