"""The dashboard: Jakarta days, success rate, methods, median time to pay, SVG charts."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from checkout.admin.charts import Bar, bar_chart
from checkout.admin.services import dashboard_stats
from checkout.admin.services.transaction_search import jakarta_day_start
from checkout.payments.states import OrderStatus, PaymentStatus
from tests.admin.helpers import HX
from tests.factories import make_attempt, make_order

# 10:00 WIB on 15 March 2026.
NOW = datetime(2026, 3, 15, 3, 0)


@pytest.fixture
def frozen(monkeypatch):
    monkeypatch.setattr(dashboard_stats, "utcnow", lambda: NOW)
    return NOW


def _attempt(status, *, created, paid_after=None, amount=10_000, payment_type="qris", method="qris"):
    order = make_order(items=[("x", amount, 1)], status=OrderStatus.PAID if paid_after is not None else OrderStatus.OPEN,
                       created_at=created)
    fields = {}
    if paid_after is not None:
        fields = {"paid_at": created + paid_after, "paid_amount": amount, "payment_type": payment_type}
    return make_attempt(order, status=status, method=method, created_at=created, **fields)


def test_paid_totals_follow_jakarta_days(app, frozen):
    today_start = jakarta_day_start(datetime(2026, 3, 15).date())  # 14 March 17:00 UTC
    with app.app_context():
        _attempt(PaymentStatus.PAID, created=today_start + timedelta(minutes=5), paid_after=timedelta(minutes=1),
                 amount=50_000)  # 00:06 WIB today
        _attempt(PaymentStatus.PAID, created=today_start - timedelta(minutes=30), paid_after=timedelta(minutes=2),
                 amount=20_000)  # 23:32 WIB yesterday: this month, not today
        _attempt(PaymentStatus.PAID, created=datetime(2026, 2, 27), paid_after=timedelta(minutes=3), amount=7_000)
        stats = dashboard_stats.compute("month")
    assert stats.paid_today == 50_000
    assert stats.paid_month == 70_000
    assert stats.by_day[-1].amount == 50_000 and stats.by_day[-2].amount == 20_000


def test_success_rate_median_and_methods(app, frozen):
    base = NOW - timedelta(hours=1)
    with app.app_context():
        _attempt(PaymentStatus.PAID, created=base, paid_after=timedelta(seconds=60), amount=10_000)
        _attempt(PaymentStatus.PAID, created=base, paid_after=timedelta(seconds=120), amount=30_000,
                 payment_type="gopay", method="snap")
        _attempt(PaymentStatus.REFUNDED, created=base, paid_after=timedelta(seconds=600), amount=5_000)
        _attempt(PaymentStatus.EXPIRED, created=base)
        _attempt(PaymentStatus.FAILED, created=base)
        _attempt(PaymentStatus.PENDING, created=base)
        _attempt(PaymentStatus.CHALLENGED, created=base)
        stats = dashboard_stats.compute("today")
    assert stats.paid_count == 3 and stats.finished_count == 5
    assert stats.success_rate == pytest.approx(0.6)
    assert stats.median_seconds_to_pay == 120
    assert {(m.method, m.count, m.amount) for m in stats.by_method} == {("qris", 2, 15_000), ("gopay", 1, 30_000)}
    assert stats.pending_attempts == 2 and stats.challenged == 1


def test_empty_dashboard(app, frozen):
    with app.app_context():
        stats = dashboard_stats.compute("7d")
    assert stats.success_rate is None and stats.median_seconds_to_pay is None and stats.paid_today == 0
    assert dashboard_stats.duration_words(None) == "–"


@pytest.mark.parametrize("seconds, words", [(45, "45 s"), (200, "3 min 20 s"), (120, "2 min"), (7500, "2 h 5 min")])
def test_duration_words(seconds, words):
    assert dashboard_stats.duration_words(seconds) == words


def test_dashboard_page_and_period_fragment(admin, app):
    from checkout.timeutil import utcnow

    with app.app_context():
        _attempt(PaymentStatus.PAID, created=utcnow() - timedelta(minutes=5), paid_after=timedelta(minutes=2),
                 amount=125_000)
    page = admin.get("/admin/")
    assert page.status_code == 200 and b"<html" in page.data
    body = page.data.decode()
    assert 'id="paid-today">Rp 125.000' in body
    assert '<svg class="chart"' in body and "<rect" in body
    assert 'id="success-rate">100%' in body and 'id="median-time">2 min' in body
    assert "Webhook health" in body
    fragment = admin.get("/admin/?period=today", headers=HX)
    assert fragment.data.lstrip().startswith(b'<section id="dashboard-stats"') and b"<html" not in fragment.data
    assert b'hx-push-url="true"' in fragment.data
    assert admin.get("/admin/?period=nonsense").status_code == 200


def test_bar_chart_is_plain_svg_with_escaped_labels():
    svg = bar_chart([Bar("<b>", 10, "Rp 10"), Bar("b", 0, "Rp 0"), Bar("c", 5, "Rp 5")], title="T & U")
    assert svg.startswith('<svg class="chart"') and svg.endswith("</svg>")
    assert "<b>" not in svg and "&lt;b&gt;" in svg and "T &amp; U" in svg
    assert svg.count("<rect") == 3
    assert "style=" not in svg and "<script" not in svg
    heights = [float(h) for h in __import__("re").findall(r'height="([\d.]+)" rx', svg)]
    assert heights[0] > heights[2] > heights[1] == 0
