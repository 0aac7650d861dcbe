"""Time. The database stores naive UTC everywhere; people see Jakarta time (WIB, UTC+7)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from babel.dates import format_datetime

JAKARTA = timezone(timedelta(hours=7), "WIB")


def utcnow() -> datetime:
    """Naive UTC, the form every timestamp column holds on SQLite and PostgreSQL alike."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


def to_jakarta(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment.replace(tzinfo=timezone.utc).astimezone(JAKARTA)


def format_jakarta(moment: datetime | None) -> str:
    local = to_jakarta(moment)
    return local.strftime("%d %b %Y %H:%M WIB") if local else ""


def format_jakarta_for(moment: datetime | None, locale) -> str:
    """Jakarta time with the month named in ``locale`` ("1 Desember 2026, 10.30 WIB")."""
    if moment is None:
        return ""
    aware = moment.replace(tzinfo=timezone.utc)
    return format_datetime(aware, "d MMMM y, HH:mm", tzinfo=JAKARTA, locale=str(locale)) + " WIB"


def parse_gateway_time(text: str | None) -> datetime | None:
    """Midtrans's 'YYYY-MM-DD HH:MM:SS' (Jakarta time) -> naive UTC."""
    if not text or not isinstance(text, str):
        return None
    try:
        local = datetime.strptime(text[:19], "%Y-%m-%d %H:%M:%S").replace(tzinfo=JAKARTA)
    except ValueError:
        return None
    return local.astimezone(timezone.utc).replace(tzinfo=None)


def gateway_time(moment: datetime) -> str:
    """Naive UTC -> Midtrans's '2026-11-21 10:00:00 +0700'."""
    return to_jakarta(moment).strftime("%Y-%m-%d %H:%M:%S %z")
