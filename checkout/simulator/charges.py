"""Creating transactions: ``POST /v2/charge`` and a method picked on a Snap page.

Each payment method contributes two small functions: ``check`` (its request fields and
amount limits, as validation messages) and ``build`` (status, message and the fields its
answers carry). :func:`charge` runs the shared part: validate everything at once, then
insert the transaction and queue its first notification in one write transaction.
"""
from __future__ import annotations

import random
import sqlite3
import uuid
from dataclasses import dataclass, field
from typing import Callable

from . import cards, errors, ledger, notifications, qris
from .ledger import Transaction
from .store import write
from .validation import Invalid, OrderRequest, parse_order

MINUTE, DAY = 60, 86400
VA_BANKS = {"bca": ("", 11), "bni": ("988", 16), "bri": ("", 18), "cimb": ("1899", 16), "permata": ("8778", 10)}
STORES = ("indomaret", "alfamart")
QRIS_ACQUIRERS = ("gopay", "airpay shopee")
THREE_DS_EXPIRY = 10 * MINUTE  # Midtrans: a 3DS charge left unfinished expires in 10 minutes
MANDIRI_BILLER_CODE = "70012"


@dataclass
class Context:
    """Who is charging and how to reach them; independent of Core API vs Snap."""

    server_key: str
    merchant_id: str
    merchant_name: str
    merchant_city: str
    notify_urls: list[str]
    now: float
    link: Callable[..., str]  # link(endpoint, **values) -> absolute URL
    snap_token: str | None = None


@dataclass
class Built:
    status: str
    message: str
    fraud_status: str | None = "accept"
    default_expiry: int | None = None  # seconds
    custom_expiry: bool = True  # Midtrans ignores custom_expiry for cards
    fields: dict = field(default_factory=dict)
    charge_fields: dict = field(default_factory=dict)
    private: dict = field(default_factory=dict)
    payment_type: str | None = None


def charge(conn: sqlite3.Connection, body: object, ctx: Context) -> tuple[Transaction, str]:
    """Validate ``body`` and create its transaction; returns it with its charge message."""
    if body is None:  # JSON null or no body at all: Midtrans fails outright, with a bare 500
        raise errors.UnexpectedError()
    if not isinstance(body, dict):
        raise errors.validation(["the request body must be a JSON object"])
    messages: list[str] = []
    try:
        order = parse_order(body, strict_order_id=ctx.snap_token is None, now=ctx.now)
    except Invalid as invalid:
        messages.extend(invalid.messages)
        order = None
    payment_type = body.get("payment_type")
    method = METHODS.get(payment_type) if isinstance(payment_type, str) else None
    if payment_type in (None, ""):
        messages.append("payment_type is required")
    elif method is None:
        messages.append("payment_type is not supported")
    else:
        messages.extend(method.check(body, order.gross_amount if order else None))
    if messages:
        raise errors.validation(messages)
    assert order is not None and method is not None
    transaction_id = str(uuid.uuid4())
    with write(conn):
        built = method.build(conn, body, order, ctx, transaction_id)
        expires_at = _expiry(order, built, ctx.now)
        tx = Transaction(
            id=transaction_id, server_key=ctx.server_key, merchant_id=ctx.merchant_id,
            order_id=order.order_id, payment_type=built.payment_type or payment_type,
            status=built.status, fraud_status=built.fraud_status, gross_amount=order.gross_amount,
            created_at=ctx.now, updated_at=ctx.now, status_message=built.message,
            expires_at=expires_at, fields=built.fields, charge_fields=built.charge_fields,
            private=built.private, echo=order.echo, notify_urls=ctx.notify_urls, snap_token=ctx.snap_token,
        )
        ledger.insert(conn, tx)
        notifications.enqueue(conn, tx, ctx.now)
    return tx, built.message


def _expiry(order: OrderRequest, built: Built, now: float) -> float | None:
    if built.status != "pending":
        return None  # captured or denied cards do not expire
    if order.expires_at is not None and built.custom_expiry:
        return order.expires_at
    return now + built.default_expiry if built.default_expiry else None


# --- helpers -----------------------------------------------------------------------------

def _limits(amount: int | None, low: int | None, high: int | None) -> list[str]:
    if amount is None:
        return []
    if low is not None and amount < low:
        return [f"transaction_details.gross_amount must be greater than or equal to {low}"]
    if high is not None and amount > high:
        return [f"transaction_details.gross_amount must be less than or equal to {high}"]
    return []


