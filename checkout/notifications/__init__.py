"""Midtrans notifications: every delivery recorded, verified, matched, then applied once.

The flow for one ``POST /webhooks/midtrans`` (``processing.receive``):

1. ``intake``: read the raw body once, capped at ``WEBHOOK_MAX_BODY``.
2. ``recording``: commit a ``Notification`` row before anything is decided, so no
   delivery is ever lost, whatever happens next.
3. ``verification``: parse leniently, check the signature with the server key in force
   (constant time), check that the unsigned ``transaction_status`` agrees with the signed
   ``status_code``, and optionally re-read the status from Midtrans (its answer wins).
4. ``matching``: find the attempt by Midtrans order_id, else by transaction_id; check
   amount and currency (allowing for fee imposition); flag a mismatch for the owner.
   A match by transaction_id (a field the signature does not cover) is only ever acted
   on through the status API's answer, whatever the setting.
5. ``checkout.payments.transitions.apply_gateway_status`` applies it: the one function
   that changes a payment's state, idempotent, monotonic and race-safe.

Each delivery ends with an outcome on its row: applied, duplicate, ignored, rejected,
mismatch or failed.
"""
from checkout.notifications.processing import Result, receive

__all__ = ["Result", "receive"]
