"""Webhook health: the URL to paste into Midtrans, what arrived lately, a signed test ping,
and the rejected (unverified) notifications, collapsed and a page at a time."""
from __future__ import annotations

from flask import g, render_template, request
from flask_babel import gettext as _

from checkout.admin import bp
from checkout.admin.auth import login_required
from checkout.admin.services import unverified_notifications, webhook_health
from checkout.admin.services.webhook_verdict import verdict
from checkout.admin.services.webhook_health import TestPingResult
from checkout.admin.throttle import on_throttle, per_admin, retry_after_seconds
from checkout.extensions import limiter
from checkout.htmx import is_fragment_request, render


@bp.context_processor
def _health_words():
    """Every admin page that shows webhook health says it in one line (webhook_verdict)."""
    return {"verdict": verdict}


@bp.route("/webhook-health")
@login_required
def webhook_health_page():
    return render("admin/webhook_health.html", "admin/_webhook_health.html", health=webhook_health.summary(), ping=None,
                  unverified=unverified_notifications.page(1))


@bp.route("/webhook-health/unverified")
@login_required
def unverified_notifications_page():
    """The unverified list opened at ``?page=N`` (the fragment for htmx's pager)."""
    number = request.args.get("page", 1, type=int)
    return render("admin/webhook_health.html", "admin/_unverified_notifications.html",
                  health=webhook_health.summary(), ping=None,
                  unverified=unverified_notifications.page(number), unverified_open=True)


@bp.route("/webhook-health/test", methods=["POST"])
@login_required
@limiter.limit("5 per minute", key_func=per_admin)
def send_test_notification():
    ping = webhook_health.send_test_notification(actor=g.admin_actor)
    return render("admin/webhook_health.html", "admin/_test_ping.html", health=webhook_health.summary(), ping=ping,
                  unverified=unverified_notifications.page(1))


@on_throttle("admin.send_test_notification")
def _ping_throttled():
    ping = TestPingResult(webhook_health.notification_url(), False, None, "",
                          _("Sent too often. Try again in %(seconds)s seconds.", seconds=retry_after_seconds()))
    if is_fragment_request():
        return render_template("admin/_test_ping.html", ping=ping)
    return render_template("admin/webhook_health.html", health=webhook_health.summary(), ping=ping,
                           unverified=unverified_notifications.page(1))
