"""The merchant a QRIS code pays, read from the code itself.

Midtrans's QRIS charge answer names the merchant only inside ``qr_string``: an EMVCo
payload of ID-length-value fields. Field 59 is the merchant name every wallet shows
after scanning; field 51 (the national QRIS template) carries the NMID in its
sub-field 02. Showing the same name under our QR lets the customer check, before
paying, that the app and the page agree.
"""
from __future__ import annotations

from typing import NamedTuple

MERCHANT_NAME = "59"
NATIONAL_TEMPLATE = "51"
NMID = "02"


class QrisMerchant(NamedTuple):
    name: str | None
    nmid: str | None


def fields(payload: str) -> dict[str, str]:
    """Top-level EMVCo fields by id; stops quietly at the first malformed field."""
    found: dict[str, str] = {}
    position = 0
    while position + 4 <= len(payload):
        tag, length = payload[position:position + 2], payload[position + 2:position + 4]
        if not length.isdigit():
            break
        end = position + 4 + int(length)
        if end > len(payload):
            break
        found.setdefault(tag, payload[position + 4:end])
        position = end
    return found


def merchant(payload: str | None) -> QrisMerchant:
    """The merchant name and NMID in a QRIS payload (None for what is absent)."""
    if not payload:
        return QrisMerchant(None, None)
    top = fields(payload)
    name = (top.get(MERCHANT_NAME) or "").strip() or None
    nmid = (fields(top[NATIONAL_TEMPLATE]).get(NMID) or "").strip() or None if NATIONAL_TEMPLATE in top else None
    return QrisMerchant(name, nmid)