def _section(body: dict, name: str) -> dict:
    value = body.get(name)
    return value if isinstance(value, dict) else {}


def _digits(count: int, prefix: str = "") -> str:
    return prefix + "".join(random.choice("0123456789") for _ in range(count - len(prefix)))


def _qr_payload(order: OrderRequest, ctx: Context, transaction_id: str, acquirer: str) -> str:
    return qris.build_payload(
        amount=order.gross_amount, order_id=order.order_id, transaction_id=transaction_id,
        acquirer=acquirer, merchant_name=ctx.merchant_name, merchant_city=ctx.merchant_city,
        merchant_id=ctx.merchant_id,
    )


# --- e-wallets and QRIS ------------------------------------------------------------------

def _check_qris(body: dict, amount: int | None) -> list[str]:
    acquirer = _section(body, "qris").get("acquirer", "gopay")
    problems = [] if acquirer in QRIS_ACQUIRERS else ["qris.acquirer must be one of gopay, airpay shopee"]
    return problems + _limits(amount, 1, 10_000_000)


def _build_qris(conn, body, order, ctx, transaction_id) -> Built:
    acquirer = _section(body, "qris").get("acquirer", "gopay")
    payload = _qr_payload(order, ctx, transaction_id, acquirer)
    qr_url = ctx.link("core.qr_code", kind="qris", transaction_id=transaction_id)
    return Built(
        "pending", "QRIS transaction is created", default_expiry=15 * MINUTE,
        fields={"acquirer": acquirer},
        charge_fields={"qr_string": payload,
                       "actions": [{"name": "generate-qr-code", "method": "GET", "url": qr_url}]},
        private={"qr_string": payload},
    )


def _check_wallet(body: dict, amount: int | None) -> list[str]:
    return _limits(amount, None, 20_000_000)


def _build_gopay(conn, body, order, ctx, transaction_id) -> Built:
    payload = _qr_payload(order, ctx, transaction_id, "gopay")
    return Built(
        "pending", "GoPay transaction is created", default_expiry=15 * MINUTE,
        charge_fields={"actions": [
            {"name": "generate-qr-code", "method": "GET",
             "url": ctx.link("core.qr_code", kind="gopay", transaction_id=transaction_id)},
            {"name": "deeplink-redirect", "method": "GET",
             "url": ctx.link("pages.pay_page", transaction_id=transaction_id)},
            {"name": "get-status", "method": "GET", "url": ctx.link("core.status", ident=transaction_id)},
            {"name": "cancel", "method": "POST", "url": ctx.link("core.cancel", ident=transaction_id)},
        ]},
        private={"qr_string": payload, "callback_url": _section(body, "gopay").get("callback_url"),
                 "merchant_name": ctx.merchant_name},
    )


def _build_shopeepay(conn, body, order, ctx, transaction_id) -> Built:
    return Built(
        "pending", "ShopeePay transaction is created", default_expiry=15 * MINUTE,
        charge_fields={"actions": [{"name": "deeplink-redirect", "method": "GET",
                                    "url": ctx.link("pages.pay_page", transaction_id=transaction_id)}]},
        private={"callback_url": _section(body, "shopeepay").get("callback_url"),
                 "merchant_name": ctx.merchant_name},
    )


def _build_paylater(name: str):
    def build(conn, body, order, ctx, transaction_id) -> Built:
        return Built(
            "pending", f"Success, {name} transaction is created", default_expiry=DAY,
            charge_fields={"redirect_url": ctx.link("pages.pay_page", transaction_id=transaction_id)},
        )
    return build


# --- bank transfer, Mandiri bill, convenience stores --------------------------------------

def _bank(body: dict) -> str | None:
    if body.get("payment_type") == "permata":
        return "permata"
    return _section(body, "bank_transfer").get("bank")


def _check_bank_transfer(body: dict, amount: int | None) -> list[str]:
    bank = _bank(body)
    if bank in (None, ""):
        return ["bank_transfer.bank is required"]
    if bank not in VA_BANKS:
        return [f"bank_transfer.bank must be one of {', '.join(VA_BANKS)}"]
    custom = _section(body, "bank_transfer").get("va_number")
    problems = []
    if custom not in (None, "") and not str(custom).isdigit():
        problems.append("bank_transfer.va_number must contain digits only")
    return problems + (_limits(amount, 10_000, None) if bank == "bca" else [])


