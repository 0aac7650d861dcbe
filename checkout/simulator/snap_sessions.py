"""Snap sessions: a token, a hosted page, and at most one transaction behind it.

A session exists from ``POST /snap/v1/transactions`` on; a transaction exists only once
the customer picks a method on the page (until then Get Status says 404). Snap accepts
several sessions for one order_id while no live transaction holds it; the first method
picked wins, and later picks get "order_id has already been taken".
"""
from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from . import payloads
from .ledger import Transaction
from .links import with_query
from .store import dumps, loads, write

DEFAULT_PAGE_EXPIRY = 24 * 3600

# Snap method name -> the Core API charge fields it stands for.
METHODS: dict[str, dict] = {
    "credit_card": {"payment_type": "credit_card"},
    "gopay": {"payment_type": "gopay"},
    "shopeepay": {"payment_type": "shopeepay"},
    "other_qris": {"payment_type": "qris", "qris": {"acquirer": "gopay"}},
    "bca_va": {"payment_type": "bank_transfer", "bank_transfer": {"bank": "bca"}},
    "bni_va": {"payment_type": "bank_transfer", "bank_transfer": {"bank": "bni"}},
    "bri_va": {"payment_type": "bank_transfer", "bank_transfer": {"bank": "bri"}},
    "cimb_va": {"payment_type": "bank_transfer", "bank_transfer": {"bank": "cimb"}},
    "permata_va": {"payment_type": "bank_transfer", "bank_transfer": {"bank": "permata"}},
    "echannel": {"payment_type": "echannel", "echannel": {"bill_info1": "Payment for", "bill_info2": "Online order"}},
    "indomaret": {"payment_type": "cstore", "cstore": {"store": "indomaret"}},
    "alfamart": {"payment_type": "cstore", "cstore": {"store": "alfamart"}},
    "akulaku": {"payment_type": "akulaku"},
    "kredivo": {"payment_type": "kredivo"},
}
LABELS = {
    "credit_card": "Credit/debit card", "gopay": "GoPay", "shopeepay": "ShopeePay", "other_qris": "QRIS",
    "bca_va": "BCA Virtual Account", "bni_va": "BNI Virtual Account", "bri_va": "BRI Virtual Account",
    "cimb_va": "CIMB Niaga Virtual Account", "permata_va": "Permata Virtual Account",
    "echannel": "Mandiri Bill Payment", "indomaret": "Indomaret", "alfamart": "Alfamart",
    "akulaku": "Akulaku PayLater", "kredivo": "Kredivo",
}
ALIASES = {
    "bank_transfer": ["bca_va", "bni_va", "bri_va", "cimb_va", "permata_va", "echannel"],
    "cstore": ["indomaret", "alfamart"],
}


def expand_enabled(names: list[str] | None) -> list[str]:
    """The methods a page offers: all when unspecified; aliases expanded; unknown ignored."""
    if names is None:
        return list(METHODS)
    expanded: list[str] = []
    for name in names:
        for method in ALIASES.get(name, [name]):
            if method in METHODS and method not in expanded:
                expanded.append(method)
    return expanded


@dataclass
class SnapSession:
    token: str
    server_key: str
    merchant_id: str
    order_id: str
    gross_amount: int
    request: dict
    enabled: list[str]
    notify_urls: list[str]
    created_at: float
    expires_at: float
    transaction_id: str | None = None

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> "SnapSession":
        return cls(
            token=row["token"], server_key=row["server_key"], merchant_id=row["merchant_id"],
            order_id=row["order_id"], gross_amount=row["gross_amount"], request=loads(row["request"], {}),
            enabled=loads(row["enabled"], []), notify_urls=loads(row["notify_urls"], []),
            created_at=row["created_at"], expires_at=row["expires_at"], transaction_id=row["transaction_id"],
        )

    def expired(self, now: float) -> bool:
        return self.transaction_id is None and now >= self.expires_at

    def charge_body(self, method: str) -> dict:
        """The Core API charge this page makes when ``method`` is picked."""
        body = {
            key: value for key, value in self.request.items()
            if key not in ("enabled_payments", "callbacks", "expiry", "page_expiry", "credit_card")
        }
        expiry = self.request.get("expiry")
        if isinstance(expiry, dict):
            body["custom_expiry"] = {
                "order_time": expiry.get("start_time"), "expiry_duration": expiry.get("duration"),
                "unit": expiry.get("unit"),
            }
        return {**body, **METHODS[method]}

    def callback(self, name: str) -> str | None:
        callbacks = self.request.get("callbacks")
        url = callbacks.get(name) if isinstance(callbacks, dict) else None
        return url if isinstance(url, str) and url else None

    def return_url(self, tx: Transaction | None) -> str | None:
        """Where the page sends the customer: finish, or error after a failure, with hints."""
        if tx is None:
            base = self.callback("unfinish") or self.callback("error") or self.callback("finish")
            return with_query(base, {"order_id": self.order_id}) if base else None
        failed = tx.status in ("deny", "cancel", "expire", "failure")
        base = (self.callback("error") if failed else None) or self.callback("finish")
        if not base:
            return None
        return with_query(base, {
            "order_id": tx.order_id,
            "status_code": payloads.status_code_of(tx, notification=True),
            "transaction_status": tx.status,
        })


def create(conn: sqlite3.Connection, session: SnapSession) -> None:
    with write(conn):
        conn.execute(
            """INSERT INTO snap_sessions (token, server_key, merchant_id, order_id, gross_amount, request,
                   enabled, notify_urls, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            (session.token, session.server_key, session.merchant_id, session.order_id, session.gross_amount,
             dumps(session.request), dumps(session.enabled), dumps(session.notify_urls),
             session.created_at, session.expires_at),
        )


def get(conn: sqlite3.Connection, token: str) -> SnapSession | None:
    row = conn.execute("SELECT * FROM snap_sessions WHERE token = ?", (token,)).fetchone()
    return SnapSession.from_row(row) if row else None


def attach(conn: sqlite3.Connection, token: str, transaction_id: str) -> None:
    conn.execute("UPDATE snap_sessions SET transaction_id = ? WHERE token = ?", (transaction_id, token))
