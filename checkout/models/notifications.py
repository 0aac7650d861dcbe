"""Every delivery Midtrans makes to us, stored before anything is decided."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from checkout.extensions import db
from checkout.timeutil import utcnow


class Notification(db.Model):
    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    received_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    raw_body: Mapped[str] = mapped_column(Text)
    headers: Mapped[dict | None] = mapped_column(db.JSON)
    remote_addr: Mapped[str | None] = mapped_column(String(64))
    # Parsed claims (unverified until outcome says otherwise).
    midtrans_order_id: Mapped[str | None] = mapped_column(String(64), index=True)
    transaction_id: Mapped[str | None] = mapped_column(String(64), index=True)
    transaction_status: Mapped[str | None] = mapped_column(String(32))
    # received | applied | duplicate | ignored | rejected | mismatch | failed
    outcome: Mapped[str] = mapped_column(String(16), default="received", index=True)
    reason: Mapped[str | None] = mapped_column(String(200))
    attempt_id: Mapped[int | None] = mapped_column(ForeignKey("payment_attempts.id"), index=True)
    processed_at: Mapped[datetime | None]
