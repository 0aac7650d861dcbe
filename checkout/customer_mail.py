"""The customer's receipt and refund notice, queued with the state change that causes them.

``queue_for(event_type, order, refund_amount=...)`` is called by the one transition
function in the transaction that moves the order, next to the shop's webhook event, so
the mail exists exactly when the payment (or refund) does. It writes a row to the mail
queue (``checkout.mail``) and never talks to a mail server: a slow or broken one never
delays the customer's page. Nothing is queued unless the order has the customer's e-mail
address and mail is configured (``SMTP_URL``). The text is in the language the customer
paid in (``Order.customer_locale``), Indonesian when unknown.
"""
from __future__ import annotations

import logging

from flask import current_app

from checkout.mail import enqueue
from checkout.models import Order
from checkout.receipt_mail import LOCALES, render_receipt, render_refund_notice

log = logging.getLogger(__name__)
PAID_EVENTS = frozenset({"checkout.session.paid", "checkout.session.paid_late"})
REFUND_EVENT = "checkout.session.refunded"


def queue_for(event_type: str | None, order: Order, *, refund_amount: int = 0) -> None:
    """Queue the mail an order event owes the customer, if any. Does not commit."""
    if not order.customer_email or not current_app.config.get("SMTP_URL"):
        return
    locale = order.customer_locale if order.customer_locale in LOCALES else "id"
    if event_type in PAID_EVENTS:
        # One receipt per order, whichever attempt paid and however often it is reported.
        content, key, category = render_receipt(order, locale), f"receipt:{order.id}", "receipt"
    elif event_type == REFUND_EVENT and refund_amount > 0:
        # One notice per refunded total: a repeated report of the same refund adds nothing.
        content = render_refund_notice(order, locale, amount=refund_amount)
        key, category = f"refund:{order.id}:{order.refunded_amount}", "refund"
    else:
        return
    if enqueue(order.customer_email, content.subject, content.text, content.html, category=category,
               dedupe_key=key) is not None:
        log.info("%s mail queued for order %s", category, order.reference)
