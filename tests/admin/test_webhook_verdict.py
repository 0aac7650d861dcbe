"""Webhook health in one line: healthy, or why not. Repeats are normal, never a problem."""
from __future__ import annotations

from datetime import timedelta

import pytest
from flask_babel import force_locale

from checkout.admin.services.webhook_health import WebhookHealth
from checkout.admin.services.webhook_verdict import verdict
from checkout.extensions import db
from checkout.models import Notification
from checkout.timeutil import utcnow


def _health(counts=None, *, last=0, rejected_at=None, reason=None) -> WebhookHealth:
    now = utcnow()
    return WebhookHealth("https://pay.example/webhooks/midtrans", None,
                         None if last is None else now - timedelta(minutes=last),
                         None if rejected_at is None else now - timedelta(minutes=rejected_at), reason, counts or {})


@pytest.mark.parametrize("health, state, words", [
    (_health(last=None), "unknown", "No notification from Midtrans has arrived yet"),
    (_health({"applied": 3, "duplicate": 29}), "ok", "Healthy"),
    (_health({"applied": 3, "rejected": 2}, last=1, rejected_at=1, reason="signature does not match"), "problem",
     "their signature did not match your server key"),
    (_health({"rejected": 1}, last=1, rejected_at=1, reason="no Midtrans server key is configured for this environment"),
     "problem", "no Midtrans server key is saved"),
    # Refused an hour ago, accepted since: the key was fixed.
    (_health({"applied": 1, "rejected": 1}, last=1, rejected_at=60, reason="signature does not match"), "ok", "Healthy"),
    (_health({"applied": 1, "failed": 2}), "problem", "could not be processed"),
    (_health({"applied": 1, "mismatch": 1}), "problem", "did not match their order"),
    (_health(last=60 * 24 * 8), "unknown", "more than a week"),
])
def test_one_line_says_whether_notifications_are_healthy_and_why_not(ctx, health, state, words):
    with force_locale("en"):
        said = verdict(health)
    assert said.state == state and words in said.text


def test_the_page_says_it_and_shows_repeats_as_normal(admin, app):
    with app.app_context():
        for outcome in ["applied"] + ["duplicate"] * 3:
            db.session.add(Notification(raw_body="{}", outcome=outcome, received_at=utcnow()))
        db.session.commit()
    body = admin.get("/admin/webhook-health").data.decode()
    assert "Healthy: notifications from Midtrans arrive and are applied." in body
    assert 'data-outcome="duplicate">repeat, already applied: 3</span>' in body
    dashboard = admin.get("/admin/").data.decode()
    assert 'id="health-verdict">Healthy' in dashboard


def test_the_test_ping_is_told_in_words_with_the_raw_answer_folded_away(admin, monkeypatch):
    from checkout.admin.services import webhook_health

    class Answer:
        status_code, text = 200, '{"status": "ignored", "reason": "unknown transaction"}'

    monkeypatch.setattr(webhook_health.requests, "post", lambda *args, **kwargs: Answer())
    body = admin.post("/admin/webhook-health/test", headers={"HX-Request": "true"}).data.decode()
    words = body.index("Our endpoint answered 200. Notifications from Midtrans will be accepted.")
    details = body.index('<details class="tech" id="test-ping-details">')
    assert words < details < body.index("&#34;status&#34;: &#34;ignored&#34;")
