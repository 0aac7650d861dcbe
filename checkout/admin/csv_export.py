"""The transactions list as CSV, streamed row by row.

Amounts are integers (rupiah), times are Jakarta time in ISO form. Spreadsheet programs
run cells that start with = + - @ (and tab or carriage return) as formulas, so such text
cells get a leading apostrophe: a customer named "=HYPERLINK(...)" stays text. A trigger
right after a separator (``;``, ``,``, tab, a line break) gets one too ("a;'=cmd()"): a
spreadsheet that splits the cell on import (another delimiter, "text to columns") would
otherwise start a new cell with the formula.
"""
from __future__ import annotations

import csv
import io
import re
from typing import Iterable, Iterator

from flask_babel import lazy_gettext as _l

from checkout.admin.services.transaction_search import headline_attempt
from checkout.models import Order
from checkout.payments.labels import label
from checkout.timeutil import to_jakarta

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# A formula trigger after a separator (and any spaces).
_TRIGGER_AFTER_SEPARATOR = re.compile(r"([;,\t\r\n][ ]*)([=+\-@])")
HEADER = ["reference", "status", "created_at_wib", "paid_at_wib", "total_amount", "paid_amount", "refunded_amount",
          "method", "payment_type", "midtrans_order_id", "transaction_id", "flag", "customer_name", "customer_email",
          "description"]
# What the owner's spreadsheet shows as column titles, in the owner's language.
HEADER_LABELS = {
    "reference": _l("Reference"), "status": _l("Status"), "created_at_wib": _l("Created (WIB)"),
    "paid_at_wib": _l("Paid at (WIB)"), "total_amount": _l("Total (Rp)"), "paid_amount": _l("Paid (Rp)"),
    "refunded_amount": _l("Refunded (Rp)"), "method": _l("Method"), "payment_type": _l("Paid with"),
    "midtrans_order_id": _l("Midtrans order id"), "transaction_id": _l("Midtrans transaction id"),
    "flag": _l("Attention"), "customer_name": _l("Customer name"), "customer_email": _l("Customer email"),
    "description": _l("Description"),
}


def header() -> list[str]:
    return [str(HEADER_LABELS[key]) for key in HEADER]


def safe_cell(value):
    """Numbers stay numbers; text that a spreadsheet would evaluate is quoted."""
    if value is None:
        return ""
    if not isinstance(value, str):
        return value
    text = _TRIGGER_AFTER_SEPARATOR.sub(r"\1'\2", value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _time(moment) -> str:
    local = to_jakarta(moment)
    return local.isoformat(timespec="seconds") if local else ""


def order_row(order: Order) -> list:
    attempt = headline_attempt(order)
    return [safe_cell(value) for value in (
        order.reference, label("status", order.status), _time(order.created_at), _time(order.paid_at),
        order.total_amount, order.paid_amount, order.refunded_amount, label("method", attempt.method) if attempt else None,
        label("method", attempt.payment_type) if attempt and attempt.payment_type else None,
        attempt.midtrans_order_id if attempt else None, attempt.transaction_id if attempt else None,
        label("flag", attempt.flag) if attempt and attempt.flag else None, order.customer_name,
        order.customer_email, order.description,
    )]


def stream(orders: Iterable[Order]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def flush() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate(0)
        return text

    writer.writerow(header())
    yield flush()
    for order in orders:
        writer.writerow(order_row(order))
        yield flush()
