"""Time as Midtrans shows it: Jakarta wall-clock strings over epoch seconds.

Internally every instant is a float of seconds since the epoch (``time.time()``), which
orders correctly, stores in SQLite as REAL and compares across processes. Only the edges
turn instants into Midtrans's ``"YYYY-MM-DD HH:MM:SS"`` strings, always in Jakarta time
(UTC+7, no daylight saving), or parse the ``order_time`` / ``start_time`` strings that
clients send.
"""
from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

JAKARTA = timezone(timedelta(hours=7), "WIB")

_UNIT_SECONDS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}


def now() -> float:
    """The current instant. The one place the simulator reads the wall clock."""
    return time.time()


def jakarta(ts: float) -> str:
    """Format an instant as Midtrans does: ``2026-11-21 10:00:00`` in Jakarta time."""
    return datetime.fromtimestamp(ts, JAKARTA).strftime("%Y-%m-%d %H:%M:%S")


def parse_order_time(value: str) -> float:
    """Parse ``"2026-11-21 10:00:00 +0700"`` (the offset may be omitted: Jakarta).

    Raises ``ValueError`` for anything else; callers turn that into a validation message.
    """
    value = value.strip()
    for fmt in ("%Y-%m-%d %H:%M:%S %z", "%Y-%m-%d %H:%M:%S"):
        try:
            parsed = datetime.strptime(value, fmt)
        except ValueError:
            continue
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=JAKARTA)
        if not 1970 < parsed.year < 9000:
            break  # outside what can be stored and printed back
        return parsed.timestamp()
    raise ValueError(f"not a Midtrans time: {value!r}")


def unit_seconds(unit: str) -> int | None:
    """Seconds in a Midtrans expiry unit (``minute`` or ``minutes``, any case), else None."""
    unit = unit.strip().lower()
    if unit.endswith("s") and unit[:-1] in _UNIT_SECONDS:
        unit = unit[:-1]
    return _UNIT_SECONDS.get(unit)
