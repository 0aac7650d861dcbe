"""GET /metrics: who may read it, what it is called, and that each event is counted where it happens."""
from __future__ import annotations

import re

import pytest
from prometheus_client.parser import text_string_to_metric_families

from checkout.extensions import db
from checkout.midtrans.client import Endpoints, MidtransClient
from checkout.midtrans.errors import GatewayAuthError, GatewayUnavailable
from checkout.models import PaymentAttempt
from checkout.outbox import delivery, endpoints
from checkout.outbox.events import emit
from checkout.payments.orders import NewItem, create_order
from checkout.payments.qris_checkout import start_qris
from checkout.timeutil import utcnow
from tests.factories import make_order
from tests.gateway.test_midtrans_client import SERVER_KEY, new_order_id, qris_payload, set_faults
from tests.observability.helpers import samples, scrape, value
from tests.outbox.receiver import start_receiver
from tests.storefront.conftest import HX, fake_gateway  # noqa: F401  (fixture)

TOKEN = "metrics-test-token"
NAME = re.compile(r"^checkout_[a-z0-9_]+$")
BASE_UNITS = ("_total", "_seconds", "_rupiah", "_deliveries")


@pytest.fixture
def app(make_app):
    return make_app(METRICS_TOKEN=TOKEN)


@pytest.fixture
def client(app):
    return app.test_client()


# --- access -----------------------------------------------------------------------------

@pytest.mark.parametrize("header", [None, "Bearer wrong-token", f"Bearer {TOKEN}x", TOKEN, f"Basic {TOKEN}"])
def test_without_the_token_there_is_401_and_no_data(client, header):
    response = client.get("/metrics", headers={"Authorization": header} if header else {})
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert b"checkout_" not in response.data and b"# HELP" not in response.data


def test_with_the_token_the_exposition_is_served(client):
    response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    assert response.headers["Cache-Control"] == "no-store"
    assert b"# TYPE checkout_http_requests_total counter" in response.data


def test_production_without_a_token_has_no_metrics(make_app):
    app = make_app()
    app.config["APP_ENV"] = "production"
    assert app.test_client().get("/metrics").status_code == 404


def test_development_without_a_token_serves_loopback_only(make_app):
    client = make_app().test_client()
    assert client.get("/metrics").status_code == 200
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "203.0.113.9"}).status_code == 404


def test_metrics_are_never_rate_limited(limited_app):
    client = limited_app("1/minute", METRICS_TOKEN=TOKEN).test_client()
    assert all(client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200
               for _ in range(4))


# --- names --------------------------------------------------------------------------------

def test_names_follow_the_conventions(client, ctx):
    emit("checkout.session.paid", make_order())
    db.session.commit()
    families = {f.name: f for f in text_string_to_metric_families(scrape(client))}
    ours = {name: f for name, f in families.items() if name.startswith("checkout_")}
    expected = {"checkout_http_requests", "checkout_http_request_duration_seconds", "checkout_sessions_created",
                "checkout_payment_attempts_created", "checkout_payment_attempts_finished",
                "checkout_paid_amount_rupiah", "checkout_refunded_amount_rupiah", "checkout_midtrans_requests",
                "checkout_midtrans_request_duration_seconds", "checkout_notifications",
                "checkout_status_checks_claimed", "checkout_reconciler_runs", "checkout_reconciler_attempts",
                "checkout_reconciler_orders_closed", "checkout_webhook_deliveries",
                "checkout_rate_limit_refusals", "checkout_outbox_pending_deliveries",
                "checkout_outbox_oldest_pending_age_seconds"}
    assert expected <= set(ours), expected - set(ours)
    for name, family in ours.items():
        assert NAME.match(name), name
        if family.type == "counter":
            assert all(s.name.endswith("_total") for s in family.samples), name
        assert name.endswith(BASE_UNITS) or family.type == "counter", name


# --- HTTP ---------------------------------------------------------------------------------

def test_requests_are_counted_by_url_rule_never_by_raw_path(client):
    before = scrape(client)
    client.get("/pay/ThisIsNoRealLink0001")
    client.get("/pay/ThisIsNoRealLink0002")
    client.get("/no/such/page")
    after = scrape(client)
    route = {"route": "/pay/<public_id>", "method": "GET", "status": "404"}
    assert value(after, "checkout_http_requests_total", **route) - value(before, "checkout_http_requests_total",
                                                                          **route) == 2
    unmatched = {"route": "unmatched", "method": "GET", "status": "404"}
    assert value(after, "checkout_http_requests_total", **unmatched) - value(
        before, "checkout_http_requests_total", **unmatched) == 1
    assert "ThisIsNoRealLink" not in after and "/no/such/page" not in after
    count = "checkout_http_request_duration_seconds_count"
    assert value(after, count, route="/pay/<public_id>", method="GET") - value(
        before, count, route="/pay/<public_id>", method="GET") == 2


