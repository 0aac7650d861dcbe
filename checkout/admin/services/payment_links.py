"""Payment links: an order created by the owner, paid by whoever opens its checkout URL.

The same path as ``flask orders create`` and the API: ``orders.create_order``.
"""
from __future__ import annotations

from urllib.parse import quote

from flask_babel import gettext as _

from checkout import audit
from checkout.extensions import db
from checkout.models import Order
from checkout.money import format_rupiah
from checkout.payments.orders import Customer, NewItem, create_order


def create_payment_link(*, amount: int | None, description: str, items: list[tuple[str, int, int]],
                        expires_in_minutes: int | None, reference: str | None, customer_name: str | None,
                        customer_email: str | None, actor: str) -> Order:
    """Create the order (validated by the order service, which commits) and record the
    owner's act. Without items the whole amount is one line named after the description.
    Raises InvalidRequest with ``fields``."""
    if items:
        lines = [NewItem(name=name, unit_price=price, quantity=quantity) for name, price, quantity in items]
    else:
        lines = [NewItem(name=(description or "").strip()[:50] or "Payment", unit_price=amount or 0, quantity=1)]
    customer = Customer(name=customer_name or None, email=customer_email or None)
    order = create_order(items=lines, description=description, reference=reference or None, total=amount,
                         customer=customer, expires_in_minutes=expires_in_minutes, actor=actor)
    audit.record(actor, "payment_link.created", subject_type="order", subject_id=order.reference,
                 details={"total": order.total_amount})
    db.session.commit()
    return order


def share_text(order: Order, url: str) -> str:
    """The message the owner sends with the link, in the owner's language (the request's)."""
    return _("Hello! Here is the payment link for %(what)s (%(amount)s): %(url)s", what=order.description, amount=format_rupiah(order.total_amount), url=url)


def whatsapp_url(text: str) -> str:
    """WhatsApp's click-to-chat address with ``text`` prefilled; the owner picks the contact."""
    return "https://wa.me/?text=" + quote(text, safe="")
