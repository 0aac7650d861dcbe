"""Shared bits for API tests: a valid session body and a JSON client with the key's header."""
from __future__ import annotations

ALLOWLIST = ["https://shop.example.com/return", "http://127.0.0.1"]
SESSION_BODY = {
    "reference": "SHOP-1001",
    "description": "Order 1001",
    "items": [{"name": "Kopi Susu", "unit_price": 25_000, "quantity": 2, "sku": "KS-1"},
              {"name": "Roti Bakar", "unit_price": 20_000}],
    "total": 70_000,
    "customer": {"name": "Budi", "email": "budi@example.com", "phone": "+628123456789"},
    "allowed_methods": ["qris"],
    "expires_in_minutes": 30,
    "success_url": "https://shop.example.com/return/ok",
    "cancel_url": "https://shop.example.com/return/cancel",
    "metadata": {"cart": "c-77"},
}


def session_body(**changes):
    """A valid request body; pass field=None to drop a field."""
    body = {**SESSION_BODY, **changes}
    return {k: v for k, v in body.items() if v is not None}


class Api:
    """The test client with the key's header, speaking JSON."""

    def __init__(self, client, token):
        self.client = client
        self.token = token

    def headers(self, extra=None):
        return {"Authorization": f"Bearer {self.token}", **(extra or {})}

    def get(self, path, **kwargs):
        return self.client.get("/api/v1" + path, headers=self.headers(kwargs.pop("headers", None)), **kwargs)

    def post(self, path, json=None, *, key=None, headers=None, **kwargs):
        extra = dict(headers or {})
        if key is not None:
            extra["Idempotency-Key"] = key
        return self.client.post("/api/v1" + path, json=json, headers=self.headers(extra), **kwargs)
