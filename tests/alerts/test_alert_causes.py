"""Each cause of an owner alert, end to end: the cause happens, the worker's mail job sends
over real SMTP, the owner gets exactly one e-mail, and the shop's backend gets a
``checkout.alert.opened`` event."""
from __future__ import annotations

from datetime import timedelta

import pytest

from checkout import shop_settings
from checkout.alerts import kinds
from checkout.alerts.checks import run_checks
from checkout.extensions import db
from checkout.midtrans.errors import GatewayAuthError
from checkout.models import Alert, Notification, OutboxEvent, PaymentAttempt, WebhookDelivery
from checkout.payments.amounts import flag_mismatch
from checkout.outbox import delivery, endpoints
from checkout.payments.reconciler import reconcile
from checkout.payments.states import OrderStatus as O
from checkout.payments.states import PaymentStatus as P
from checkout.payments.transitions import GatewayReport, apply_gateway_status
from checkout.timeutil import utcnow
from tests.alerts.conftest import OWNER
from tests.factories import make_attempt, make_order
from tests.support.waiting import wait_until
from tests.webhooks.simulated import charge_qris, client_for, control


def settle(attempt, **extra):
    return apply_gateway_status(attempt.id, GatewayReport(transaction_status="settlement", **extra), actor="test")


def one_mail(smtp, send_mail, *, expect_total=1):
    stats = send_mail()
    assert stats.sent == 1, stats
    messages = smtp.inbox.wait_for(expect_total)
    assert len(messages) == expect_total
    return messages[-1]


def alert_events():
    return OutboxEvent.query.filter_by(type="checkout.alert.opened").all()


def test_paid_late_mails_the_owner_once_and_emits_a_webhook(ctx, smtp, send_mail):
    order = make_order(status=O.EXPIRED)
    attempt = make_attempt(order, status=P.EXPIRED)
    result = settle(attempt)
    assert (result.after, result.flag) == (P.PAID_LATE, "paid_late")
    alert = Alert.query.one()
    assert (alert.kind, alert.status) == (kinds.PAYMENT_ATTENTION, "open")
    message = one_mail(smtp, send_mail)
    assert message["To"] == OWNER
    assert message["Auto-Submitted"] == "auto-generated"
    assert "Pembayaran perlu perhatian" in message["Subject"] and "A payment needs attention" in message["Subject"]
    body = message.get_content()
    assert order.reference in body and "Rp 70.000" in body
    assert "Paid after the order had expired" in body and "/admin/alerts" in body
    [event] = alert_events()
    assert event.payload["data"]["kind"] == kinds.PAYMENT_ATTENTION
    assert event.payload["data"]["details"]["midtrans_order_id"] == attempt.midtrans_order_id
    # The same notification again is a duplicate: no transition, no second alert or mail.
    assert not settle(attempt).changed
    assert send_mail().attempted == 0
    assert Alert.query.one().occurrences == 1


def test_amount_mismatch(ctx, smtp, send_mail):
    attempt = make_attempt(make_order())
    assert flag_mismatch(attempt, "gross_amount 1 != 70000", actor="test")
    assert not flag_mismatch(attempt, "gross_amount 1 != 70000", actor="test")  # fifty copies, one flag
    message = one_mail(smtp, send_mail)
    assert "Midtrans reported a different amount" in message.get_content()
    assert Alert.query.one().subject == f"{attempt.midtrans_order_id}:amount_mismatch"


def test_paid_twice(ctx, smtp, send_mail):
    order = make_order()
    first, second = make_attempt(order), make_attempt(order)
    settle(first)
    assert Alert.query.count() == 0  # an ordinary payment is no alert
    result = settle(second)
    assert result.flag == "duplicate_payment"
    message = one_mail(smtp, send_mail)
    assert "The order was paid twice" in message.get_content()


def test_challenged_card(ctx, smtp, send_mail):
    attempt = make_attempt(make_order(), method="snap")
    result = apply_gateway_status(attempt.id, GatewayReport(transaction_status="capture", fraud_status="challenge"),
                                  actor="test")
    assert result.after == P.CHALLENGED
    message = one_mail(smtp, send_mail)
    assert "held for review" in message.get_content()


def test_key_refused_on_a_live_call(make_app, simulator, smtp):
    app = make_app(SMTP_URL=smtp.url, ALERT_EMAILS=[OWNER], MIDTRANS_ENV="production",
                   MIDTRANS_SERVER_KEY="Mid-server-not-accepted-here", MIDTRANS_API_BASE_URL=simulator.url)
    from checkout.alerts import causes

    causes._key_refused_last.clear()
    with app.app_context():
        for _ in range(3):  # a burst of refused calls makes one alert
            with pytest.raises(GatewayAuthError):
                shop_settings.gateway().status("ORD-1-1")
            shop_settings.forget()

        def recorded():
            db.session.expire_all()
            return Alert.query.all()

        [alert] = wait_until(recorded, timeout=10, what="the alert, written in the background")
        assert (alert.kind, alert.subject) == (kinds.KEY_REFUSED, "production")
        from checkout.mail import sender

        assert sender.send_due("w").sent == 1
    [message] = smtp.inbox.wait_for(1)
    body = message.get_content()
    assert "Midtrans answered 401" in body and "not-accepted" not in body  # no secret in the mail


