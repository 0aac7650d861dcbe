"""A customer back from Snap: "confirming your payment" until Midtrans has told us.

Snap's finish redirect proves nothing, and a customer who just paid by card must not be
offered "continue to the payment page" or "pay with QRIS" (an invitation to pay twice)
while the settlement is on its way. The return is remembered in the customer's signed
session cookie (per checkout link and attempt: it belongs to this browser, not to the
order), and the page shows the neutral ``CONFIRMING`` state until news arrives *after*
the return: a notification, or a status check that Midtrans answered.
"""
from __future__ import annotations

from datetime import datetime

from flask import current_app, session

from checkout.storefront import checkout_status as cs
from checkout.timeutil import utcnow

SESSION_KEY = "snap_returns"
REMEMBERED = 8  # links per browser; the oldest is forgotten first


def remember(state: cs.CheckoutState) -> None:
    """Note that this browser came back from the Snap page of the current attempt."""
    if state.kind != cs.SNAP or state.row.number is None:
        return
    returns = dict(session.get(SESSION_KEY) or {})
    returns.pop(state.order.public_id, None)
    returns[state.order.public_id] = [state.row.number, utcnow().isoformat()]
    session[SESSION_KEY] = dict(list(returns.items())[-REMEMBERED:])


def returned_at(state: cs.CheckoutState) -> datetime | None:
    """When this browser came back from the current attempt's Snap page, if it did."""
    entry = (session.get(SESSION_KEY) or {}).get(state.order.public_id)
    if not entry or entry[0] != state.row.number:
        return None
    try:
        return datetime.fromisoformat(entry[1])
    except (TypeError, ValueError):
        return None


def heard_since(row: cs.Snapshot, moment: datetime) -> bool:
    """News after ``moment``: a notification, or a status check Midtrans answered."""
    if row.notified_at is not None and row.notified_at >= moment:
        return True
    return row.checked_at is not None and row.checked_at >= moment and not row.check_failures


def adjust(state: cs.CheckoutState) -> cs.CheckoutState:
    """Turn a live Snap state into CONFIRMING while this browser's return awaits news."""
    if state.kind != cs.SNAP:
        return state
    moment = returned_at(state)
    if moment is None or heard_since(state.row, moment):
        return state
    state.kind = cs.CONFIRMING
    state.checking_note = cs.waited_long(moment, current_app.config["STILL_CHECKING_AFTER_SECONDS"])
    return state