def test_the_polls_fast_lane_is_counted_and_timed(client, ctx, fake_gateway):  # noqa: F811
    order = make_order()
    attempt = start_qris(order)
    db.session.get(PaymentAttempt, attempt.id).last_notification_at = utcnow()
    db.session.commit()
    labels = {"route": "/pay/<public_id>/status", "method": "GET", "status": "204"}
    before = scrape(client)
    for _ in range(3):
        response = client.get(f"/pay/{order.public_id}/status?have=qris.1.0", headers=HX)
        assert response.status_code == 204 and response.headers["X-Request-ID"]
    after = scrape(client)
    assert value(after, "checkout_http_requests_total", **labels) - value(before, "checkout_http_requests_total",
                                                                           **labels) == 3
    count = "checkout_http_request_duration_seconds_count"
    assert value(after, count, route=labels["route"], method="GET") - value(
        before, count, route=labels["route"], method="GET") == 3


def test_the_fast_lane_names_the_routes_rule(app):
    from checkout.storefront.fast_poll import STATUS_RULE

    assert STATUS_RULE in {rule.rule for rule in app.url_map.iter_rules()}


def test_rate_limit_refusals_are_counted_by_limit(make_app):
    app = make_app(METRICS_TOKEN=TOKEN, DEMO_ORDERS_PER_IP="1/minute")
    client = app.test_client()
    before = scrape(client)
    client.post("/buy", data={"product": "nothing"})
    assert client.post("/buy", data={"product": "nothing"}).status_code == 429
    after = scrape(client)
    assert value(after, "checkout_rate_limit_refusals_total", limit="storefront.buy:demo-order") - value(
        before, "checkout_rate_limit_refusals_total", limit="storefront.buy:demo-order") == 1
    assert "127.0.0.1" not in after


# --- what services count -----------------------------------------------------------------------

def test_sessions_and_attempts_created_by_method(client, ctx, fake_gateway):  # noqa: F811
    before = scrape(client)
    order = create_order(items=[NewItem("Kopi", 20_000, 1)], allowed_methods=["qris"], actor="test")
    create_order(items=[NewItem("Teh", 10_000, 1)], actor="test")
    start_qris(order)
    after = scrape(client)
    for name, labels in (("checkout_sessions_created_total", {"methods": "qris"}),
                         ("checkout_sessions_created_total", {"methods": "any"}),
                         ("checkout_payment_attempts_created_total", {"method": "qris"})):
        assert value(after, name, **labels) - value(before, name, **labels) == 1, (name, labels)


def test_midtrans_calls_by_operation_and_outcome(client, simulator):
    gateway = MidtransClient(SERVER_KEY, Endpoints(simulator.url, simulator.url + "/snap/v1"), retries=0,
                             read_timeout=5.0, backoff=0.01)
    before = scrape(client)
    order_id = new_order_id()
    gateway.charge(qris_payload(order_id), idempotency_key=f"k-{order_id}")
    gateway.status(order_id)
    assert gateway.status("not-known-anywhere-1") is None
    set_faults(simulator, fail_next_api_calls=1, api_failure="503")
    with pytest.raises(GatewayUnavailable):
        gateway.status(order_id)
    with pytest.raises(GatewayAuthError):
        MidtransClient("Mid-server-ProductionKeyOnSandbox", Endpoints(simulator.url, simulator.url + "/snap/v1"),
                       retries=0).status(order_id)
    after = scrape(client)

    def delta(operation, outcome):
        labels = {"operation": operation, "outcome": outcome}
        return value(after, "checkout_midtrans_requests_total", **labels) - value(
            before, "checkout_midtrans_requests_total", **labels)

    assert delta("charge", "ok") == 1
    assert delta("status", "ok") == 1
    assert delta("status", "not_found") == 1
    assert delta("status", "unavailable") == 1
    assert delta("status", "auth_refused") == 1
    count = "checkout_midtrans_request_duration_seconds_count"
    assert value(after, count, operation="status") - value(before, count, operation="status") == 4


def test_webhook_deliveries_and_the_outbox_backlog(client, ctx):
    receiver = start_receiver()
    try:
        receiver.receiver.answers = [500]
        endpoint, _secret = endpoints.add(f"{receiver.url}/hooks", actor="test")
        emit("checkout.session.paid", make_order())
        db.session.commit()
        before = scrape(client)
        assert value(before, "checkout_outbox_pending_deliveries") == 1
        assert value(before, "checkout_outbox_oldest_pending_age_seconds") >= 0

        assert delivery.deliver_due().failed == 1
        db.session.execute(db.text("UPDATE webhook_deliveries SET next_attempt_at = created_at"))
        db.session.commit()
        assert delivery.deliver_due().delivered == 1
        after = scrape(client)
    finally:
        receiver.receiver.release.set()
        receiver.stop()
    labels = str(endpoint.id)
    for outcome in ("failed", "delivered"):
        assert value(after, "checkout_webhook_deliveries_total", endpoint=labels, outcome=outcome) - value(
            before, "checkout_webhook_deliveries_total", endpoint=labels, outcome=outcome) == 1
    assert value(after, "checkout_outbox_pending_deliveries") == 0
    assert value(after, "checkout_outbox_oldest_pending_age_seconds") == 0
    assert not any("order" in dict(labels_) for (_name, labels_) in samples(after))
