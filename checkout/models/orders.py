"""An order: what the customer pays for. Its total is integer rupiah equal to its items."""
from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from checkout.extensions import db
from checkout.payments.states import OrderStatus
from checkout.timeutil import utcnow


def new_public_id() -> str:
    """128 random bits, URL-safe: the unguessable part of a checkout link."""
    return secrets.token_urlsafe(16)


class Order(db.Model):
    __tablename__ = "orders"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True, default=new_public_id)
    reference: Mapped[str] = mapped_column(String(40), unique=True)
    description: Mapped[str] = mapped_column(String(200), default="")
    currency: Mapped[str] = mapped_column(String(3), default="IDR")
    total_amount: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(24), default=OrderStatus.OPEN, index=True)
    customer_name: Mapped[str | None] = mapped_column(String(120))
    customer_email: Mapped[str | None] = mapped_column(String(254))
    customer_phone: Mapped[str | None] = mapped_column(String(32))
    # The language the customer last paid in ("id" or "en"): their receipt is written in it.
    customer_locale: Mapped[str | None] = mapped_column(String(8))
    allowed_methods: Mapped[list | None] = mapped_column(db.JSON)
    success_url: Mapped[str | None] = mapped_column(Text)
    cancel_url: Mapped[str | None] = mapped_column(Text)
    extra: Mapped[dict | None] = mapped_column("metadata", db.JSON)
    api_key_id: Mapped[int | None] = mapped_column(ForeignKey("api_keys.id"))
    paid_amount: Mapped[int] = mapped_column(BigInteger, default=0)
    refunded_amount: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    expires_at: Mapped[datetime]
    paid_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(Integer, default=1)

    items: Mapped[list["OrderItem"]] = relationship(
        back_populates="order", cascade="all, delete-orphan", order_by="OrderItem.position"
    )
    attempts: Mapped[list["PaymentAttempt"]] = relationship(  # noqa: F821
        back_populates="order", order_by="PaymentAttempt.number"
    )

    @property
    def items_total(self) -> int:
        return sum(item.line_total for item in self.items)


class OrderItem(db.Model):
    __tablename__ = "order_items"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    sku: Mapped[str | None] = mapped_column(String(50))
    name: Mapped[str] = mapped_column(String(50))
    unit_price: Mapped[int] = mapped_column(BigInteger)
    quantity: Mapped[int] = mapped_column(Integer)

    order: Mapped[Order] = relationship(back_populates="items")

    @property
    def line_total(self) -> int:
        return self.unit_price * self.quantity
