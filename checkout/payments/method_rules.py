"""Which payment methods an order may be paid with, and why not when it may not.

Midtrans refuses amounts outside each method's published limits; we refuse first, with
a message the customer can read, instead of creating an attempt Midtrans would fail.

``Order.allowed_methods`` (set by the API) narrows what the shop settings enable. Each
entry is ``"qris"`` (the inline QR), ``"snap"`` (every Snap method the settings enable)
or the name of one Snap method (``"gopay"``, ``"bca_va"``...): Snap then offers only
those. "snap" and those wallet names also allow the "Pay in the ... app" buttons the
settings enable.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from checkout.money import format_rupiah

# Inline QRIS (Core API), per Midtrans: 1 .. 10,000,000 rupiah.
QRIS_LIMITS = (1, 10_000_000)

# Snap method -> (minimum, maximum) rupiah; None means "no published limit".
SNAP_LIMITS: dict[str, tuple[int | None, int | None]] = {
    "credit_card": (10_000, None),
    "gopay": (1, 20_000_000),
    "shopeepay": (1, 20_000_000),
    "other_qris": QRIS_LIMITS,
    "bca_va": (10_000, None),
    "indomaret": (10_000, 5_000_000),
    "alfamart": (10_000, 5_000_000),
}


@dataclass(frozen=True)
class Offer:
    """What the checkout page offers for one order."""

    qris: bool
    qris_reason: str | None
    snap_methods: tuple[str, ...]
    snap_reason: str | None
    # Wallet apps ("gopay", "shopeepay") the customer may pay in directly from this phone.
    apps: tuple[str, ...] = ()

    @property
    def snap(self) -> bool:
        return bool(self.snap_methods)

    @property
    def anything(self) -> bool:
        return self.qris or self.snap


def within(amount: int, limits: tuple[int | None, int | None]) -> bool:
    low, high = limits
    return (low is None or amount >= low) and (high is None or amount <= high)


def offer_for(order, settings) -> Offer:
    """The methods to show for ``order`` under ``settings`` (an EffectiveSettings)."""
    allowed = set(order.allowed_methods) if order.allowed_methods else None
    amount = order.total_amount

    qris, qris_reason = False, None
    if settings.qris_enabled and (allowed is None or "qris" in allowed):
        if within(amount, QRIS_LIMITS):
            qris = True
        else:
            qris_reason = str(_l("QRIS accepts payments between %(low)s and %(high)s, so it is not offered for this amount.",
                                 low=format_rupiah(QRIS_LIMITS[0]), high=format_rupiah(QRIS_LIMITS[1])))

    snap_methods: tuple[str, ...] = ()
    snap_reason = None
    if settings.snap_enabled and (allowed is None or "snap" in allowed or allowed & set(settings.snap_methods)):
        candidates = [m for m in settings.snap_methods if allowed is None or "snap" in allowed or m in allowed]
        snap_methods = tuple(m for m in candidates if within(amount, SNAP_LIMITS.get(m, (1, None))))
        if candidates and not snap_methods:
            snap_reason = str(_l("None of the other payment methods accepts this amount."))
    # An app payment is the wallet Snap would offer, paid without leaving the phone: allowed
    # wherever Snap or that very wallet is.
    apps = tuple(m for m in getattr(settings, "app_payments", ())
                 if (allowed is None or m in allowed or "snap" in allowed) and within(amount, SNAP_LIMITS[m]))
    return Offer(qris=qris, qris_reason=qris_reason, snap_methods=snap_methods, snap_reason=snap_reason, apps=apps)
