"""Rupiah amounts: integers inside, Midtrans's strings outside.

Midtrans has no minor unit for IDR. Amounts live as ``int`` rupiah everywhere in the
simulator; floats never carry money. What clients send is parsed exactly (through
``Decimal``, never ``float`` arithmetic), and what the simulator answers is the two-decimal
string Midtrans uses ("150000.00"), which also feeds the signature key.
"""
from __future__ import annotations

from decimal import Decimal, InvalidOperation


class NotAnAmount(ValueError):
    """The value is not a number at all (a list, ``true``, ``"abc"``)."""


class FractionalAmount(ValueError):
    """The value is a number with a non-zero fraction (``150000.5``)."""


def parse_amount(value: object) -> int:
    """Read a JSON amount as integer rupiah.

    Accepts JSON integers, integral JSON numbers (``150000.0``) and numeric strings
    (``"150000"``, ``"150000.00"``): Midtrans itself writes amounts as "150000.00", and
    clients echo that back. A fraction that is not zero is refused, as Midtrans refuses
    decimals in IDR. Booleans are refused even though Python counts them as ints.
    """
    if isinstance(value, bool) or value is None:
        raise NotAnAmount(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        # json gives floats for 150000.0; repr round-trips, so Decimal sees the literal.
        text = repr(value)
    elif isinstance(value, str):
        text = value.strip()
    else:
        raise NotAnAmount(value)
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise NotAnAmount(value) from None
    if not number.is_finite():
        raise NotAnAmount(value)
    if number != number.to_integral_value():
        raise FractionalAmount(value)
    return int(number)


def midtrans_amount(rupiah: int) -> str:
    """``150000`` -> ``"150000.00"``: the form Midtrans answers and signs."""
    return f"{rupiah}.00"


def display(rupiah: int) -> str:
    """``150000`` -> ``"Rp 150.000"`` for the hosted pages."""
    return "Rp " + f"{rupiah:,}".replace(",", ".")
