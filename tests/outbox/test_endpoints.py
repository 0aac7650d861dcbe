"""Registering endpoints: secrets shown once and stored encrypted, events, the SSRF guard, the CLI."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from checkout import crypto
from checkout.errors import InvalidRequest
from checkout.extensions import db
from checkout.models import AuditEvent, WebhookEndpoint
from checkout.outbox import endpoints


def test_secret_is_shown_once_and_stored_encrypted(ctx):
    endpoint, secret = endpoints.add("https://shop.example.com/hooks", actor="test")
    assert secret.startswith("whsec_")
    row = db.session.get(WebhookEndpoint, endpoint.id)
    assert secret not in row.secret_encrypted and crypto.decrypt(row.secret_encrypted) == secret
    assert row.events == ["*"]
    audit = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "webhook_endpoint.created"))
    assert secret not in str(audit.details)


def test_events_are_validated(ctx):
    endpoint, _ = endpoints.add("https://shop.example.com/h", events=["checkout.session.refunded",
                                                                      "checkout.session.paid"], actor="t")
    assert endpoint.events == ["checkout.session.paid", "checkout.session.refunded"]
    with pytest.raises(InvalidRequest):
        endpoints.add("https://shop.example.com/h", events=["order.created"], actor="t")


@pytest.mark.parametrize("url", ["ftp://shop.example.com/h", "shop.example.com/h", "https://user:pw@shop.example.com/",
                                 "javascript:alert(1)", "https:///nohost", "http://exa mple.com/"])
def test_only_absolute_http_urls(ctx, url):
    with pytest.raises(InvalidRequest):
        endpoints.add(url, actor="t")


def test_loopback_is_fine_outside_production(ctx):
    assert endpoints.destination_problem("http://127.0.0.1:8000/hooks") is None
    assert endpoints.destination_problem("http://localhost/hooks") is None


@pytest.mark.parametrize("url", ["http://127.0.0.1/h", "http://localhost/h", "http://10.1.2.3/h", "http://192.168.0.5/h",
                                 "http://169.254.169.254/latest/meta-data", "http://[::1]/h", "http://0.0.0.0/h",
                                 "http://100.64.0.1/h"])
def test_private_addresses_are_refused_when_private_targets_are_off(make_app, url):
    app = make_app(WEBHOOK_ALLOW_PRIVATE_TARGETS=False)
    with app.app_context():
        assert "private" in endpoints.destination_problem(url)
        with pytest.raises(InvalidRequest):
            endpoints.add(url, actor="t")


def test_production_refuses_private_targets_by_default(make_app):
    app = make_app()
    with app.app_context():
        app.config["APP_ENV"] = "production"
        assert endpoints.destination_problem("http://127.0.0.1/h") is not None
        assert endpoints.destination_problem("http://93.184.215.14/h") is None


def test_private_target_is_refused_at_delivery_time_too(make_app):
    """A host that resolved to a public address when registered may not point inward later."""
    from checkout.outbox import delivery
    from checkout.outbox.events import emit
    from tests.factories import make_order

    app = make_app()
    with app.app_context():
        endpoints.add("http://127.0.0.1:9/h", actor="t")
        emit("checkout.session.paid", make_order())
        db.session.commit()
        app.config["WEBHOOK_ALLOW_PRIVATE_TARGETS"] = False
        assert delivery.deliver_due().failed == 1
        row = db.session.scalar(select(delivery.WebhookDelivery))
        assert row.last_error.startswith("refused:")


def test_disable_and_enable_are_idempotent(ctx):
    endpoint, _ = endpoints.add("https://shop.example.com/h", actor="t")
    assert endpoints.set_enabled(endpoint.id, False, actor="t").disabled_at is not None
    assert endpoints.set_enabled(endpoint.id, False, actor="t").disabled_at is not None
    assert endpoints.set_enabled(endpoint.id, True, actor="t").disabled_at is None
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.subject_type == "webhook_endpoint")).all()
    assert actions == ["webhook_endpoint.created", "webhook_endpoint.disabled", "webhook_endpoint.enabled"]


def test_cli_add_list_disable(app, runner):
    result = runner.invoke(args=["webhooks", "add", "http://127.0.0.1:8000/hooks",
                                 "--events", "checkout.session.paid,checkout.session.refunded"])
    assert result.exit_code == 0, result.output
    secret = result.output.strip().splitlines()[-1]
    assert secret.startswith("whsec_")
    listed = runner.invoke(args=["webhooks", "list"])
    assert "http://127.0.0.1:8000/hooks" in listed.output and secret not in listed.output
    assert "checkout.session.paid,checkout.session.refunded" in listed.output
    assert runner.invoke(args=["webhooks", "disable", "1"]).exit_code == 0
    assert "disabled" in runner.invoke(args=["webhooks", "list"]).output
    assert runner.invoke(args=["webhooks", "disable", "99"]).exit_code != 0
    assert runner.invoke(args=["webhooks", "add", "ftp://x"]).exit_code != 0
    assert runner.invoke(args=["webhooks", "add", "http://x.example", "--events", "nope"]).exit_code != 0
