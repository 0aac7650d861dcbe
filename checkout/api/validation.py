"""Reading API request bodies: strict JSON, strict types, every wrong field named at once.

Shape and type problems are found here (422 ``invalid_request`` with ``fields``); business
rules (totals, references, expiry) stay in ``checkout.payments.orders`` so every way of
creating an order enforces the same ones.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from flask import current_app, request

from checkout import json_bodies

from checkout.api.errors import ApiError
from checkout.payments.orders import MAX_EXPIRY_MINUTES, Customer, NewItem

METHODS = ("qris", "snap")
MAX_ITEMS = 100
MAX_METADATA_BYTES = 4096
MAX_METADATA_KEYS = 50
MAX_METADATA_KEY_LENGTH = 40
MAX_URL_LENGTH = 2000
MAX_REASON = 255

SESSION_FIELDS = frozenset({"reference", "description", "items", "total", "currency", "customer",
                            "allowed_methods", "expires_in_minutes", "success_url", "cancel_url", "metadata"})
ITEM_FIELDS = frozenset({"name", "unit_price", "quantity", "sku"})
CUSTOMER_FIELDS = frozenset({"name", "email", "phone"})
REFUND_FIELDS = frozenset({"amount", "reason"})
CANCEL_FIELDS = frozenset({"reason"})
NUL_MESSAGE = "Must not contain a NUL character."


@dataclass(frozen=True)
class NewSession:
    items: list[NewItem]
    total: int
    reference: str | None
    description: str
    customer: Customer
    allowed_methods: list[str] | None
    expires_in_minutes: int | None
    success_url: str | None
    cancel_url: str | None
    metadata: dict | None


@dataclass(frozen=True)
class RefundRequest:
    amount: int | None
    reason: str


def json_body(*, allow_empty: bool = False) -> Any:
    """The parsed body. 400 for malformed JSON; an empty body is ``{}`` when allowed."""
    raw = request.get_data(cache=True)  # enforces the body-size cap (413)
    if not raw.strip():
        if allow_empty:
            return {}
        raise ApiError(400, "invalid_json", "The request body must be a JSON object.")
    try:
        return json_bodies.parse(raw, max_bytes=current_app.config.get("API_MAX_BODY", 64 * 1024))
    except json_bodies.UnreadableBody as unreadable:
        if unreadable.too_large:
            raise ApiError(413, "payload_too_large", "The request body is too large.") from None
        raise ApiError(400, "invalid_json", f"The request body is not valid JSON ({unreadable.reason}).") from None


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


class _Fields:
    """Collects field errors so the caller hears about every problem in one answer."""

    def __init__(self) -> None:
        self.errors: dict[str, str] = {}

    def add(self, name: str, message: str) -> None:
        self.errors.setdefault(name, message)

    def unknown(self, data: dict, allowed: frozenset, where: str = "") -> None:
        for name in sorted(set(data) - allowed):
            self.add(f"{where}{name}", "Unknown field.")

    def text(self, data: dict, name: str, *, max_length: int, required: bool = False, where: str = "") -> str | None:
        value = data.get(name)
        if value is None:
            if required:
                self.add(f"{where}{name}", "Required.")
            return None
        if not isinstance(value, str):
            self.add(f"{where}{name}", "Must be a string.")
            return None
        if "\x00" in value:
            self.add(f"{where}{name}", NUL_MESSAGE)
            return None
        if len(value) > max_length:
            self.add(f"{where}{name}", f"At most {max_length} characters.")
            return None
        if "\x00" in value:  # valid JSON, but no database text column can hold it
            self.add(f"{where}{name}", "Must not contain the NUL character.")
            return None
        if required and not value.strip():
            self.add(f"{where}{name}", "Required.")
            return None
        return value

    def integer(self, data: dict, name: str, *, required: bool = False, where: str = "") -> int | None:
        value = data.get(name)
        if value is None:
            if required:
                self.add(f"{where}{name}", "Required.")
            return None
        if not _is_int(value):
            self.add(f"{where}{name}", "Must be a whole number (integer rupiah, no decimals).")
            return None
        return value

    def raise_if_any(self) -> None:
        if self.errors:
            raise ApiError(422, "invalid_request", "Some fields are not valid.", fields=self.errors)


def _object(body: Any) -> dict:
    if not isinstance(body, dict):
        raise ApiError(422, "invalid_request", "The request body must be a JSON object.",
                       fields={"body": "Must be an object."})
    return body


def parse_new_session(body: Any) -> NewSession:
    data = _object(body)
    f = _Fields()
    f.unknown(data, SESSION_FIELDS)
    reference = f.text(data, "reference", max_length=40)
    description = f.text(data, "description", max_length=200) or ""
    total = f.integer(data, "total", required=True)
    currency = data.get("currency", "IDR")
    if currency != "IDR":
        f.add("currency", 'Only "IDR" is supported.')
    items = _items(data, f)
    customer = _customer(data, f)
    methods = _methods(data, f)
    expires = f.integer(data, "expires_in_minutes")
    if expires is not None and not 1 <= expires <= MAX_EXPIRY_MINUTES:
        f.add("expires_in_minutes", f"Between 1 and {MAX_EXPIRY_MINUTES}.")
    success_url = f.text(data, "success_url", max_length=MAX_URL_LENGTH)
    cancel_url = f.text(data, "cancel_url", max_length=MAX_URL_LENGTH)
    metadata = _metadata(data, f)
    f.raise_if_any()
    return NewSession(items=items, total=total, reference=reference, description=description, customer=customer,
                      allowed_methods=methods, expires_in_minutes=expires, success_url=success_url,
                      cancel_url=cancel_url, metadata=metadata)


def _items(data: dict, f: _Fields) -> list[NewItem]:
    raw = data.get("items")
    if not isinstance(raw, list) or not raw:
        f.add("items", "At least one item is required.")
        return []
    if len(raw) > MAX_ITEMS:
        f.add("items", f"At most {MAX_ITEMS} items.")
        return []
    items = []
    for index, entry in enumerate(raw):
        where = f"items[{index}]."
        if not isinstance(entry, dict):
            f.add(f"items[{index}]", "Must be an object.")
            continue
        f.unknown(entry, ITEM_FIELDS, where)
        name = f.text(entry, "name", max_length=50, required=True, where=where)
        price = f.integer(entry, "unit_price", required=True, where=where)
        quantity = f.integer(entry, "quantity", where=where)
        if quantity is not None and quantity < 1:
            f.add(f"{where}quantity", "At least 1.")
        sku = f.text(entry, "sku", max_length=50, where=where)
        if name is not None and price is not None:
            items.append(NewItem(name=name, unit_price=price, quantity=1 if quantity is None else quantity, sku=sku))
    return items


def _customer(data: dict, f: _Fields) -> Customer:
    raw = data.get("customer")
    if raw is None:
        return Customer()
    if not isinstance(raw, dict):
        f.add("customer", "Must be an object.")
        return Customer()
    f.unknown(raw, CUSTOMER_FIELDS, "customer.")
    name = f.text(raw, "name", max_length=120, where="customer.")
    email = f.text(raw, "email", max_length=254, where="customer.")
    if email and ("@" not in email or email.startswith("@") or email.endswith("@")):
        f.add("customer.email", "Not an email address.")
    phone = f.text(raw, "phone", max_length=32, where="customer.")
    return Customer(name=name or None, email=email or None, phone=phone or None)


def _methods(data: dict, f: _Fields) -> list[str] | None:
    raw = data.get("allowed_methods")
    if raw is None:
        return None
    if not isinstance(raw, list) or not raw or any(m not in METHODS for m in raw):
        f.add("allowed_methods", 'A non-empty list drawn from "qris" and "snap".')
        return None
    return [m for m in METHODS if m in raw]


def _metadata(data: dict, f: _Fields) -> dict | None:
    raw = data.get("metadata")
    if raw is None:
        return None
    if not isinstance(raw, dict):
        f.add("metadata", "Must be a JSON object.")
        return None
    if len(raw) > MAX_METADATA_KEYS or any(len(key) > MAX_METADATA_KEY_LENGTH for key in raw):
        f.add("metadata", f"At most {MAX_METADATA_KEYS} keys of at most {MAX_METADATA_KEY_LENGTH} characters.")
        return None
    encoded = json.dumps(raw, separators=(",", ":"), ensure_ascii=False)
    if len(encoded.encode()) > MAX_METADATA_BYTES:
        f.add("metadata", f"At most {MAX_METADATA_BYTES} bytes as JSON.")
        return None
    if _holds_nul(raw):
        f.add("metadata", NUL_MESSAGE)
        return None
    return raw


def _holds_nul(value: Any) -> bool:
    """Whether any key or string inside ``value`` holds a NUL (PostgreSQL cannot store one)."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_holds_nul(key) or _holds_nul(item) for key, item in value.items())
    if isinstance(value, list):
        return any(_holds_nul(item) for item in value)
    return False


def parse_refund(body: Any) -> RefundRequest:
    data = _object(body)
    f = _Fields()
    f.unknown(data, REFUND_FIELDS)
    amount = f.integer(data, "amount")
    if amount is not None and amount < 1:
        f.add("amount", "Must be at least 1.")
    reason = f.text(data, "reason", max_length=MAX_REASON)
    f.raise_if_any()
    return RefundRequest(amount=amount, reason=(reason or "").strip())


def parse_cancel(body: Any) -> str | None:
    data = _object(body)
    f = _Fields()
    f.unknown(data, CANCEL_FIELDS)
    reason = f.text(data, "reason", max_length=MAX_REASON)
    f.raise_if_any()
    return reason