def _build_bank_transfer(conn, body, order, ctx, transaction_id) -> Built:
    bank = _bank(body)
    prefix, length = VA_BANKS[bank]
    custom = _section(body, "bank_transfer").get("va_number")
    number = str(custom) if custom not in (None, "") else _digits(length, prefix)
    if bank == "permata":
        return Built("pending", "Success, PERMATA VA transaction is successful", default_expiry=DAY,
                     fields={"permata_va_number": number}, payment_type="bank_transfer")
    return Built("pending", "Success, Bank Transfer transaction is created", default_expiry=DAY,
                 fields={"va_numbers": [{"bank": bank, "va_number": number}]})


def _check_echannel(body: dict, amount: int | None) -> list[str]:
    echannel = _section(body, "echannel")
    return [f"echannel.{name} is required" for name in ("bill_info1", "bill_info2") if not echannel.get(name)]


def _build_echannel(conn, body, order, ctx, transaction_id) -> Built:
    return Built("pending", "OK, Mandiri Bill transaction is successful", default_expiry=DAY,
                 fields={"bill_key": _digits(12), "biller_code": MANDIRI_BILLER_CODE})


def _check_cstore(body: dict, amount: int | None) -> list[str]:
    store = _section(body, "cstore").get("store")
    if store in (None, ""):
        return ["cstore.store is required"]
    if store not in STORES:
        return [f"cstore.store must be one of {', '.join(STORES)}"]
    return _limits(amount, 10_000, 5_000_000) if store == "indomaret" else []


def _build_cstore(conn, body, order, ctx, transaction_id) -> Built:
    store = _section(body, "cstore")["store"]
    code = _digits(14) if store == "indomaret" else _digits(16)
    return Built("pending", "Success, cstore transaction is successful", default_expiry=DAY,
                 fields={"payment_code": code, "store": store})


# --- cards -------------------------------------------------------------------------------

def _check_card(body: dict, amount: int | None) -> list[str]:
    return _limits(amount, 10_000, None)


def _build_card(conn, body, order, ctx, transaction_id) -> Built:
    options = _section(body, "credit_card")
    token = options.get("token_id")
    card = cards.redeem(conn, token, ctx.now) if isinstance(token, str) and token else None
    if card is None:
        raise errors.token_invalid()
    fields = {"masked_card": card.masked_card, "bank": card.bank, "card_type": card.card_type}
    private = {"card_outcome": card.outcome, "callback_url": options.get("callback_url")}
    if options.get("authentication") is True:
        redirect = ctx.link("cards.three_ds", transaction_id=transaction_id)
        return Built("pending", cards.PENDING_MESSAGE, default_expiry=THREE_DS_EXPIRY, custom_expiry=False,
                     fields=fields, charge_fields={"redirect_url": redirect}, private=private)
    return card_outcome(card.outcome, fields, private)


def card_outcome(outcome: str, fields: dict, private: dict) -> Built:
    """What the bank and fraud detection say once a card is authenticated (or needs not be)."""
    approved = {**fields, "channel_response_code": "00", "channel_response_message": "Approved",
                "approval_code": _digits(13)}
    if outcome == "deny":
        return Built("deny", cards.DENY_MESSAGE, fields={**fields, "channel_response_code": "05",
                     "channel_response_message": "Do not honour"}, private=private)
    if outcome == "challenge":
        return Built("capture", cards.CHALLENGE_MESSAGE, fraud_status="challenge", fields=approved, private=private)
    return Built("capture", cards.CAPTURE_MESSAGE, fields=approved, private=private)


@dataclass(frozen=True)
class Method:
    check: Callable[[dict, int | None], list[str]]
    build: Callable[..., Built]


def _no_check(body: dict, amount: int | None) -> list[str]:
    return []


METHODS: dict[str, Method] = {
    "qris": Method(_check_qris, _build_qris),
    "gopay": Method(_check_wallet, _build_gopay),
    "shopeepay": Method(_check_wallet, _build_shopeepay),
    "bank_transfer": Method(_check_bank_transfer, _build_bank_transfer),
    "permata": Method(_check_bank_transfer, _build_bank_transfer),
    "echannel": Method(_check_echannel, _build_echannel),
    "cstore": Method(_check_cstore, _build_cstore),
    "credit_card": Method(_check_card, _build_card),
    "akulaku": Method(_no_check, _build_paylater("Akulaku")),
    "kredivo": Method(_no_check, _build_paylater("Kredivo")),
}
