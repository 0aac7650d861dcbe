"""Factories for orders and payment attempts. They commit: tests see what a request would."""
from __future__ import annotations

import itertools
from datetime import timedelta

from checkout.extensions import db
from checkout.models import Order, OrderItem, PaymentAttempt
from checkout.payments.states import OrderStatus, PaymentStatus
from checkout.timeutil import utcnow

_counter = itertools.count(1)


def make_order(*, items=None, reference=None, status=OrderStatus.OPEN, expires_in=timedelta(hours=24), **fields) -> Order:
    items = items if items is not None else [("Kopi Susu", 25_000, 2), ("Roti Bakar", 20_000, 1)]
    order = Order(
        reference=reference or f"ORD-{next(_counter):05d}-{utcnow():%H%M%S%f}",
        description=fields.pop("description", "Test order"),
        total_amount=sum(price * qty for _, price, qty in items),
        status=status,
        expires_at=utcnow() + expires_in,
        **fields,
    )
    for position, (name, price, qty) in enumerate(items):
        order.items.append(OrderItem(position=position, name=name, unit_price=price, quantity=qty))
    db.session.add(order)
    db.session.commit()
    return order


def make_attempt(order: Order, *, method="qris", status=PaymentStatus.PENDING, expires_in=timedelta(minutes=15),
                 **fields) -> PaymentAttempt:
    number = len(order.attempts) + 1
    attempt = PaymentAttempt(
        order_id=order.id,
        number=number,
        midtrans_order_id=f"{order.reference}-{number}",
        method=method,
        environment=fields.pop("environment", "simulator"),
        status=status,
        gross_amount=order.total_amount,
        expires_at=utcnow() + expires_in,
        **fields,
    )
    db.session.add(attempt)
    db.session.commit()
    db.session.refresh(order)
    return attempt
