"""Once per cause with a cool-down; and a mail server that is down never touches a payment."""
from __future__ import annotations

from datetime import timedelta

from checkout.alerts import kinds, service
from checkout.extensions import db
from checkout.models import Alert, MailMessage, Order, PaymentAttempt
from checkout.payments.states import OrderStatus as O
from checkout.payments.states import PaymentStatus as P
from checkout.payments.transitions import GatewayReport, apply_gateway_status
from checkout.timeutil import utcnow
from tests.alerts.conftest import queued
from tests.factories import make_attempt, make_order


def raise_it(subject="INV-1-1:paid_late"):
    alert = service.open_alert(kinds.PAYMENT_ATTENTION, subject, {"flag": "paid_late", "reference": "INV-1"})
    db.session.commit()
    return alert


def test_one_mail_per_cause_and_a_cool_down(ctx, smtp, send_mail):
    assert raise_it() is not None
    assert raise_it() is None  # still open: counted, not told again
    assert Alert.query.one().occurrences == 2
    assert send_mail().sent == 1
    alert = Alert.query.one()
    assert service.resolve(alert.id, actor="admin:owner@toko.example")
    # It comes back within the cool-down: reopened and listed, but no second mail.
    assert raise_it() is None
    db.session.expire_all()
    alert = Alert.query.one()
    assert (alert.status, alert.occurrences) == ("open", 3)
    assert send_mail().attempted == 0
    # After the cool-down a recurrence is told again.
    service.resolve(alert.id, actor="test")
    alert.last_notified_at = utcnow() - timedelta(seconds=ctx.config["ALERT_COOLDOWN_SECONDS"] + 1)
    db.session.commit()
    assert raise_it() is not None
    assert send_mail().sent == 1
    assert len(smtp.inbox.wait_for(2)) == 2
    # A different cause is its own alert and its own mail.
    assert raise_it("INV-2-1:paid_late") is not None
    assert send_mail().sent == 1
    assert len(smtp.inbox.wait_for(3)) == 3


def test_no_recipients_still_lists_and_emits(make_app, smtp):
    app = make_app(SMTP_URL=smtp.url)  # no ALERT_EMAILS and none saved
    with app.app_context():
        assert raise_it() is not None
        assert MailMessage.query.count() == 0
        assert Alert.query.count() == 1
        service.save_recipients(["a@toko.example"], actor="test")
        assert raise_it("INV-9-1:paid_late") is not None
        assert [m.to_addresses for m in MailMessage.query] == [["a@toko.example"]]


def test_payments_are_unaffected_while_smtp_is_down(ctx, smtp, send_mail):
    smtp.down()
    order = make_order(status=O.EXPIRED)
    attempt = make_attempt(order, status=P.EXPIRED)
    result = apply_gateway_status(attempt.id, GatewayReport(transaction_status="settlement"), actor="test")
    # The payment is recorded whatever the mail server does.
    assert result.changed and result.after == P.PAID_LATE
    db.session.expire_all()
    assert db.session.get(Order, order.id).status == O.PAID_LATE
    [mail] = queued()
    assert mail.status == "pending"
    stats = send_mail()
    assert (stats.sent, stats.retrying) == (0, 1)
    mail = queued()[0]
    assert (mail.status, mail.attempts, mail.locked_by) == ("pending", 1, None)
    assert "could not talk to the mail server" in mail.last_error
    assert mail.next_attempt_at > utcnow() + timedelta(seconds=20)  # backing off, not hammering
    assert send_mail().attempted == 0  # not due yet
    # The server comes back; once the retry is due the mail goes out, once.
    smtp.up()
    mail.next_attempt_at = utcnow()
    db.session.commit()
    assert send_mail().sent == 1
    assert len(smtp.inbox.wait_for(1)) == 1
    assert queued()[0].status == "sent"
    assert db.session.get(PaymentAttempt, attempt.id).status == P.PAID_LATE


def test_a_permanent_refusal_is_not_retried(ctx, smtp, send_mail):
    async def refuse(server, session, envelope, address, rcpt_options):
        return "550 no such mailbox"

    smtp.inbox.handle_RCPT = refuse
    raise_it()
    stats = send_mail()
    assert stats.failed == 1
    mail = queued()[0]
    assert mail.status == "failed" and "550" in mail.last_error
