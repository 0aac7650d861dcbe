"""Reading the audit trail, and keeping it append-only.

Rows are written by ``checkout.audit.record`` with the change they describe. Nothing in
the app edits or deletes them: there are no routes for it, and the ORM refuses to flush
an update or delete of an ``AuditEvent`` (as well as bulk UPDATE/DELETE statements
aimed at it through the session).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import event, func, select, true
from sqlalchemy.orm import Session

from checkout.admin.services.paging import PageNumbers
from checkout.admin.services.transaction_search import jakarta_day_start
from checkout.extensions import db
from checkout.models import AuditEvent

PER_PAGE = 50


class AuditTrailIsAppendOnly(RuntimeError):
    """Raised when code tries to change or remove an audit event."""


@event.listens_for(AuditEvent, "before_update")
def _refuse_update(_mapper, _connection, target):
    raise AuditTrailIsAppendOnly(f"audit event {target.id} cannot be changed")


@event.listens_for(AuditEvent, "before_delete")
def _refuse_delete(_mapper, _connection, target):
    raise AuditTrailIsAppendOnly(f"audit event {target.id} cannot be deleted")


@event.listens_for(Session, "do_orm_execute")
def _refuse_bulk(state):
    if (state.is_update or state.is_delete) and any(
        getattr(mapper, "class_", None) is AuditEvent for mapper in state.all_mappers
    ):
        raise AuditTrailIsAppendOnly("audit events cannot be changed or deleted")


@dataclass(frozen=True)
class AuditFilter:
    actor: str = ""
    action: str = ""
    subject: str = ""
    date_from: date | None = None
    date_to: date | None = None

    def query_args(self) -> dict:
        args = {"actor": self.actor, "action": self.action, "subject": self.subject,
                "date_from": self.date_from.isoformat() if self.date_from else "",
                "date_to": self.date_to.isoformat() if self.date_to else ""}
        return {key: value for key, value in args.items() if value}


@dataclass(frozen=True)
class AuditPage(PageNumbers):
    events: list[AuditEvent] = ()
    total: int = 0


def _conditions(spec: AuditFilter) -> list:
    conditions = [true()]
    if spec.actor:
        conditions.append(AuditEvent.actor.icontains(spec.actor.strip(), autoescape=True))
    if spec.action:
        conditions.append(AuditEvent.action.icontains(spec.action.strip(), autoescape=True))
    if spec.subject:
        text = spec.subject.strip()
        conditions.append(AuditEvent.subject_id.icontains(text, autoescape=True)
                          | AuditEvent.subject_type.icontains(text, autoescape=True))
    if spec.date_from:
        conditions.append(AuditEvent.at >= jakarta_day_start(spec.date_from))
    if spec.date_to:
        conditions.append(AuditEvent.at < jakarta_day_start(spec.date_to + timedelta(days=1)))
    return conditions


def page(spec: AuditFilter, number: int, per_page: int = PER_PAGE) -> AuditPage:
    conditions = _conditions(spec)
    total = int(db.session.scalar(select(func.count(AuditEvent.id)).where(*conditions)) or 0)
    at = PageNumbers.of(number, total, per_page)
    events = list(db.session.scalars(select(AuditEvent).where(*conditions)
                                      .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
                                      .limit(per_page).offset(at.offset(per_page))))
    return AuditPage(at.number, at.pages, events=events, total=total)


def known_actions() -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action)))
