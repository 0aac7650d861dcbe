"""`flask payments reconcile`: asks Midtrans about attempts with no news, applies the
answers, expires what Midtrans never knew, closes expired orders; safe to run twice."""
from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
import requests

from checkout import shop_settings
from checkout.extensions import db
from checkout.midtrans.client import MidtransClient
from checkout.models import AuditEvent, Order, OutboxEvent, PaymentAttempt
from checkout.payments.reconciler import reconcile
from checkout.payments.states import OrderStatus as O
from checkout.payments.states import PaymentStatus as P
from checkout.timeutil import utcnow
from tests.factories import make_attempt, make_order
from tests.webhooks.simulated import charge_qris, client_for, control, set_faults

AGO = timedelta(minutes=5)


@pytest.fixture
def app(make_app, simulator):
    return make_app(MIDTRANS_API_BASE_URL=simulator.url)


@pytest.fixture
def sim(ctx, simulator):
    """Charge attempts on the simulator as the checkout would (with the app's key)."""
    client = client_for(simulator.url, shop_settings.current().server_key)

    def charge(attempt):
        return charge_qris(client, attempt)

    charge.url = simulator.url
    return charge


def old_attempt(**fields):
    """An attempt created a while ago (so it is due when nothing was heard)."""
    order = make_order(**fields.pop("order_fields", {}))
    return make_attempt(order, created_at=utcnow() - AGO, **fields)


def run(runner):
    result = runner.invoke(args=["payments", "reconcile"])
    assert result.exit_code == 0, result.output
    return result.output.splitlines()


def fresh(model, ident):
    db.session.expire_all()
    return db.session.get(model, ident)


def test_dropped_notification_is_completed(sim, runner):
    attempt = old_attempt()
    sim(attempt)
    control(sim.url, attempt.midtrans_order_id, "settle")
    lines = run(runner)
    assert lines[0] == f"{attempt.midtrans_order_id}: pending -> paid (Midtrans says settlement)"
    assert lines[-1].startswith("reconcile: checked 1 attempt(s): 1 changed")
    assert fresh(PaymentAttempt, attempt.id).status == P.PAID
    assert fresh(Order, attempt.order_id).status == O.PAID
    audit = AuditEvent.query.filter_by(action="payment.transition").one()
    assert audit.actor == "system:reconciler"
    assert OutboxEvent.query.filter_by(type="checkout.session.paid").count() == 1
    # A second run finds nothing to do.
    assert run(runner) == ["reconcile: checked 0 attempt(s): 0 changed, 0 unchanged, 0 left for the next run, "
                           "0 flagged, 0 taken by another run; closed 0 order(s)"]


def test_recent_and_recently_heard_attempts_are_left_alone(sim, runner):
    new = make_attempt(make_order())  # just created: the customer's page is polling it
    sim(new)
    heard = old_attempt(last_notification_at=utcnow() - timedelta(seconds=30))
    checked = old_attempt(last_checked_at=utcnow() - timedelta(seconds=30))
    for attempt in (heard, checked):
        sim(attempt)
        control(sim.url, attempt.midtrans_order_id, "settle")
    lines = run(runner)
    assert lines == [lines[-1]] and "checked 0 attempt(s)" in lines[-1]
    assert {fresh(PaymentAttempt, a.id).status for a in (new, heard, checked)} == {P.PENDING}


def test_past_expiry_asks_midtrans_and_applies_its_expire(sim, runner):
    attempt = old_attempt(expires_in=timedelta(minutes=-2), last_notification_at=utcnow())
    sim(attempt)
    control(sim.url, attempt.midtrans_order_id, "expire")
    lines = run(runner)
    assert lines[0] == f"{attempt.midtrans_order_id}: pending -> expired (Midtrans says expire)"
    assert fresh(PaymentAttempt, attempt.id).status == P.EXPIRED


def test_never_expires_on_its_own_clock_while_midtrans_says_pending(sim, runner):
    attempt = old_attempt(expires_in=timedelta(minutes=-5))
    sim(attempt)  # still pending at Midtrans (its own expiry sweep has not run)
    run(runner)
    assert fresh(PaymentAttempt, attempt.id).status == P.PENDING


