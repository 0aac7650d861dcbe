"""What people read for each state: one translated label per payment and order status."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

STATUS_LABELS = {
    "open": _l("awaiting payment"),
    "pending": _l("pending"),
    "challenged": _l("under review"),
    "paid": _l("paid"),
    "paid_late": _l("paid late"),
    "expired": _l("expired"),
    "cancelled": _l("cancelled"),
    "failed": _l("failed"),
    "partially_refunded": _l("partially refunded"),
    "refunded": _l("refunded"),
}


def status_label(status: object) -> str:
    """The translated label; an unknown code is shown as it is rather than hidden."""
    code = str(status or "")
    label = STATUS_LABELS.get(code)
    return str(label) if label is not None else code.replace("_", " ")
