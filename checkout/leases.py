"""Leased work rows: how several workers, on several machines, share a queue table.

A queue row (a webhook delivery, a queued mail) has ``status``, ``next_attempt_at``,
``locked_until`` and ``locked_by``. A worker *claims* a due row by setting the lease with a
conditional UPDATE that only succeeds if nobody holds it, and commits before doing the
slow part, so no transaction stays open meanwhile. On PostgreSQL candidates are picked
``FOR UPDATE SKIP LOCKED`` so workers do not even queue on each other. A worker that dies
loses its lease when ``locked_until`` passes; one that stops hands its leases back.
"""
from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import Select, update
from sqlalchemy.exc import OperationalError

from checkout.extensions import db
from checkout.timeutil import utcnow

log = logging.getLogger(__name__)


def free(model, now):
    """The row is not leased, or its lease has run out."""
    return (model.locked_until.is_(None)) | (model.locked_until < now)


def claim_next(model, candidates: Select, worker: str, lease: timedelta) -> int | None:
    """Lease the first row of ``candidates`` (a SELECT of ``model.id``, due rows, in order)
    that nobody holds, for ``worker``. Commits. Returns its id, or None."""
    now = utcnow()
    try:
        if db.session.get_bind().dialect.name == "postgresql":
            ids = list(db.session.scalars(candidates.limit(1).with_for_update(skip_locked=True, of=model)))
        else:
            ids = list(db.session.scalars(candidates.limit(5)))
            # End the read before writing: SQLite cannot upgrade a stale read snapshot.
            db.session.commit()
        for row_id in ids:
            taken = db.session.execute(
                update(model).where(model.id == row_id, model.status == "pending", free(model, now))
                .values(locked_until=now + lease, locked_by=worker).execution_options(synchronize_session=False)
            ).rowcount
            db.session.commit()
            if taken == 1:
                return row_id
        db.session.commit()
    except OperationalError:
        db.session.rollback()
        log.warning("could not claim a %s row (database busy); will retry", model.__tablename__, exc_info=True)
    return None


def release(model, worker: str) -> int:
    """Hand back every pending row ``worker`` holds. Commits; returns how many."""
    released = db.session.execute(
        update(model).where(model.locked_by == worker, model.status == "pending")
        .values(locked_until=None, locked_by=None).execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return released
