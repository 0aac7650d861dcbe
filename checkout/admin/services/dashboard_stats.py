"""The numbers on the dashboard. Days and months are Jakarta's (WIB), amounts integer rupiah.

Aggregation over a period is done in Python from the few columns needed, so it reads the
same on SQLite and PostgreSQL (no dialect-specific date functions); a shop's month of
payments is small enough for that.
"""
from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select

from checkout.admin.services.transaction_search import jakarta_day_start
from checkout.extensions import db
from checkout.models import Order, PaymentAttempt
from checkout.payments.states import GAVE_UP, LIVE_VALUES, MONEY_RECEIVED, OrderStatus, PaymentStatus
from checkout.timeutil import to_jakarta, utcnow

PERIODS = ("today", "7d", "month", "30d")
CHART_DAYS = 14


@dataclass(frozen=True)
class MethodTotal:
    method: str
    count: int
    amount: int


@dataclass(frozen=True)
class DayTotal:
    day: date
    amount: int


@dataclass(frozen=True)
class DashboardStats:
    period: str
    start: datetime
    paid_today: int
    paid_month: int
    paid_in_period: int
    paid_count: int
    finished_count: int
    success_rate: float | None  # 0..1; None when nothing finished in the period
    median_seconds_to_pay: float | None
    by_method: list[MethodTotal]
    by_day: list[DayTotal]
    pending_attempts: int
    open_orders: int
    challenged: int
    flagged: int


def today_jakarta() -> date:
    return to_jakarta(utcnow()).date()


def period_start(period: str) -> datetime:
    today = today_jakarta()
    if period == "today":
        return jakarta_day_start(today)
    if period == "7d":
        return jakarta_day_start(today - timedelta(days=6))
    if period == "30d":
        return jakarta_day_start(today - timedelta(days=29))
    return jakarta_day_start(today.replace(day=1))


def _paid_since(start: datetime) -> int:
    return int(db.session.scalar(
        select(func.coalesce(func.sum(PaymentAttempt.paid_amount), 0))
        .where(PaymentAttempt.paid_at >= start, PaymentAttempt.status.in_([s.value for s in MONEY_RECEIVED]))
    ) or 0)


def compute(period: str = "month") -> DashboardStats:
    period = period if period in PERIODS else "month"
    start = period_start(period)
    today = today_jakarta()
    received = [s.value for s in MONEY_RECEIVED]

    paid_rows = db.session.execute(
        select(PaymentAttempt.paid_amount, PaymentAttempt.paid_at, PaymentAttempt.created_at,
               PaymentAttempt.payment_type, PaymentAttempt.method)
        .where(PaymentAttempt.paid_at >= start, PaymentAttempt.status.in_(received))
    ).all()
    by_method: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    waits = []
    for amount, paid_at, created_at, payment_type, method in paid_rows:
        bucket = by_method[payment_type or method]
        bucket[0] += 1
        bucket[1] += amount or 0
        waits.append(max((paid_at - created_at).total_seconds(), 0.0))

    outcomes = Counter(dict(db.session.execute(
        select(PaymentAttempt.status, func.count()).where(PaymentAttempt.created_at >= start)
        .group_by(PaymentAttempt.status)
    ).all()))
    paid_count = sum(outcomes[s] for s in received)
    finished = paid_count + sum(outcomes[s.value] for s in GAVE_UP)

    chart_start = jakarta_day_start(today - timedelta(days=CHART_DAYS - 1))
    per_day: dict[date, int] = defaultdict(int)
    for amount, paid_at in db.session.execute(
        select(PaymentAttempt.paid_amount, PaymentAttempt.paid_at)
        .where(PaymentAttempt.paid_at >= chart_start, PaymentAttempt.status.in_(received))
    ).all():
        per_day[to_jakarta(paid_at).date()] += amount or 0

    def count(*conditions) -> int:
        return int(db.session.scalar(select(func.count()).select_from(PaymentAttempt).where(*conditions)) or 0)

    return DashboardStats(
        period=period,
        start=start,
        paid_today=_paid_since(jakarta_day_start(today)),
        paid_month=_paid_since(jakarta_day_start(today.replace(day=1))),
        paid_in_period=sum(amount for _, amount in by_method.values()),
        paid_count=paid_count,
        finished_count=finished,
        success_rate=(paid_count / finished) if finished else None,
        median_seconds_to_pay=statistics.median(waits) if waits else None,
        by_method=sorted((MethodTotal(m, c, a) for m, (c, a) in by_method.items()), key=lambda t: -t.amount),
        by_day=[DayTotal(day, per_day.get(day, 0))
                for day in (today - timedelta(days=offset) for offset in range(CHART_DAYS - 1, -1, -1))],
        pending_attempts=count(PaymentAttempt.status.in_(LIVE_VALUES)),
        open_orders=int(db.session.scalar(select(func.count()).select_from(Order).where(Order.status == OrderStatus.OPEN)) or 0),
        challenged=count(PaymentAttempt.status == PaymentStatus.CHALLENGED),
        # A flagged payment that was refunded in full needs nothing more from the owner.
        flagged=count(PaymentAttempt.flag.is_not(None), PaymentAttempt.status != PaymentStatus.REFUNDED),
    )


def duration_words(seconds: float | None) -> str:
    """'45 s', '3 min 20 s', '2 h 5 min' (language-neutral units)."""
    if seconds is None:
        return "–"
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes, secs = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {secs} s" if secs else f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min" if minutes else f"{hours} h"
