"""The shop's contact for customers: a WhatsApp number or an e-mail address.

The owner types it once in Settings; every checkout state shows it as a link
(``https://wa.me/62...`` or ``mailto:``), so a customer with a question is never left
with nobody to ask.
"""
from __future__ import annotations

import re
from typing import NamedTuple
from urllib.parse import quote

EMAIL = re.compile(r"^[^@\s<>\"']{1,64}@[A-Za-z0-9.-]{1,253}\.[A-Za-z]{2,}$")
PHONE_CHARS = re.compile(r"^\+?[0-9 ().-]{8,24}$")


class Contact(NamedTuple):
    kind: str   # "whatsapp" | "email"
    label: str  # what the customer reads
    href: str   # where the link goes


def parse_contact(value: str | None) -> Contact | None:
    """A WhatsApp number (Indonesian 08..., 62... or +62...) or an e-mail; None otherwise."""
    text = (value or "").strip()
    if not text:
        return None
    if EMAIL.match(text):
        return Contact("email", text, "mailto:" + quote(text, safe="@.+-_"))
    if not PHONE_CHARS.match(text):
        return None
    digits = re.sub(r"\D", "", text)
    if digits.startswith("0"):
        digits = "62" + digits[1:]
    elif digits.startswith("8"):
        digits = "62" + digits
    if not digits.startswith("62") or not 10 <= len(digits) <= 15:
        return None
    local = digits[2:]
    groups = [local[:3], local[3:7], local[7:]]
    label = "+62 " + " ".join(group for group in groups if group)
    return Contact("whatsapp", label, f"https://wa.me/{digits}")
