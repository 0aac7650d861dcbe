"""How an order looks to the outside (API answers and webhook payloads)."""
from __future__ import annotations

from flask import current_app

from checkout.models import Order


def checkout_url(order: Order) -> str:
    return f"{current_app.config['PUBLIC_URL']}/pay/{order.public_id}"


def _iso(moment) -> str | None:
    return moment.isoformat() + "Z" if moment else None


def session_representation(order: Order) -> dict:
    paid_attempt = next((a for a in order.attempts if a.paid_at), None)
    return {
        "id": order.public_id,
        "object": "checkout.session",
        "reference": order.reference,
        "status": order.status,
        "currency": order.currency,
        "amount_total": order.total_amount,
        "amount_paid": order.paid_amount,
        "amount_refunded": order.refunded_amount,
        "description": order.description,
        "items": [
            {"sku": i.sku, "name": i.name, "unit_price": i.unit_price, "quantity": i.quantity}
            for i in order.items
        ],
        "customer": {"name": order.customer_name, "email": order.customer_email, "phone": order.customer_phone},
        "allowed_methods": order.allowed_methods,
        "metadata": order.extra or {},
        "success_url": order.success_url,
        "cancel_url": order.cancel_url,
        "url": checkout_url(order),
        "payment": None if paid_attempt is None else {
            "method": paid_attempt.method,
            "payment_type": paid_attempt.payment_type,
            "transaction_id": paid_attempt.transaction_id,
            "paid_at": _iso(paid_attempt.paid_at),
        },
        "created_at": _iso(order.created_at),
        "expires_at": _iso(order.expires_at),
        "paid_at": _iso(order.paid_at),
    }
