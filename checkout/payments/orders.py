"""Creating orders: the one path used by the demo shop, `flask orders create`, the admin's
payment links and the API. Validates what Midtrans would refuse before Midtrans sees it."""
from __future__ import annotations

import logging
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import update
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.exc import IntegrityError

from checkout import audit
from checkout.errors import InvalidRequest
from checkout.extensions import db
from checkout.models import Order, OrderItem
from checkout.observability import context as log_context
from checkout.observability import metrics
from checkout.timeutil import utcnow

log = logging.getLogger(__name__)

# Midtrans order_id allows letters, digits, - _ ~ . and 50 characters; we append "-<attempt>".
REFERENCE_PATTERN = re.compile(r"^[A-Za-z0-9\-_~.]{1,40}$")
MAX_ITEM_NAME = 50
MAX_TOTAL = 100_000_000  # Above any single-payment limit Midtrans publishes.
MAX_EXPIRY_MINUTES = 30 * 24 * 60


@dataclass(frozen=True)
class NewItem:
    name: str
    unit_price: int
    quantity: int = 1
    sku: str | None = None


@dataclass(frozen=True)
class Customer:
    name: str | None = None
    email: str | None = None
    phone: str | None = None


def new_reference() -> str:
    return f"ORD-{utcnow():%y%m%d}-{secrets.token_hex(4).upper()}"


def validate(items: list[NewItem], total: int | None, reference: str | None) -> int:
    """Return the total, or raise InvalidRequest naming each field that is wrong."""
    fields: dict[str, str] = {}
    if not items:
        fields["items"] = "At least one item is required."
    for index, item in enumerate(items):
        where = f"items[{index}]"
        if not isinstance(item.name, str) or not item.name.strip():
            fields[f"{where}.name"] = "Item name is required."
        elif len(item.name) > MAX_ITEM_NAME:
            fields[f"{where}.name"] = f"Item name is longer than {MAX_ITEM_NAME} characters."
        if not _is_int(item.unit_price):
            fields[f"{where}.unit_price"] = "Price must be a whole number of rupiah."
        if not _is_int(item.quantity) or item.quantity < 1:
            fields[f"{where}.quantity"] = "Quantity must be a whole number of at least 1."
    if fields:
        raise InvalidRequest("Some items are not valid.", code="invalid_items", fields=fields)
    items_total = sum(item.unit_price * item.quantity for item in items)
    if total is not None and (not _is_int(total) or total != items_total):
        raise InvalidRequest("The total does not equal the sum of the items.", code="total_mismatch",
                             fields={"total": f"Expected {items_total}, the sum of price x quantity of the items."})
    if items_total < 1:
        raise InvalidRequest("The total must be at least Rp 1.", code="invalid_total", fields={"total": "Must be at least 1."})
    if items_total > MAX_TOTAL:
        raise InvalidRequest("The total is larger than any payment method accepts.", code="invalid_total",
                             fields={"total": f"Must be at most {MAX_TOTAL}."})
    if reference is not None and not REFERENCE_PATTERN.match(reference):
        raise InvalidRequest("The reference may use letters, digits, - _ ~ . and at most 40 characters.",
                             code="invalid_reference", fields={"reference": "Invalid characters or too long."})
    return items_total


def create_order(*, items: list[NewItem], description: str = "", reference: str | None = None,
                 total: int | None = None, customer: Customer | None = None, expires_in_minutes: int | None = None,
                 allowed_methods: list[str] | None = None, success_url: str | None = None,
                 cancel_url: str | None = None, metadata: dict | None = None, api_key_id: int | None = None,
                 actor: str) -> Order:
    """Validate, store and commit a new open order. Raises InvalidRequest (with fields)."""
    from checkout import shop_settings

    amount = validate(items, total, reference)
    minutes = shop_settings.current().order_expiry_minutes if expires_in_minutes is None else expires_in_minutes
    if not _is_int(minutes) or not 1 <= minutes <= MAX_EXPIRY_MINUTES:
        raise InvalidRequest("Expiry must be between 1 minute and 30 days.", code="invalid_expiry",
                             fields={"expires_in_minutes": f"Between 1 and {MAX_EXPIRY_MINUTES}."})
    customer = customer or Customer()
    now = utcnow()
    order = Order(
        reference=reference or new_reference(),
        description=(description or "").strip()[:200],
        total_amount=amount,
        customer_name=customer.name,
        customer_email=customer.email,
        customer_phone=customer.phone,
        allowed_methods=allowed_methods,
        success_url=success_url,
        cancel_url=cancel_url,
        extra=metadata or None,
        api_key_id=api_key_id,
        created_at=now,
        expires_at=now + timedelta(minutes=minutes),
    )
    for position, item in enumerate(items):
        order.items.append(OrderItem(position=position, sku=item.sku, name=item.name.strip(),
                                     unit_price=item.unit_price, quantity=item.quantity))
    db.session.add(order)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise InvalidRequest("An order with this reference already exists.", code="duplicate_reference",
                             fields={"reference": "Already used."}) from None
    audit.record(actor, "order.created", subject_type="order", subject_id=order.reference, after=order.status,
                 details={"total": amount})
    db.session.commit()
    log_context.bind(order=order.reference)
    metrics.session_created(allowed_methods)
    log.info("checkout session created: Rp %d, methods %s (%s)", amount, ",".join(allowed_methods or ["any"]),
             actor.split(":", 1)[0])
    return order


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def remember_customer_locale(order: Order, locale: str) -> None:
    """Note the language the customer pays in, for their receipt. Commits when it changed.

    A plain column write outside the order's version: it decides nothing about money.
    """
    if locale and order.customer_locale != locale:
        db.session.execute(update(Order).where(Order.id == order.id).values(customer_locale=locale)
                           .execution_options(synchronize_session=False))
        db.session.commit()
        set_committed_value(order, "customer_locale", locale)
