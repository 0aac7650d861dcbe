"""Mail that is not an alert, through the same queue and a real SMTP server: the customer's
receipt and refund notice, queued with the transition, and the owner's daily summary."""
from __future__ import annotations

from datetime import datetime

from checkout import shop_settings
from checkout.admin.services import daily_summary
from checkout.extensions import db
from checkout.models import MailMessage, ShopSettings
from checkout.payments.orders import remember_customer_locale
from checkout.payments.states import PaymentStatus as P
from checkout.payments.transitions import GatewayReport, apply_gateway_status
from tests.alerts.conftest import OWNER, queued
from tests.factories import make_attempt, make_order

CUSTOMER = "siti@example.com"


def report(status, **extra):
    return GatewayReport(transaction_status=status, **extra)


def test_a_paid_order_queues_one_receipt_in_the_customers_language(ctx, smtp, send_mail):
    order = make_order(customer_email=CUSTOMER)
    remember_customer_locale(order, "en")
    attempt = make_attempt(order)
    assert queued("receipt") == []  # nothing before the money
    apply_gateway_status(attempt.id, report("settlement"), actor="test")
    # The same settlement reported again (notification, then the poll) adds nothing.
    apply_gateway_status(attempt.id, report("settlement"), actor="test")
    [mail] = queued("receipt")
    assert mail.to_addresses == [CUSTOMER] or CUSTOMER in str(mail.to_addresses)
    assert send_mail().sent == 1
    [message] = smtp.inbox.wait_for(1)
    assert message["To"] == CUSTOMER
    assert "Receipt" in message["Subject"] and "Rp 70.000" in message["Subject"]


def test_indonesian_when_the_language_is_unknown(ctx, smtp, send_mail):
    order = make_order(customer_email=CUSTOMER)
    apply_gateway_status(make_attempt(order).id, report("settlement"), actor="test")
    [mail] = queued("receipt")
    assert "Receipt" not in mail.subject and "Rp 70.000" in mail.subject


def test_each_refund_queues_its_own_notice(ctx, smtp, send_mail):
    order = make_order(customer_email=CUSTOMER)
    remember_customer_locale(order, "en")
    attempt = make_attempt(order)
    apply_gateway_status(attempt.id, report("settlement"), actor="test")
    apply_gateway_status(attempt.id, report("partial_refund", refunded_total=20_000), actor="test")
    apply_gateway_status(attempt.id, report("partial_refund", refunded_total=20_000), actor="test")  # again
    apply_gateway_status(attempt.id, report("refund", refunded_total=70_000), actor="test")
    notices = queued("refund")
    assert len(notices) == 2
    assert "Rp 20.000" in notices[0].subject and "Rp 50.000" in notices[1].subject


def test_no_mail_without_an_address_or_a_mail_server(make_app):
    app = make_app()  # no SMTP_URL
    with app.app_context():
        order = make_order(customer_email=CUSTOMER)
        apply_gateway_status(make_attempt(order).id, report("settlement"), actor="test")
        no_address = make_order()
        assert apply_gateway_status(make_attempt(no_address).id, report("settlement"), actor="test").after == P.PAID
        assert MailMessage.query.count() == 0


def _switch_summary_on():
    row = db.session.get(ShopSettings, 1) or ShopSettings(id=1)
    row.daily_summary = True
    db.session.add(row)
    db.session.commit()
    shop_settings.forget()  # as the owner's save does; a worker's job gets a fresh context per run


def test_the_daily_summary_is_queued_once_a_day_from_seven_wib(ctx, smtp, send_mail):
    # 06:30 and 07:30 WIB on 1 December 2026, as UTC.
    early, later = datetime(2026, 11, 30, 23, 30), datetime(2026, 12, 1, 0, 30)
    assert not daily_summary.queue_mail(later)  # switched off
    _switch_summary_on()
    assert not daily_summary.queue_mail(early)
    assert daily_summary.queue_mail(later)
    assert not daily_summary.queue_mail(later)  # once per day, whichever worker asks
    [mail] = queued("daily_summary")
    assert send_mail().sent == 1
    [message] = smtp.inbox.wait_for(1)
    assert message["To"] == OWNER
    assert "30" in message["Subject"] and " / " in message["Subject"]
