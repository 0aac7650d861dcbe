"""Rejected notifications, listed for the owner as what they are: unverified.

A delivery whose signature did not check out proves nothing about the order it names,
so it is never attached to that order's timeline; the owner sees it here instead (who
sent it, why it was refused, the start of its body), newest first, a page at a time.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from checkout.admin.services.paging import PageNumbers
from checkout.admin.services.timeline import pretty_json
from checkout.extensions import db
from checkout.models import Notification

PER_PAGE = 20
UNVERIFIED = Notification.outcome == "rejected"


@dataclass(frozen=True)
class UnverifiedNotification:
    id: int
    received_at: datetime
    remote_addr: str | None
    user_agent: str | None
    reason: str | None
    claimed_order_id: str | None
    body: str


@dataclass(frozen=True)
class UnverifiedPage(PageNumbers):
    items: list[UnverifiedNotification] = ()
    total: int = 0


def page(number: int, per_page: int = PER_PAGE) -> UnverifiedPage:
    """One page of rejected notifications, newest first (a page number out of range is
    brought back within the pages that exist)."""
    total = int(db.session.scalar(select(func.count(Notification.id)).where(UNVERIFIED)) or 0)
    at = PageNumbers.of(number, total, per_page)
    rows = db.session.execute(
        select(Notification.id, Notification.received_at, Notification.remote_addr, Notification.headers,
               Notification.reason, Notification.midtrans_order_id, Notification.raw_body)
        .where(UNVERIFIED).order_by(Notification.received_at.desc(), Notification.id.desc())
        .limit(per_page).offset(at.offset(per_page))
    ).all()
    items = [UnverifiedNotification(id=row.id, received_at=row.received_at, remote_addr=row.remote_addr,
                                    user_agent=(row.headers or {}).get("User-Agent") if isinstance(row.headers, dict)
                                    else None,
                                    reason=row.reason, claimed_order_id=row.midtrans_order_id,
                                    body=pretty_json(row.raw_body or ""))
             for row in rows]
    return UnverifiedPage(at.number, at.pages, items=items, total=total)
