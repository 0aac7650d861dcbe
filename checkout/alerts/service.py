"""Opening, resolving and listing alerts. Callers own the transaction (except ``resolve``).

Once per cause, with a cool-down: a cause that is already open only counts another
occurrence; a resolved cause that comes back is reopened, and the owner is told again
only if the last time was longer ago than ``ALERT_COOLDOWN_SECONDS``. Every step is a
single conditional statement (``INSERT ... ON CONFLICT DO NOTHING``, ``UPDATE ... WHERE``),
so web workers, the worker and several machines can raise the same cause at once and
the owner still hears about it once.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from checkout import audit
from checkout.extensions import db
from checkout.models import Alert, ShopSettings
from checkout.timeutil import utcnow

log = logging.getLogger(__name__)


def open_alert(kind: str, subject: str, details: dict | None = None, *, now: datetime | None = None) -> Alert | None:
    """Record that ``kind`` happened for ``subject``; queue mail and webhook if it is news.

    Does not commit. Returns the alert when the owner is being told now, else None.
    """
    now = now or utcnow()
    subject = str(subject)[:150]
    key = f"{kind}:{subject}"[:200]
    insert = postgresql.insert if db.session.get_bind().dialect.name == "postgresql" else sqlite.insert
    created = db.session.execute(
        insert(Alert).values(cause_key=key, kind=kind, subject=subject, status="open", details=details,
                             occurrences=1, first_seen_at=now, opened_at=now, last_seen_at=now)
        .on_conflict_do_nothing(index_elements=["cause_key"]).returning(Alert.id)
    ).scalar() is not None
    news = created
    if not created:
        seen = dict(occurrences=Alert.occurrences + 1, last_seen_at=now,
                    details=details if details is not None else Alert.details)
        news = _update(Alert.cause_key == key, Alert.status == "resolved",
                       status="open", opened_at=now, resolved_at=None, resolved_by=None, **seen) == 1
        if not news:
            _update(Alert.cause_key == key, **seen)
    if not news:
        return None
    cooldown = timedelta(seconds=current_app.config.get("ALERT_COOLDOWN_SECONDS", 6 * 3600))
    if _update(Alert.cause_key == key, or_(Alert.last_notified_at.is_(None), Alert.last_notified_at <= now - cooldown),
               last_notified_at=now) != 1:
        log.info("alert %s reopened within its cool-down; the owner is not told again", key)
        return None
    alert = db.session.scalars(select(Alert).where(Alert.cause_key == key)
                               .execution_options(populate_existing=True)).one()
    from checkout.alerts.message import tell_owner

    tell_owner(alert)
    log.warning("alert opened: %s", key)
    return alert


def resolve(alert_id: int, *, actor: str) -> bool:
    """The owner (or a check) marks the alert resolved. Commits; True if this call did it."""
    now = utcnow()
    done = _update(Alert.id == alert_id, Alert.status == "open", status="resolved", resolved_at=now,
                   resolved_by=actor[:120]) == 1
    if done:
        alert = db.session.get(Alert, alert_id, populate_existing=True)
        audit.record(actor, "alert.resolved", subject_type="alert", subject_id=alert.cause_key)
    db.session.commit()
    return done


def resolve_cause(kind: str, subject: str, *, actor: str = "system:alerts") -> bool:
    """Resolve the open alert for this cause, if any. Does not commit."""
    key = f"{kind}:{str(subject)[:150]}"[:200]
    done = _update(Alert.cause_key == key, Alert.status == "open", status="resolved", resolved_at=utcnow(),
                   resolved_by=actor) == 1
    if done:
        audit.record(actor, "alert.resolved", subject_type="alert", subject_id=key)
    return done


def open_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Alert).where(Alert.status == "open")) or 0


def listing(*, status: str | None = None, limit: int = 200) -> list[Alert]:
    """Open alerts first, newest first."""
    query = select(Alert)
    if status in ("open", "resolved"):
        query = query.where(Alert.status == status)
    return list(db.session.scalars(query.order_by((Alert.status == "open").desc(), Alert.opened_at.desc(),
                                                  Alert.id.desc()).limit(limit)))


def recipients() -> tuple[list[str], str]:
    """Who is told, and where that list comes from ("environment", "settings" or "none")."""
    from_env = current_app.config.get("ALERT_EMAILS") or []
    if from_env:
        return list(from_env), "environment"
    row = db.session.get(ShopSettings, 1)
    saved = list(row.alert_emails or []) if row is not None else []
    return saved, ("settings" if saved else "none")


def save_recipients(addresses: list[str], *, actor: str) -> None:
    """Store the owner's alert addresses (ALERT_EMAILS still wins). Commits."""
    row = db.session.get(ShopSettings, 1)
    if row is None:
        row = ShopSettings(id=1)
        db.session.add(row)
    before = list(row.alert_emails or [])
    row.alert_emails = addresses
    audit.record(actor, "settings.alert_emails_changed", subject_type="settings", subject_id="alerts",
                 details={"before": before, "after": addresses})
    db.session.commit()


def _update(*conditions, **values) -> int:
    return db.session.execute(update(Alert).where(*conditions).values(**values)
                              .execution_options(synchronize_session=False)).rowcount
