"""The customer's receipt and refund notice as e-mail content: subject, text and HTML.

Rendering only. Sending belongs to the mail queue (``checkout/mail``), which calls these
after the state change commits, so a slow mail server never delays a payment page. Each
text is rendered in the customer's language (``locale``: "id" or "en"), with dates in
Jakarta time and Indonesian month names where Indonesian is asked for. Amounts come from
the order and its paying attempt, never from anything a browser said.
"""
from __future__ import annotations

from typing import NamedTuple

from babel.dates import format_datetime
from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from checkout import shop_settings
from checkout.extensions import db
from checkout.models import Order, PaymentAttempt
from checkout.payments.states import MONEY_RECEIVED
from checkout.sessions_view import checkout_url
from checkout.timeutil import to_jakarta

LOCALES = ("id", "en")


class MailContent(NamedTuple):
    """``subject, text, html = render_receipt(order, "id")``"""

    subject: str
    text: str
    html: str


def render_receipt(order: Order, locale: str) -> MailContent:
    """The receipt for a paid order. Raises ValueError for an order nothing was paid on."""
    attempt = _paying_attempt(order)
    if attempt is None and not order.paid_at:
        raise ValueError("no receipt for an order that was not paid")
    with force_locale(_locale(locale)):
        context = _context(order, locale, attempt)
        subject = _("Receipt for your payment of %(amount)s to %(shop)s",
                    amount=context["paid_amount_text"], shop=context["shop_name"])
        return MailContent(subject, render_template("mail/receipt.txt", **context),
                           render_template("mail/receipt.html", **context))


def render_refund_notice(order: Order, locale: str, *, amount: int) -> MailContent:
    """The notice for a refund of ``amount`` rupiah (already accepted by Midtrans)."""
    if amount < 1 or amount > order.paid_amount:
        raise ValueError("a refund notice needs an amount between 1 and what was paid")
    with force_locale(_locale(locale)):
        context = _context(order, locale, _paying_attempt(order))
        context.update(refund_amount=amount, remaining=max(0, order.paid_amount - order.refunded_amount),
                       full=order.refunded_amount >= order.paid_amount)
        subject = _("%(shop)s refunded %(amount)s to you", shop=context["shop_name"],
                    amount=_rupiah(amount))
        return MailContent(subject, render_template("mail/refund.txt", **context),
                           render_template("mail/refund.html", **context))


def _locale(locale: str) -> str:
    return locale if locale in LOCALES else "id"


def _rupiah(amount: int) -> str:
    from checkout.money import format_rupiah

    return format_rupiah(amount)


def _paying_attempt(order: Order) -> PaymentAttempt | None:
    return db.session.scalars(
        select(PaymentAttempt).where(PaymentAttempt.order_id == order.id,
                                     PaymentAttempt.status.in_(sorted(s.value for s in MONEY_RECEIVED)))
        .order_by(PaymentAttempt.paid_at).limit(1)
    ).first()


def _when(moment, locale: str) -> str:
    local = to_jakarta(moment)
    return format_datetime(local, "d MMMM yyyy, HH:mm", locale=_locale(locale)) + " WIB" if local else ""


def _context(order: Order, locale: str, attempt: PaymentAttempt | None) -> dict:
    from checkout.storefront.presenter import payment_label

    paid = (attempt.paid_amount if attempt else 0) or order.paid_amount or order.total_amount
    return {
        "order": order,
        "items": list(order.items),
        "shop_name": shop_settings.current().shop_name,
        "paid_amount": paid,
        "paid_amount_text": _rupiah(paid),
        "method": payment_label(attempt) if attempt else "",
        "paid_at": _when((attempt.paid_at if attempt else None) or order.paid_at, locale),
        "transaction_id": attempt.transaction_id if attempt else None,
        "receipt_url": checkout_url(order),
        "lang": _locale(locale),
    }
