"""The owner's daily summary: one Jakarta day's takings, payments and refunds, and what
needs the owner; a setting to turn it on; a dashboard card; text and HTML for a mail."""
from __future__ import annotations

from datetime import date, datetime, timedelta

from flask_babel import force_locale
from sqlalchemy import select

from checkout.admin.services.daily_summary import daily_summary, render_html, render_text, yesterday
from checkout.extensions import db
from checkout.models import Notification, Refund, ShopSettings
from checkout.payments.states import OrderStatus, PaymentStatus
from checkout.timeutil import to_jakarta, utcnow
from tests.admin.helpers import HX, settings_form
from tests.factories import make_attempt, make_order

DAY = date(2026, 11, 29)
# Jakarta is UTC+7 all year: 29 Nov 00:00 WIB is 28 Nov 17:00 UTC.
START = datetime(2026, 11, 28, 17, 0)


def _paid(at: datetime, amount: int, **fields):
    order = make_order(items=[("Kopi", amount, 1)], status=OrderStatus.PAID, paid_amount=amount, paid_at=at)
    return make_attempt(order, status=fields.pop("status", PaymentStatus.PAID), paid_amount=amount, paid_at=at,
                        **fields)


def test_a_jakarta_day_is_summed_from_midnight_to_midnight_wib(ctx):
    _paid(START - timedelta(seconds=1), 1_000)  # 23:59:59 WIB the day before
    _paid(START, 25_000)  # 00:00 WIB
    first = _paid(START + timedelta(hours=23, minutes=59), 50_000, status=PaymentStatus.PARTIALLY_REFUNDED)
    _paid(START + timedelta(days=1), 7_000)  # the next day
    db.session.add(Refund(attempt_id=first.id, refund_key="rf-aaaaaaaa01", amount=10_000, status="succeeded",
                          actor="admin:owner@example.com", created_at=START, completed_at=START + timedelta(hours=2)))
    db.session.add(Refund(attempt_id=first.id, refund_key="rf-aaaaaaaa02", amount=5_000, status="failed",
                          actor="admin:owner@example.com", created_at=START, completed_at=START + timedelta(hours=3)))
    _paid(START + timedelta(hours=5), 30_000, status=PaymentStatus.PAID_LATE, flag="paid_late")
    db.session.add(Notification(raw_body="{}", outcome="rejected", received_at=START + timedelta(hours=1)))
    db.session.add(Notification(raw_body="{}", outcome="duplicate", received_at=START + timedelta(hours=1)))
    db.session.commit()

    summary = daily_summary(DAY)
    assert summary.paid_total == 25_000 + 50_000 + 30_000 and summary.payments == 3
    assert (summary.refunded_total, summary.refunds) == (10_000, 1)
    assert (summary.flagged, summary.to_review, summary.notifications_refused) == (1, 0, 1)
    assert summary.needs_attention == 2
    assert daily_summary(DAY - timedelta(days=1)).paid_total == 1_000


def test_the_summary_reads_in_the_owners_language(ctx):
    _paid(START + timedelta(hours=3), 150_000)
    make_attempt(make_order(), status=PaymentStatus.CHALLENGED)
    db.session.commit()
    summary = daily_summary(DAY)
    with force_locale("id"):
        text = render_text(summary)
        html = str(render_html(summary))
    assert "Minggu, 29 November 2026" in text and "Diterima: Rp 150.000" in text and "1 pembayaran" in text
    assert "1 pembayaran kartu menunggu keputusan Anda." in text
    assert "<h1>Ringkasan Minggu, 29 November 2026</h1>" in html and "Rp 150.000" in html and "<script" not in html
    with force_locale("en"):
        text = render_text(summary)
        empty = render_text(daily_summary(DAY - timedelta(days=3)))
    assert "Sunday, November 29, 2026" in text and "Received: Rp 150.000" in text
    assert "1 card payment waits for your decision." in text
    assert "Received: Rp 0" in empty and "0 payments" in empty


def test_yesterday_is_jakartas(ctx):
    assert yesterday() == to_jakarta(utcnow()).date() - timedelta(days=1)


def test_the_owner_turns_it_on_and_the_dashboard_shows_yesterday(admin, app):
    with app.app_context():
        day_start = START + timedelta(days=(yesterday() - DAY).days)
        _paid(day_start + timedelta(hours=9), 42_000)
        db.session.commit()
    assert b'id="daily-summary"' not in admin.get("/admin/").data  # off until asked for
    saved = admin.post("/admin/settings", headers=HX, data=settings_form(daily_summary="y"))
    assert saved.status_code == 200
    with app.app_context():
        assert db.session.scalar(select(ShopSettings.daily_summary)) is True
    body = admin.get("/admin/").data.decode()
    card = body[body.index('id="daily-summary"'):]
    assert 'id="summary-paid">Rp 42.000<' in card and 'id="summary-payments">1<' in card
    assert "Nothing needs your attention." in card
    fragment = admin.get("/admin/?period=7d", headers=HX).data.decode()
    assert 'id="daily-summary"' in fragment
    admin.post("/admin/settings", headers=HX, data=settings_form())
    assert b'id="daily-summary"' not in admin.get("/admin/").data
