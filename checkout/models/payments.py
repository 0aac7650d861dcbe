"""A payment attempt: one Midtrans transaction for an order, with its own Midtrans order_id."""
from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from checkout.extensions import db
from checkout.payments.states import PaymentStatus
from checkout.timeutil import utcnow


class PaymentAttempt(db.Model):
    __tablename__ = "payment_attempts"
    __table_args__ = (UniqueConstraint("order_id", "number", name="uq_payment_attempts_order_number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    # Our order reference + attempt number, so a new QR never collides with an old one.
    midtrans_order_id: Mapped[str] = mapped_column(String(50), unique=True)
    # "qris" (inline), "snap" (redirect) or "gopay"/"shopeepay" (the wallet app, by deeplink)
    method: Mapped[str] = mapped_column(String(16))
    environment: Mapped[str] = mapped_column(String(16))  # simulator | sandbox | production
    status: Mapped[str] = mapped_column(String(24), default=PaymentStatus.PENDING, index=True)
    gross_amount: Mapped[int] = mapped_column(BigInteger)
    paid_amount: Mapped[int] = mapped_column(BigInteger, default=0)
    refunded_amount: Mapped[int] = mapped_column(BigInteger, default=0)
    # Refunds asked of Midtrans but not yet answered; reserved atomically so two
    # concurrent refunds can never together exceed what was paid.
    refund_reserved_amount: Mapped[int] = mapped_column(BigInteger, default=0)

    # What Midtrans said last.
    transaction_id: Mapped[str | None] = mapped_column(String(64), index=True)
    gateway_status: Mapped[str | None] = mapped_column(String(32))
    fraud_status: Mapped[str | None] = mapped_column(String(16))
    payment_type: Mapped[str | None] = mapped_column(String(32))
    last_gateway_response: Mapped[dict | None] = mapped_column(db.JSON)
    # Set once the charge call has returned (record before you call: NULL means "in flight or crashed").
    gateway_answered_at: Mapped[datetime | None]
    failure_reason: Mapped[str | None] = mapped_column(String(200))

    # What the customer needs to pay.
    qr_string: Mapped[str | None] = mapped_column(Text)
    qr_png: Mapped[bytes | None] = mapped_column(LargeBinary)
    va_numbers: Mapped[list | None] = mapped_column(db.JSON)
    # QRIS: the merchant name the customer's app will show (field 59 of the QR payload).
    merchant_name: Mapped[str | None] = mapped_column(String(50))
    # A Snap payment waiting for the customer's transfer: bank and VA number, Mandiri bill
    # key, or store payment code, as Midtrans reported them (see payments/pay_instructions.py).
    pay_instructions: Mapped[dict | None] = mapped_column(db.JSON)
    snap_token: Mapped[str | None] = mapped_column(String(64))
    # Where the customer goes to pay: the Snap page, or a wallet app's deeplink.
    redirect_url: Mapped[str | None] = mapped_column(Text)

    # Owner attention: "paid_late", "amount_mismatch", "reversed", "duplicate_payment".
    flag: Mapped[str | None] = mapped_column(String(32), index=True)

    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    expires_at: Mapped[datetime]
    paid_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    last_notification_at: Mapped[datetime | None]
    # The poll claim: one status check per attempt per interval across every worker.
    last_checked_at: Mapped[datetime | None]
    check_failures: Mapped[int] = mapped_column(Integer, default=0)
    # Optimistic concurrency: every state change is UPDATE ... WHERE version = :seen.
    version: Mapped[int] = mapped_column(Integer, default=1)

    order: Mapped["Order"] = relationship(back_populates="attempts")  # noqa: F821

    @property
    def idempotency_key(self) -> str:
        """Derived from the row, so a retried charge after a crash reuses it.

        Midtrans ignores keys longer than 46 characters, hence a digest, not the order_id.
        """
        digest = hashlib.sha256(self.midtrans_order_id.encode()).hexdigest()
        return f"att-{digest[:40]}"


class Refund(db.Model):
    """A refund asked of Midtrans. Recorded before the call; refund_key makes retries safe."""

    __tablename__ = "refunds"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("payment_attempts.id"), index=True)
    refund_key: Mapped[str] = mapped_column(String(64), unique=True)
    amount: Mapped[int] = mapped_column(BigInteger)
    reason: Mapped[str] = mapped_column(String(255), default="")
    status: Mapped[str] = mapped_column(String(16), default="requested")  # requested|succeeded|failed
    actor: Mapped[str] = mapped_column(String(120))
    failure_reason: Mapped[str | None] = mapped_column(String(300))
    gateway_response: Mapped[dict | None] = mapped_column(db.JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    completed_at: Mapped[datetime | None]
