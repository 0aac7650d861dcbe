"""Rate limits on what a customer can make us do at Midtrans: create charges and cancel.

Two budgets, both shared by every action on the page: one per client IP (someone
hammering many links) and one per checkout link (many clients hammering one order).
The limits are config strings (CHECKOUT_ACTIONS_PER_IP, CHECKOUT_ACTIONS_PER_ORDER,
DEMO_ORDERS_PER_IP) so an installation (or a test) can tune them.
"""
from __future__ import annotations

import math
import time

from flask import current_app, request

from checkout.extensions import limiter


def _per_ip() -> str:
    return current_app.config["CHECKOUT_ACTIONS_PER_IP"]


def _per_order() -> str:
    return current_app.config["CHECKOUT_ACTIONS_PER_ORDER"]


def _demo_orders() -> str:
    return current_app.config["DEMO_ORDERS_PER_IP"]


def _order_key() -> str:
    return "order:" + str((request.view_args or {}).get("public_id", ""))


def checkout_action(view):
    """Limit a POST that talks to Midtrans, per IP and per checkout link."""
    view = limiter.shared_limit(_per_order, scope="checkout-action-order", key_func=_order_key)(view)
    return limiter.shared_limit(_per_ip, scope="checkout-action-ip")(view)


def demo_order(view):
    return limiter.limit(_demo_orders, scope="demo-order")(view)


def retry_after_seconds() -> int:
    """Seconds until the limit that was just breached lets the client in again."""
    current = limiter.current_limit
    if current is None:
        return 60
    return max(1, math.ceil(current.reset_at - time.time()))
