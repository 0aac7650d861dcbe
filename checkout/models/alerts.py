"""Owner alerts: one row per cause (kind + subject), opened, resolved and reopened in place."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from checkout.extensions import db
from checkout.timeutil import utcnow


class Alert(db.Model):
    __tablename__ = "alerts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # "<kind>:<subject>", unique: the same cause never makes a second row, it reopens this one.
    cause_key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(40), index=True)
    subject: Mapped[str] = mapped_column(String(150))
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)  # open | resolved
    details: Mapped[dict | None] = mapped_column(db.JSON)
    occurrences: Mapped[int] = mapped_column(Integer, default=1)
    first_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    opened_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None]
    resolved_by: Mapped[str | None] = mapped_column(String(120))
    # When the owner was last told (mail and webhook); the cool-down is measured from here.
    last_notified_at: Mapped[datetime | None]