def test_notifications_silent_while_payments_were_made(make_app, smtp, simulator):
    app = make_app(SMTP_URL=smtp.url, ALERT_EMAILS=[OWNER], ALERT_NOTIFICATION_SILENCE_HOURS=2)
    with app.app_context():
        from checkout.mail import sender

        # An old notification, and a QRIS charge answered an hour ago with no news since.
        db.session.add(Notification(received_at=utcnow() - timedelta(hours=5), raw_body="{}", outcome="applied"))
        make_attempt(make_order(), gateway_answered_at=utcnow() - timedelta(hours=1))
        db.session.commit()
        assert run_checks().opened == [kinds.NOTIFICATIONS_SILENT]
        assert run_checks().opened == []  # still silent: the same open alert, not a new mail
        assert sender.send_due("w").sent == 1
        assert "No notification has arrived from Midtrans for 2 hours" in smtp.inbox.wait_for(1)[0].get_content()
        # Notifications come back: the alert resolves itself.
        db.session.add(Notification(received_at=utcnow(), raw_body="{}", outcome="applied"))
        db.session.commit()
        assert run_checks().resolved == [kinds.NOTIFICATIONS_SILENT]
        assert Alert.query.one().status == "resolved"


def test_no_alert_when_quiet_because_nobody_paid(ctx):
    make_attempt(make_order(), method="snap", gateway_answered_at=utcnow() - timedelta(hours=1))
    assert run_checks().opened == []


def test_endpoint_failing_for_more_than_an_hour(ctx, smtp, send_mail):
    from tests.outbox.receiver import start_receiver

    failing = start_receiver(answers=[500] * 20)
    healthy = start_receiver()
    try:
        bad, _ = endpoints.add(f"{failing.url}/hooks?token=s3cret", actor="test")
        good, _ = endpoints.add(f"{healthy.url}/hooks", actor="test")
        order = make_order()
        from checkout.outbox.events import emit

        emit("checkout.session.paid", order)
        db.session.commit()
        delivery.deliver_due(worker="w")
        # Pretend that first failure was 70 minutes ago and nothing got through since.
        db.session.execute(WebhookDelivery.__table__.update().values(created_at=utcnow() - timedelta(minutes=70)))
        db.session.commit()
        assert run_checks().opened == [f"{kinds.WEBHOOK_FAILING}:{bad.id}"]
        message = one_mail(smtp, send_mail)
        body = message.get_content()
        assert "/hooks" in body and "s3cret" not in body and "HTTP 500" in body
        # The alert's own webhook goes to the healthy endpoint only.
        [event] = alert_events()
        targets = {d.endpoint_id for d in WebhookDelivery.query.filter_by(event_id=event.id)}
        assert targets == {good.id}
        # The endpoint recovers: its deliveries get through and the alert resolves.
        failing.receiver.answers.clear()
        db.session.execute(WebhookDelivery.__table__.update().values(next_attempt_at=utcnow()))
        db.session.commit()
        delivery.deliver_due(worker="w")
        assert run_checks().resolved == [f"{kinds.WEBHOOK_FAILING}:{bad.id}"]
    finally:
        failing.stop()
        healthy.stop()


def test_webhook_given_up(ctx, smtp, send_mail):
    from tests.outbox.receiver import start_receiver

    failing = start_receiver(answers=[404])
    try:
        endpoint, _ = endpoints.add(f"{failing.url}/hooks", actor="test")
        from checkout.outbox.events import emit

        emit("checkout.session.refunded", make_order())
        db.session.commit()
        db.session.execute(WebhookDelivery.__table__.update().values(attempts=delivery.MAX_ATTEMPTS - 1))
        db.session.commit()
        assert delivery.deliver_due(worker="w").gave_up == 1
        alert = Alert.query.one()
        assert (alert.kind, alert.subject) == (kinds.WEBHOOK_GAVE_UP, str(endpoint.id))
        body = one_mail(smtp, send_mail).get_content()
        assert "checkout.session.refunded" in body and "given up" in body
        assert not WebhookDelivery.query.filter_by(endpoint_id=endpoint.id, status="pending").count()
    finally:
        failing.stop()


def test_reconciler_finds_a_payment_whose_notification_never_came(ctx, simulator, smtp, send_mail):
    client = client_for(simulator.url, shop_settings.current().server_key)
    attempt = make_attempt(make_order(), created_at=utcnow() - timedelta(minutes=5))
    charge_qris(client, attempt)
    control(simulator.url, attempt.midtrans_order_id, "settle")  # its notification goes nowhere
    summary = reconcile()
    assert summary.changed == 1
    db.session.expire_all()
    assert db.session.get(PaymentAttempt, attempt.id).status == P.PAID
    alert = Alert.query.one()
    assert alert.kind == kinds.NOTIFICATION_MISSING
    body = one_mail(smtp, send_mail).get_content()
    assert attempt.midtrans_order_id in body and "no notification ever came" in body


def test_the_alert_webhook_matches_the_published_schema(ctx):
    import jsonschema

    from checkout.api.openapi import SCHEMAS

    order = make_order(status=O.CANCELLED)
    settle(make_attempt(order, status=P.CANCELLED))
    [event] = alert_events()
    document = {"$ref": "#/components/schemas/WebhookEvent", "components": {"schemas": SCHEMAS}}
    jsonschema.validate(event.payload, document)  # data is oneOf session | alert: exactly the alert
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**event.payload, "data": {**event.payload["data"], "kind": "nonsense"}}, document)