def test_pending_long_after_expiry_is_expired_at_midtrans_then_applied(sim, runner):
    attempt = old_attempt(expires_in=timedelta(minutes=-20))
    sim(attempt)  # Midtrans's own expiry is 15 minutes away: it still says pending
    lines = run(runner)
    name = attempt.midtrans_order_id
    assert lines[0] == f"{name}: Midtrans still says pending long after the expiry; asking it to expire the transaction"
    assert lines[1] == f"{name}: pending -> expired (Midtrans says expire)"
    assert fresh(PaymentAttempt, attempt.id).status == P.EXPIRED
    assert control_status(sim.url, name) == "expire"  # expired at Midtrans, not only here


def test_paid_while_being_expired_counts_as_paid(sim, runner, monkeypatch):
    attempt = old_attempt(expires_in=timedelta(minutes=-20))
    sim(attempt)
    name = attempt.midtrans_order_id
    real_gateway = shop_settings.gateway

    class PaysFirst:
        """The customer's payment lands between our status read and our expire call."""

        def __init__(self, client):
            self.client = client

        def status(self, ident):
            return self.client.status(ident)

        def expire(self, ident):
            control(sim.url, ident, "settle")
            return self.client.expire(ident)  # Midtrans refuses: 412

    monkeypatch.setattr(shop_settings, "gateway", lambda *a, **k: PaysFirst(real_gateway(*a, **k)))
    lines = run(runner)
    assert lines[1] == f"{name}: pending -> paid (Midtrans says settlement)"
    assert fresh(PaymentAttempt, attempt.id).status == P.PAID and fresh(Order, attempt.order_id).status == O.PAID


def control_status(simulator_url: str, name: str) -> str:
    """What the simulator itself holds for the transaction (its control API, not Get Status)."""
    found = requests.get(f"{simulator_url}/simulator/transactions", params={"order_id": name}, timeout=5).json()
    return found[0]["transaction_status"]


def test_midtrans_unreachable_leaves_the_attempt_for_the_next_run(sim, runner):
    attempt = old_attempt(expires_in=timedelta(minutes=-10))
    sim(attempt)
    control(sim.url, attempt.midtrans_order_id, "settle")
    set_faults(sim.url, fail_next_api_calls=1, api_failure="503")
    lines = run(runner)
    assert lines[0].startswith(f"{attempt.midtrans_order_id}: Midtrans could not be asked")
    assert "1 left for the next run" in lines[-1]
    assert fresh(PaymentAttempt, attempt.id).status == P.PENDING
    # The next run (after the interval) completes it.
    db.session.execute(db.update(PaymentAttempt).values(last_checked_at=utcnow() - AGO))
    db.session.commit()
    run(runner)
    assert fresh(PaymentAttempt, attempt.id).status == P.PAID


def test_snap_page_expired_unknown_to_midtrans_is_expired_locally(ctx, runner):
    expired = old_attempt(method="snap", expires_in=timedelta(minutes=-5), gateway_answered_at=utcnow() - AGO)
    open_page = old_attempt(method="snap", expires_in=timedelta(hours=1), gateway_answered_at=utcnow() - AGO)
    lines = run(runner)
    assert lines[0] == (f"{expired.midtrans_order_id}: pending -> expired "
                        "(Midtrans does not know it and its expiry passed)")
    assert fresh(PaymentAttempt, expired.id).status == P.EXPIRED
    assert fresh(PaymentAttempt, open_page.id).status == P.PENDING
    assert AuditEvent.query.filter_by(action="payment.expired_locally").count() == 1


