"""Done when: the Procfile's production topology takes real payments, refunds one, and stops
within 10 s on SIGTERM without losing a payment whose notification arrived meanwhile.

``journey`` runs the payments once per module; further checks (probes, metrics, logs) can
be added as tests that take ``topology`` and ``journey``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
import requests

from tests.production.topology import STOP_WITHIN, Topology, form_action
from tests.support.waiting import wait_until

pytestmark = pytest.mark.slow


@dataclass
class Journey:
    qris: dict  # the API's session after payment
    snap: dict
    refund: dict


@pytest.fixture(scope="module")
def journey(topology: Topology) -> Journey:
    # QRIS: the shop's backend creates a session, the customer pays the QR, Midtrans notifies.
    qris = topology.new_session("TOPO-QRIS-1", 75_000)
    customer = topology.customer()
    shown = customer.press(qris["url"], "qris")
    assert shown.status_code == 200 and "qr.png" in shown.text, shown.status_code
    [(qris_order_id, status, method)] = topology.attempts(qris["id"])
    assert (status, method) == ("pending", "qris")
    topology.settle(qris_order_id)
    topology.wait_for_order(qris["id"], "paid")

    # Snap: the customer goes to the hosted page, picks a virtual account and pays it there.
    snap = topology.new_session("TOPO-SNAP-1", 120_000)
    buyer = topology.customer()
    sent = buyer.press(snap["url"], "snap", allow_redirects=False)
    assert sent.status_code == 303 and sent.headers["Location"].startswith(topology.sim_url), sent.status_code
    page = buyer.http.get(sent.headers["Location"], timeout=15)
    picked = buyer.http.post(topology.sim_url + form_action(page.text, r"/pay$"), data={"method": "bca_va"},
                             timeout=15)
    assert picked.status_code == 200, picked.status_code
    buyer.http.post(topology.sim_url + form_action(picked.text, r"simulate-payment$"), timeout=15)
    topology.wait_for_order(snap["id"], "paid")

    # The shop refunds the QRIS payment through the API.
    refund = topology.api("POST", f"/checkout-sessions/{qris['id']}/refunds", json={"reason": "out of stock"})
    assert refund.status_code in (200, 201), refund.text
    topology.wait_for_order(qris["id"], "refunded")
    return Journey(qris=topology.api("GET", f"/checkout-sessions/{qris['id']}").json(),
                   snap=topology.api("GET", f"/checkout-sessions/{snap['id']}").json(), refund=refund.json())


def test_payments_and_a_refund_go_through(topology, journey):
    assert journey.qris["status"] == "refunded" and journey.snap["status"] == "paid"
    assert topology.attempts(journey.snap["id"])[0][1:] == ("paid", "snap")
    # Midtrans's notifications reached the web workers and were verified: each one either
    # applied a change or confirmed one a status check had already applied; none rejected.
    outcomes = dict(topology.sql("SELECT outcome, count(*) FROM notifications GROUP BY outcome"))
    assert set(outcomes) <= {"applied", "duplicate"} and outcomes.get("applied"), outcomes
    assert sum(outcomes.values()) >= 4, outcomes


def test_the_worker_delivers_the_shops_webhooks(topology, journey):
    def delivered():
        types = [request.headers.get("Webhook-Id") and request.body for request in topology.shop.receiver.received]
        return sum(b'"checkout.session.paid"' in body for body in types) >= 2 and \
            any(b'"checkout.session.refunded"' in body for body in types)

    wait_until(delivered, timeout=30, what="the worker to deliver paid and refunded webhooks")
    assert topology.sql("SELECT count(*) FROM webhook_deliveries WHERE status = 'delivered'")[0][0] >= 3


def test_ready_and_metrics_summed_over_every_process(topology, journey):
    ready = requests.get(f"{topology.url}/readyz", timeout=10)
    assert ready.status_code == 200, ready.text
    assert {check["name"] if "name" in check else name for name, check in _checks(ready.json())} >= \
        {"database", "migrations", "redis"}

    assert requests.get(f"{topology.url}/metrics", timeout=10).status_code == 401
    scrape = requests.get(f"{topology.url}/metrics", timeout=10,
                          headers={"Authorization": f"Bearer {topology.metrics_token}"})
    assert scrape.status_code == 200
    samples = _samples(scrape.text)

    def total(name: str, **labels) -> float:
        return sum(value for (metric, found), value in samples.items()
                   if metric == name and all(dict(found).get(k) == v for k, v in labels.items()))

    # The journey's two payments and refund, each counted once whichever of the three web
    # workers served it (this runs before the SIGTERM test restarts the servers).
    assert total("checkout_payment_attempts_finished_total", method="qris") >= 1
    assert total("checkout_paid_amount_rupiah_total", method="qris") >= 75_000
    assert total("checkout_paid_amount_rupiah_total", method="snap") >= 120_000
    assert total("checkout_refunded_amount_rupiah_total") >= 75_000
    # A notification either applied the change or confirmed what a status check had applied.
    assert total("checkout_notifications_total", outcome="applied") >= 1
    assert total("checkout_notifications_total", outcome="applied") + \
        total("checkout_notifications_total", outcome="duplicate") >= 2
    assert total("checkout_midtrans_request_duration_seconds_count", operation="qris_charge") >= 1 or \
        total("checkout_midtrans_request_duration_seconds_count") >= 3
    # Deliveries are made by the worker process and reach the web's scrape through the
    # shared multiprocess directory.
    def delivered() -> float:
        fresh = _samples(requests.get(f"{topology.url}/metrics", timeout=10,
                                      headers={"Authorization": f"Bearer {topology.metrics_token}"}).text)
        return sum(v for (m, labels), v in fresh.items()
                   if m == "checkout_webhook_deliveries_total" and dict(labels).get("outcome") == "delivered")

    wait_until(lambda: delivered() >= 3, timeout=30, what="the worker's deliveries in the web's metrics")


def test_every_log_line_is_json_with_a_request_id_and_no_secret(topology, journey):
    import json

    lines = [line for line in topology.log().splitlines() if line.strip()]
    records = []
    for line in lines:
        if HONCHO_LINE.match(line):
            continue  # honcho's own "web.1 started (pid=...)" lines
        try:
            records.append(json.loads(line))
        except ValueError:
            pytest.fail(f"not a JSON log line: {line[:200]!r}")
    assert len(records) > 50
    requests_logged = [r for r in records if r.get("path") or r.get("logger") == "gunicorn.access"]
    assert requests_logged and all(r.get("request_id") for r in requests_logged)
    assert any(r.get("order_reference") for r in records)

    text = topology.log()
    for secret in (topology.server_key, topology.api_key, topology.webhook_secret, topology.metrics_token,
                   topology.env["SECRET_KEY"], "5510111111111115", "5510 1111 1111 1115"):
        assert secret and secret not in text, "a secret reached the logs"


def test_sigterm_stops_everything_and_a_payment_notified_meanwhile_is_not_lost(topology, journey):
    session = topology.new_session("TOPO-QRIS-2", 50_000)
    topology.customer().press(session["url"], "qris")
    [(midtrans_order_id, status, _method)] = topology.attempts(session["id"])
    assert status == "pending"

    took = topology.terminate_after(lambda: topology.settle(midtrans_order_id))
    assert took < STOP_WITHIN, f"the topology took {took:.1f} s to stop"
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{topology.url}/admin/login", timeout=2)
    assert "worker stopped" in topology.log()

    # Back up: Midtrans's retry (or the reconciler, in the worker) completes the payment.
    topology.start()
    topology.wait_for_order(session["id"], "paid", timeout=60)
    applied_by = topology.sql("SELECT actor FROM audit_events WHERE action = 'payment.transition' "
                              "AND subject_id = %s AND after = 'paid'", midtrans_order_id)
    assert applied_by, "no transition recorded"
    deliveries = requests.get(f"{topology.sim_url}/simulator/notifications", timeout=10).json()
    settlement = [d for d in deliveries if d.get("payload", {}).get("order_id") == midtrans_order_id
                  and d["payload"].get("transaction_status") == "settlement"]
    print(f"stopped in {took:.2f} s; paid by {applied_by[0][0]}; settlement delivery: "
          f"{[(d.get('state'), [a.get('status_code') or a.get('error') for a in d.get('attempts', [])]) for d in settlement]}")


def test_a_challenged_card_reaches_the_owner_by_mail(topology, journey):
    """An owner alert through the whole topology: the web process records it with the
    payment, the worker process mails it over SMTP and posts it to the shop's endpoint."""
    session = topology.new_session("TOPO-CARD-1", 200_000)
    buyer = topology.customer()
    sent = buyer.press(session["url"], "snap", allow_redirects=False)
    page = buyer.http.get(sent.headers["Location"], timeout=15)
    year = re.search(r'name="card_exp_year" value="(\d+)"', page.text).group(1)
    three_ds = buyer.http.post(topology.sim_url + form_action(page.text, r"/pay$"), timeout=15, data={
        "method": "credit_card", "card_number": "5510 1111 1111 1115", "card_exp_month": "12",
        "card_exp_year": year, "card_cvv": "123"})
    assert three_ds.status_code == 200 and 'name="otp"' in three_ds.text, three_ds.status_code
    buyer.http.post(topology.sim_url + form_action(three_ds.text, r"3ds"), data={"otp": "112233"}, timeout=15)
    wait_until(lambda: topology.attempts(session["id"])[0][1] == "challenged", timeout=30,
               what="the card payment to be held for review")

    [message] = topology.smtp.inbox.wait_for(1, timeout=30)
    assert message["To"] == "owner@toko.example"
    assert "held for review" in message.get_content() and "TOPO-CARD-1" in message.get_content()
    wait_until(lambda: any(b'"checkout.alert.opened"' in r.body for r in topology.shop.receiver.received),
               timeout=30, what="the alert's webhook")
    # The worker records the mail as sent right after the server took it.
    wait_until(lambda: topology.sql("SELECT status FROM mail_messages")[0][0] == "sent", timeout=10,
               what="the mail to be recorded as sent")


HONCHO_LINE = re.compile(r"^(\w+\.\d+|system)\s*(\||started|stopped|\(|terminated|sending)|^\w+\.\d+ (started|stopped)")


def _checks(body: dict):
    checks = body.get("checks")
    if isinstance(checks, dict):
        return list(checks.items())
    return [(c.get("name"), c) for c in checks or []]


def _samples(exposition: str) -> dict:
    from prometheus_client.parser import text_string_to_metric_families

    found = {}
    for family in text_string_to_metric_families(exposition):
        for sample in family.samples:
            key = (sample.name, tuple(sorted(sample.labels.items())))
            found[key] = found.get(key, 0) + sample.value
    return found
