"""Finding orders for the transactions list and its CSV export.

One row per order (what the customer was asked to pay), with its payment attempts loaded
alongside. Filters combine: order status, payment method, attention flags, Jakarta date
range on creation, and a text search over our reference, the Midtrans order id, the
Midtrans transaction id and the customer.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import Select, exists, func, or_, select, true
from sqlalchemy.orm import selectinload

from checkout.admin.services.paging import PageNumbers
from checkout.extensions import db
from checkout.models import Order, PaymentAttempt
from checkout.payments.states import LIVE, PaymentStatus
from checkout.timeutil import JAKARTA

PER_PAGE = 25


@dataclass(frozen=True)
class TransactionFilter:
    status: str = ""
    method: str = ""
    flag: str = ""
    date_from: date | None = None
    date_to: date | None = None
    q: str = ""

    def query_args(self) -> dict:
        """The filter as URL query arguments (for pagination links and the CSV link)."""
        args = {"status": self.status, "method": self.method, "flag": self.flag, "q": self.q,
                "date_from": self.date_from.isoformat() if self.date_from else "",
                "date_to": self.date_to.isoformat() if self.date_to else ""}
        return {key: value for key, value in args.items() if value}


@dataclass(frozen=True)
class Totals:
    count: int
    paid: int
    refunded: int

    @property
    def net(self) -> int:
        return self.paid - self.refunded


@dataclass(frozen=True)
class Page(PageNumbers):
    orders: list[Order] = ()
    totals: Totals | None = None


def jakarta_day_start(day: date) -> datetime:
    """Midnight in Jakarta as the naive UTC the database stores."""
    return datetime.combine(day, time.min, tzinfo=JAKARTA).astimezone(timezone.utc).replace(tzinfo=None)


def _attempt_matches(*conditions) -> object:
    return exists().where(PaymentAttempt.order_id == Order.id, *conditions)


def _conditions(spec: TransactionFilter) -> list:
    conditions = []
    if spec.status:
        conditions.append(Order.status == spec.status)
    if spec.method == "qris":
        conditions.append(_attempt_matches(or_(PaymentAttempt.method == "qris", PaymentAttempt.payment_type == "qris")))
    elif spec.method == "snap":
        conditions.append(_attempt_matches(PaymentAttempt.method == "snap"))
    elif spec.method:
        conditions.append(_attempt_matches(PaymentAttempt.payment_type == spec.method))
    if spec.flag == "attention":
        conditions.append(_attempt_matches(PaymentAttempt.flag.is_not(None)))
    elif spec.flag == "challenged":
        conditions.append(_attempt_matches(PaymentAttempt.status == PaymentStatus.CHALLENGED))
    elif spec.flag:
        conditions.append(_attempt_matches(PaymentAttempt.flag == spec.flag))
    if spec.date_from:
        conditions.append(Order.created_at >= jakarta_day_start(spec.date_from))
    if spec.date_to:
        conditions.append(Order.created_at < jakarta_day_start(spec.date_to + timedelta(days=1)))
    text = (spec.q or "").strip()
    if text:
        conditions.append(or_(
            Order.reference.icontains(text, autoescape=True),
            Order.customer_email.icontains(text, autoescape=True),
            Order.customer_name.icontains(text, autoescape=True),
            _attempt_matches(or_(PaymentAttempt.midtrans_order_id.icontains(text, autoescape=True),
                                 PaymentAttempt.transaction_id.icontains(text, autoescape=True))),
        ))
    return conditions


def orders_query(spec: TransactionFilter) -> Select:
    """Newest first, attempts loaded (works with yield_per for streaming)."""
    return (select(Order).where(true(), *_conditions(spec))
            .options(selectinload(Order.attempts))
            .order_by(Order.created_at.desc(), Order.id.desc()))


def totals(spec: TransactionFilter) -> Totals:
    row = db.session.execute(
        select(func.count(Order.id), func.coalesce(func.sum(Order.paid_amount), 0),
               func.coalesce(func.sum(Order.refunded_amount), 0)).where(true(), *_conditions(spec))
    ).one()
    return Totals(int(row[0]), int(row[1]), int(row[2]))


def page(spec: TransactionFilter, number: int, per_page: int = PER_PAGE) -> Page:
    summary = totals(spec)
    at = PageNumbers.of(number, summary.count, per_page)
    orders = list(db.session.scalars(orders_query(spec).limit(per_page).offset(at.offset(per_page))))
    return Page(at.number, at.pages, orders=orders, totals=summary)


def row_version(order: Order) -> str:
    """Changes whenever anything a list row shows changes (the poll answers 204 otherwise)."""
    return f"{order.version}.{len(order.attempts)}." + ".".join(str(a.version) for a in order.attempts)


def is_live(order: Order) -> bool:
    """Still worth polling: open, or some attempt awaiting Midtrans."""
    return order.status == "open" or any(a.status in LIVE for a in order.attempts)


def headline_attempt(order: Order) -> PaymentAttempt | None:
    """The attempt a list row describes: the one that received money, else the newest."""
    for attempt in order.attempts:
        if attempt.paid_at is not None:
            return attempt
    return order.attempts[-1] if order.attempts else None


def find_order(key: str) -> Order | None:
    """By our reference, a Midtrans order id (reference-N), or the numeric id."""
    order = db.session.scalar(select(Order).where(Order.reference == key))
    if order is None:
        attempt = db.session.scalar(select(PaymentAttempt).where(PaymentAttempt.midtrans_order_id == key))
        if attempt is not None:
            order = attempt.order
    if order is None and key.isdigit() and len(key) < 12:
        order = db.session.get(Order, int(key))
    return order