def test_crash_between_record_and_call_is_picked_up(sim, runner):
    """gateway_answered_at NULL a minute later: the charge may or may not have reached Midtrans."""
    reached = make_attempt(make_order(), created_at=utcnow() - timedelta(seconds=90))
    sim(reached)
    db.session.execute(db.update(PaymentAttempt).where(PaymentAttempt.id == reached.id)
                       .values(gateway_answered_at=None, transaction_id=None))
    db.session.commit()
    control(sim.url, reached.midtrans_order_id, "settle")
    never_sent = make_attempt(make_order(), created_at=utcnow() - timedelta(seconds=90))
    run(runner)
    assert fresh(PaymentAttempt, reached.id).status == P.PAID
    assert fresh(PaymentAttempt, reached.id).transaction_id
    assert fresh(PaymentAttempt, never_sent.id).status == P.PENDING  # not expired yet: left pending


def test_amount_mismatch_from_the_status_api_is_flagged_not_applied(sim, runner):
    attempt = old_attempt()
    sim(attempt)
    control(sim.url, attempt.midtrans_order_id, "settle")
    db.session.execute(db.update(PaymentAttempt).where(PaymentAttempt.id == attempt.id)
                       .values(gross_amount=attempt.gross_amount + 1))
    db.session.commit()
    lines = run(runner)
    assert "flagged amount_mismatch" in lines[0]
    attempt = fresh(PaymentAttempt, attempt.id)
    assert (attempt.status, attempt.flag) == (P.PENDING, "amount_mismatch")


def test_expired_orders_without_live_attempts_are_closed(ctx, runner):
    lapsed = make_order(expires_in=timedelta(minutes=-1))
    make_attempt(lapsed, status=P.EXPIRED)
    waiting = make_order(expires_in=timedelta(minutes=-1))
    make_attempt(waiting, expires_in=timedelta(minutes=10))  # a QR still live: wait for it
    current = make_order()
    lines = run(runner)
    assert lines[0] == f"order {lapsed.reference}: open -> expired (its expiry passed with no live payment attempt)"
    assert "closed 1 order(s)" in lines[-1]
    assert fresh(Order, lapsed.id).status == O.EXPIRED
    assert fresh(Order, waiting.id).status == O.OPEN
    assert fresh(Order, current.id).status == O.OPEN
    assert OutboxEvent.query.filter_by(type="checkout.session.expired").count() == 1
    assert "closed 0 order(s)" in run(runner)[-1]


def test_two_runs_at_once_ask_about_each_attempt_once(app, sim, monkeypatch):
    attempts = [old_attempt() for _ in range(6)]
    for attempt in attempts:
        sim(attempt)
        control(sim.url, attempt.midtrans_order_id, "settle")
    asked = []
    real_status = MidtransClient.status

    def counting_status(self, ident):
        asked.append(ident)
        time.sleep(0.02)  # keep both runs in flight together
        return real_status(self, ident)

    monkeypatch.setattr(MidtransClient, "status", counting_status)
    barrier = threading.Barrier(2)
    summaries = []

    def one_run():
        with app.app_context():
            barrier.wait(timeout=10)
            summaries.append(reconcile())

    threads = [threading.Thread(target=one_run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(asked) == sorted(a.midtrans_order_id for a in attempts)
    assert sum(s.checked for s in summaries) == 6 and sum(s.changed for s in summaries) == 6
    assert OutboxEvent.query.filter_by(type="checkout.session.paid").count() == 6
    assert AuditEvent.query.filter_by(action="payment.transition").count() == 6


def test_no_server_key_reports_and_changes_nothing(make_app):
    app = make_app(MIDTRANS_ENV="sandbox")  # no key configured for sandbox
    with app.app_context():
        attempt_id = old_attempt(environment="sandbox").id
    result = app.test_cli_runner().invoke(args=["payments", "reconcile"])
    assert result.exit_code == 0
    assert "cannot ask Midtrans" in result.output
    with app.app_context():
        assert db.session.get(PaymentAttempt, attempt_id).status == P.PENDING


def test_attempts_of_another_environment_are_left_alone(ctx, runner):
    """A sandbox attempt is unknown to the environment in force: never a local expiry."""
    other = old_attempt(environment="sandbox", expires_in=timedelta(minutes=-30))
    lines = run(runner)
    assert "checked 0 attempt(s)" in lines[-1]
    assert fresh(PaymentAttempt, other.id).status == P.PENDING
