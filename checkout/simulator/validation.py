"""Reading what merchants send: transaction details, items, expiry, echoed fields.

Midtrans answers every problem in one go (``validation_messages`` lists them all), so
the parsers here collect messages instead of stopping at the first. Core API and Snap
share them; they differ only where Midtrans differs: Snap does not enforce the
documented order_id character set (the official client's own tests send spaces and
colons), the Core API does.

Nothing is stricter than Midtrans: numeric strings and integral numbers pass as amounts,
an order_id sent as a JSON number is read as its digits, unknown fields are ignored.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from . import clock
from .money import FractionalAmount, NotAnAmount, parse_amount

ORDER_ID_MAX = 50
# Far beyond any real payment, and inside SQLite's 64-bit integers even when summed.
MAX_AMOUNT = 10**15
MAX_EXPIRY_SECONDS = 10 * 366 * 86400  # keeps expiry dates printable
LATEST_INSTANT = 253_370_764_800.0  # 9999-01-01 UTC
ITEM_NAME_MAX = 50
ORDER_ID_CHARACTERS = re.compile(r"^[A-Za-z0-9\-_~.]+$")
ECHOED_FIELDS = ("metadata", "custom_field1", "custom_field2", "custom_field3")


@dataclass
class OrderRequest:
    """The method-independent part of a charge or Snap request."""

    order_id: str
    gross_amount: int
    items: list[dict] = field(default_factory=list)
    customer: dict | None = None
    expiry: tuple[float, int] | None = None  # (start instant, duration in seconds)
    echo: dict = field(default_factory=dict)

    @property
    def expires_at(self) -> float | None:
        if self.expiry is None:
            return None
        start, seconds = self.expiry
        return start + seconds


class Invalid(ValueError):
    def __init__(self, messages: list[str]):
        super().__init__("; ".join(messages))
        self.messages = messages


def parse_order(body: dict, *, strict_order_id: bool, now: float) -> OrderRequest:
    """Validate ``transaction_details``, ``item_details``, ``custom_expiry`` and echoes."""
    messages: list[str] = []
    details = body.get("transaction_details")
    if details is None:
        details = {}
    if not isinstance(details, dict):
        messages.append("transaction_details must be an object")
        details = {}
    order_id = _order_id(details.get("order_id"), strict_order_id, messages)
    gross = _amount("transaction_details.gross_amount", details.get("gross_amount"), messages, positive=True)
    items = _items(body.get("item_details"), messages)
    if gross is not None and items is not None and items:
        total = sum(item["price"] * item["quantity"] for item in items)
        if total != gross:
            messages.append("transaction_details.gross_amount is not equal to the sum of item_details")
    expiry = _custom_expiry(body.get("custom_expiry"), now, messages)
    customer = body.get("customer_details")
    if customer is not None and not isinstance(customer, dict):
        messages.append("customer_details must be an object")
    echo = {}
    for name in ECHOED_FIELDS:
        if body.get(name) is not None:
            echo[name] = body[name]
    if messages:
        raise Invalid(messages)
    return OrderRequest(order_id, gross, items or [], customer, expiry, echo)


def _order_id(value: object, strict: bool, messages: list[str]) -> str | None:
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if value is None or value == "":
        messages.append("transaction_details.order_id is required")
        return None
    if not isinstance(value, str):
        messages.append("transaction_details.order_id must be a string")
        return None
    if len(value) > ORDER_ID_MAX:
        messages.append(f"transaction_details.order_id must be no more than {ORDER_ID_MAX} characters")
    if strict and not ORDER_ID_CHARACTERS.match(value):
        messages.append(
            "transaction_details.order_id may only contain letters, numbers, '-', '_', '~' and '.'"
        )
    return value


def _amount(name: str, value: object, messages: list[str], *, positive: bool) -> int | None:
    if value is None or value == "":
        messages.append(f"{name} is required")
        return None
    try:
        amount = parse_amount(value)
    except NotAnAmount:
        messages.append(f"{name} is not a number")
        return None
    except FractionalAmount:
        messages.append(f"{name} must not have decimal places for IDR")
        return None
    if positive and amount <= 0:
        messages.append(f"{name} must be greater than or equal to 0.01")
        return None
    if abs(amount) > MAX_AMOUNT:
        messages.append(f"{name} is too large")
        return None
    return amount


def _items(value: object, messages: list[str]) -> list[dict] | None:
    """Items as ``{id, name, price, quantity}``; None when any is unusable."""
    if value is None:
        return []
    if not isinstance(value, list):
        messages.append("item_details must be an array")
        return None
    items, usable = [], True
    for index, raw in enumerate(value):
        where = f"item_details[{index}]"
        if not isinstance(raw, dict):
            messages.append(f"{where} must be an object")
            usable = False
            continue
        # Item prices may be negative (a discount line), so only "is a whole number" is checked.
        price = _amount(f"{where}.price", raw.get("price"), messages, positive=False)
        quantity = _quantity(where, raw.get("quantity"), messages)
        name = raw.get("name")
        if name is None or name == "":
            messages.append(f"{where}.name is required")
        elif not isinstance(name, str):
            messages.append(f"{where}.name must be a string")
        elif len(name) > ITEM_NAME_MAX:
            messages.append(f"{where}.name must be no more than {ITEM_NAME_MAX} characters")
        if price is None or quantity is None:
            usable = False
            continue
        items.append({"id": raw.get("id"), "name": name, "price": price, "quantity": quantity})
    return items if usable else None


def _quantity(where: str, value: object, messages: list[str]) -> int | None:
    if value is None:
        messages.append(f"{where}.quantity is required")
        return None
    try:
        quantity = parse_amount(value)
    except (NotAnAmount, FractionalAmount):
        messages.append(f"{where}.quantity must be an integer")
        return None
    if quantity < 1:
        messages.append(f"{where}.quantity must be greater than or equal to 1")
        return None
    if quantity > MAX_AMOUNT:
        messages.append(f"{where}.quantity is too large")
        return None
    return quantity


def _custom_expiry(value: object, now: float, messages: list[str]) -> tuple[float, int] | None:
    """``{"order_time": "...", "expiry_duration": 15, "unit": "minute"}`` -> (start, seconds)."""
    if value is None:
        return None
    if not isinstance(value, dict):
        messages.append("custom_expiry must be an object")
        return None
    return parse_expiry(value, "custom_expiry", "order_time", "expiry_duration", now, messages)


def parse_expiry(
    value: dict, prefix: str, start_key: str, duration_key: str, now: float, messages: list[str]
) -> tuple[float, int] | None:
    """Shared by Core ``custom_expiry`` and Snap ``expiry`` (``start_time``/``duration``)."""
    count = len(messages)
    start = now
    if value.get(start_key) not in (None, ""):
        try:
            start = clock.parse_order_time(str(value[start_key]))
        except ValueError:
            messages.append(f"{prefix}.{start_key} must be in 'yyyy-MM-dd HH:mm:ss Z' format")
    duration = value.get(duration_key)
    try:
        duration = parse_amount(duration)
    except (NotAnAmount, FractionalAmount):
        messages.append(f"{prefix}.{duration_key} must be an integer")
        duration = None
    if duration is not None and duration < 1:
        messages.append(f"{prefix}.{duration_key} must be greater than or equal to 1")
    unit = clock.unit_seconds(str(value.get("unit", "")))
    if unit is None:
        messages.append(f"{prefix}.unit must be one of second, minute, hour, day")
    if len(messages) > count or duration is None or unit is None:
        return None
    if duration * unit > MAX_EXPIRY_SECONDS or start + duration * unit > LATEST_INSTANT:
        messages.append(f"{prefix}.{duration_key} is too large")
        return None
    return start, duration * unit
