"""Money is an integer number of rupiah. This module is the one place that formats it."""
from __future__ import annotations

from decimal import Decimal, InvalidOperation


def format_rupiah(amount: int) -> str:
    """150000 -> 'Rp 150.000' (Indonesian thousands separator, no decimals)."""
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise TypeError("rupiah amounts are integers")
    sign = "-" if amount < 0 else ""
    return f"{sign}Rp {abs(amount):,}".replace(",", ".")


def gateway_amount(amount: int) -> str:
    """The two-decimal string Midtrans uses for gross_amount: 150000 -> '150000.00'."""
    return f"{int(amount)}.00"


MAX_GATEWAY_DIGITS = 16  # far above any payment; keeps hostile exponents out of int()


def parse_gateway_amount(value: object) -> int | None:
    """Midtrans's '150000.00' (or 150000) -> 150000; None if it is not whole rupiah."""
    if isinstance(value, bool) or not isinstance(value, (str, int, Decimal)):
        return None
    try:
        amount = Decimal(str(value)[:40])
    except (InvalidOperation, ValueError):
        return None
    # Infinity, NaN and "1e999999999" (whose int() would take the process's memory) are not money.
    if not amount.is_finite() or amount.adjusted() >= MAX_GATEWAY_DIGITS or amount != amount.to_integral_value():
        return None
    return int(amount)


def parse_rupiah_input(text: str) -> int | None:
    """A person's amount ('150000', '150.000', 'Rp 150.000') -> 150000, else None."""
    cleaned = (text or "").strip().removeprefix("Rp").strip().replace(".", "").replace(" ", "")
    if not cleaned.isdigit():
        return None
    return int(cleaned)
