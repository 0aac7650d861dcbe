"""`flask worker`, `flask outbox run` and `flask payments reconcile --every` as real processes:
SIGTERM stops them within 10 s, and a claimed job is finished or handed back, never lost."""
from __future__ import annotations

import threading

import pytest

from checkout.extensions import db
from checkout.models import WebhookDelivery
from checkout.outbox import endpoints
from checkout.outbox.events import emit
from tests.factories import make_order
from tests.outbox.receiver import start_receiver
from tests.support.processes import Running, app_env
from tests.support.waiting import wait_until


@pytest.fixture
def receiver():
    server = start_receiver(answers=["hang"])
    yield server
    server.receiver.release.set()
    server.stop()


def emit_paid(app, receiver_url):
    with app.app_context():
        endpoints.add(f"{receiver_url}/hooks", actor="test")
        emit("checkout.session.paid", make_order())
        db.session.commit()


def delivery_row(app):
    with app.app_context():
        db.session.expire_all()
        row = db.session.scalar(db.select(WebhookDelivery))
        return row.status, row.attempts, row.locked_by


def test_sigterm_during_a_delivery_finishes_it(app, receiver):
    emit_paid(app, receiver.url)
    worker = Running(["worker", "--grace", "8"], app_env(app, WORKER_IDLE_SECONDS="0.1"))
    try:
        worker.wait_for("worker running")
        assert receiver.receiver.arrived.wait(20), worker.output  # the shop is holding our request
        threading.Timer(1.0, receiver.receiver.release.set).start()  # and answers a second later
        code, took = worker.terminate()
    finally:
        worker.kill()
    assert code == 0, worker.output
    assert took < 10, took
    assert "finishing the work in hand" in worker.output and "worker stopped" in worker.output
    assert delivery_row(app) == ("delivered", 1, None)


def test_sigterm_with_a_stuck_delivery_hands_it_back_within_the_grace(app, receiver):
    emit_paid(app, receiver.url)
    worker = Running(["worker", "--grace", "2"], app_env(app, WORKER_IDLE_SECONDS="0.1"))
    try:
        worker.wait_for("worker running")
        assert receiver.receiver.arrived.wait(20), worker.output
        code, took = worker.terminate()  # the shop never answers while we stop
    finally:
        worker.kill()
    assert code == 0, worker.output
    assert 2 <= took < 10, took
    assert "outbox: still busy after 2 s; released 1 claim(s) for others" in worker.output
    # Not lost: pending, unclaimed, due now, for the next worker (the shop de-duplicates).
    assert delivery_row(app) == ("pending", 0, None)


def test_flask_outbox_run_hands_back_a_stuck_delivery(app, receiver):
    emit_paid(app, receiver.url)
    process = Running(["outbox", "run", "--idle-seconds", "0.1", "--grace", "1"], app_env(app))
    try:
        process.wait_for("outbox worker running")
        assert receiver.receiver.arrived.wait(20), process.output
        code, took = process.terminate()
    finally:
        process.kill()
    assert (code, took < 10) == (0, True), process.output
    assert "released 1 claim(s)" in process.output and "outbox worker stopped" in process.output
    assert delivery_row(app) == ("pending", 0, None)


def test_reconcile_every_runs_until_sigterm(app):
    process = Running(["payments", "reconcile", "--every", "60"], app_env(app))
    try:
        process.wait_for("reconcile: checked 0 attempt(s)")  # the first pass ran at once
        code, took = process.terminate()
    finally:
        process.kill()
    assert code == 0 and took < 10, process.output
    assert "reconciler stopped" in process.output


def test_two_workers_share_the_work_and_do_nothing_twice(app):
    """Two `flask worker` processes (two machines) on one database: every webhook is
    delivered once and every mail sent once."""
    from checkout import mail
    from checkout.models import MailMessage
    from tests.support.smtp_server import SmtpServer

    shop = start_receiver()
    smtp = SmtpServer()
    smtp.up()
    with app.app_context():
        endpoints.add(f"{shop.url}/hooks", actor="test")
        for number in range(20):
            emit("checkout.session.paid", make_order())
        for number in range(10):
            mail.enqueue("owner@toko.example", f"message {number}", "body", category="test")
        db.session.commit()
    env = app_env(app, WORKER_IDLE_SECONDS="0.05", SMTP_URL=smtp.url)
    workers = [Running(["worker", "--grace", "4"], env) for _ in range(2)]
    try:
        for worker in workers:
            worker.wait_for("worker running")
        with app.app_context():
            def done():
                db.session.expire_all()
                return (db.session.scalar(db.select(db.func.count()).select_from(WebhookDelivery)
                                          .where(WebhookDelivery.status == "delivered")) == 20
                        and db.session.scalar(db.select(db.func.count()).select_from(MailMessage)
                                              .where(MailMessage.status == "sent")) == 10)

            wait_until(done, timeout=60, what="both workers to finish")
        for worker in workers:
            code, took = worker.terminate()
            assert code == 0 and took < 10, worker.output
    finally:
        for worker in workers:
            worker.kill()
        shop.stop()
        smtp.down()
    ids = [request.headers.get("Webhook-Id") for request in shop.receiver.received]
    outputs = "\n".join(worker.output for worker in workers)
    assert len(ids) == 20 and len(set(ids)) == 20, outputs
    subjects = sorted(message["Subject"] for message in smtp.inbox.messages)
    assert subjects == sorted(f"message {number}" for number in range(10))
    with app.app_context():
        claimants = {row.locked_by for row in WebhookDelivery.query}
        assert claimants == {None}
