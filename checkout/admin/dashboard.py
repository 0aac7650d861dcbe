"""The dashboard: money in today and this month, success rate, methods, speed, pending
payments and webhook health, with server-rendered SVG charts."""
from __future__ import annotations

from flask import request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from checkout.admin import bp
from checkout.admin.auth import login_required
from checkout.admin.charts import Bar, bar_chart
from checkout import shop_settings
from checkout.admin.services import daily_summary, dashboard_stats, webhook_health
from checkout.alerts import service as alert_service
from checkout.htmx import render
from checkout.money import format_rupiah
from checkout.payments.labels import label

# Drawn for a phone's width: the SVG scales, so its 10-unit labels stay readable at 360 px.
CHART_WIDTH = 360
PERIOD_LABELS = {"today": _l("Today"), "7d": _l("Last 7 days"), "month": _l("This month"), "30d": _l("Last 30 days")}


def _charts(stats: dashboard_stats.DashboardStats) -> dict:
    days = bar_chart([Bar(day.day.strftime("%d/%m"), day.amount, format_rupiah(day.amount)) for day in stats.by_day],
                     title=_("Paid per day, last %(days)s days (WIB)", days=len(stats.by_day)), label_every=2,
                     width=CHART_WIDTH)
    methods = bar_chart([Bar(label("method", m.method), m.amount, format_rupiah(m.amount)) for m in stats.by_method],
                        title=_("Paid by method"), width=CHART_WIDTH, height=160) if stats.by_method else None
    return {"days_chart": days, "methods_chart": methods}


def _summary() -> dict:
    """Yesterday's summary card, when the owner turned it on in Settings."""
    if not shop_settings.current().daily_summary:
        return {"summary": None}
    summary = daily_summary.daily_summary(daily_summary.yesterday())
    return {"summary": summary, "summary_title": daily_summary.title(summary),
            "summary_attention": daily_summary.attention_lines(summary)}


@bp.route("/")
@login_required
def dashboard():
    period = request.args.get("period", "month")
    stats = dashboard_stats.compute(period)
    return render("admin/dashboard.html", "admin/_dashboard_stats.html", stats=stats,
                  period_labels=PERIOD_LABELS, **_summary(),
                  health=webhook_health.summary(), duration=dashboard_stats.duration_words,
                  open_alerts=alert_service.open_count(), **_charts(stats))
