"""Writing mail into the queue, inside the caller's transaction (see ``checkout.mail``)."""
from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.dialects import postgresql, sqlite

from checkout.extensions import db
from checkout.models import MailMessage
from checkout.timeutil import utcnow

MAX_SUBJECT = 250


def enqueue(to: str | Iterable[str], subject: str, text: str, html: str | None = None, *, category: str,
            dedupe_key: str | None = None) -> MailMessage | None:
    """Queue one message to ``to`` (one address or several). Does not commit.

    Returns the new row, or None if there is no recipient or ``dedupe_key`` was used before.
    """
    recipients = [to] if isinstance(to, str) else list(to)
    recipients = [address.strip() for address in recipients if address and address.strip()]
    if not recipients:
        return None
    now = utcnow()
    values = dict(category=category[:40], to_addresses=recipients, subject=_one_line(subject)[:MAX_SUBJECT],
                  text_body=text, html_body=html, dedupe_key=dedupe_key, status="pending", attempts=0,
                  next_attempt_at=now, created_at=now)
    if dedupe_key is None:
        message = MailMessage(**values)
        db.session.add(message)
        db.session.flush()
        return message
    # ON CONFLICT DO NOTHING instead of a read-then-insert: two processes queueing the same
    # key at once must not both send, and a unique violation must never abort the caller's
    # transaction (which may be recording a payment).
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = (insert(MailMessage).values(**values).on_conflict_do_nothing(index_elements=["dedupe_key"])
            .returning(MailMessage.id))
    new_id = db.session.execute(stmt).scalar()
    return db.session.get(MailMessage, new_id) if new_id is not None else None


def _one_line(text: str) -> str:
    """Header injection is impossible anyway with the email package, but keep subjects tidy."""
    return " ".join(text.split())
