"""How long rejected notifications are kept.

A rejected delivery (bad signature, malformed, oversize) is kept so the owner can see
who is knocking and why, but nothing a stranger sends may pile up for ever: rows older
than ``NOTIFICATION_RETENTION_DAYS`` are deleted. Verified notifications are part of a
payment's history and are never purged here.

``purge_rejected`` is safe to run on several machines at once (each batch deletes by
id and condition; a row another run already deleted is simply not there).
"""
from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, select

from checkout.extensions import db
from checkout.models import Notification
from checkout.timeutil import utcnow

BATCH = 1000  # rows per transaction, so a big purge never holds long locks


def purge_rejected(*, now: datetime | None = None, batch: int = BATCH) -> int:
    """Delete rejected notifications received before the retention window; commits per
    batch; returns how many rows were deleted."""
    days = int(current_app.config.get("NOTIFICATION_RETENTION_DAYS", 30))
    cutoff = (now or utcnow()) - timedelta(days=days)
    stale = (Notification.outcome == "rejected", Notification.received_at < cutoff)
    deleted = 0
    while True:
        ids = list(db.session.scalars(select(Notification.id).where(*stale).order_by(Notification.id).limit(batch)))
        if not ids:
            break
        deleted += db.session.execute(
            delete(Notification).where(Notification.id.in_(ids), *stale).execution_options(synchronize_session=False)
        ).rowcount
        db.session.commit()
        if len(ids) < batch:
            break
    return deleted
