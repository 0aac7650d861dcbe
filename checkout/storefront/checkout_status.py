"""What a checkout link shows now, and the status poll that keeps it current.

This is the hot path: every open checkout page asks every 3 seconds. A poll is one
indexed Core query (the order and its newest attempt, a handful of columns, no ORM
objects); when the page already shows that state the poll answers 204 without loading
or rendering anything else. Midtrans is asked only when the attempt is live (no final
notification has arrived; a pending one does not count) and nobody in any worker asked
in the last ``STATUS_CHECK_INTERVAL_SECONDS``: the claim is a conditional UPDATE, so
payments complete even when Midtrans cannot reach our webhook or a notification is lost,
without a call per poll.
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import NamedTuple

from flask import current_app
from sqlalchemy import bindparam, select

from checkout.extensions import db
from checkout.models import Order, PaymentAttempt
from checkout.models.settings import APP_PAYMENT_METHODS
from checkout.payments import status_sync
from checkout.payments.status_sync import CheckOutcome
from checkout.payments.states import LIVE_VALUES, MONEY_RECEIVED, OrderStatus, PaymentStatus
from checkout.payments.transitions import close_order
from checkout.timeutil import utcnow

# What a checkout link can show. Only the live kinds poll; the others carry no trigger.
CHOOSE = "choose"                    # open, nothing live: pick a method
QRIS = "qris"                        # a live QR to scan
SNAP = "snap"                        # a live Snap payment, away at Midtrans
APP = "app"                          # a live GoPay/ShopeePay charge, paid in the wallet's app
UNANSWERED = "unanswered"            # a live attempt Midtrans has not answered (yet)
ATTEMPT_EXPIRED = "attempt_expired"  # the QR (or Snap page) expired: offer a new one
ATTEMPT_FAILED = "attempt_failed"    # refused or denied: offer to try again
PAID = "paid"
CANCELLED = "cancelled"
EXPIRED = "expired"                  # the order itself expired
CONFIRMING = "confirming"            # back from Snap: no payment buttons until Midtrans says
POLLING = frozenset({QRIS, SNAP, APP, UNANSWERED, CONFIRMING})
APP_METHODS = frozenset(APP_PAYMENT_METHODS)

PAID_ORDER = frozenset({OrderStatus.PAID, OrderStatus.PAID_LATE, OrderStatus.PARTIALLY_REFUNDED,
                        OrderStatus.REFUNDED})
MONEY_VALUES = frozenset(s.value for s in MONEY_RECEIVED)
# A checkout link's token (Order.public_id): urlsafe base64 of 16 random bytes.
PUBLIC_ID = re.compile(r"^[A-Za-z0-9_-]{16,32}$")
STATUS_ACTOR = "midtrans:status"
EXPIRY_ACTOR = "system:expiry"


class Snapshot(NamedTuple):
    """The few columns a poll needs: the order and its newest attempt (None if none)."""

    order_id: int
    order_status: str
    order_expires_at: datetime
    attempt_id: int | None
    number: int | None
    status: str | None
    method: str | None
    answered_at: datetime | None
    expires_at: datetime | None
    notified_at: datetime | None
    checked_at: datetime | None
    check_failures: int | None
    transaction_id: str | None


def _query():
    o, a = Order.__table__.c, PaymentAttempt.__table__.c
    return (
        select(o.id, o.status, o.expires_at, a.id, a.number, a.status, a.method, a.gateway_answered_at,
               a.expires_at, a.last_notification_at, a.last_checked_at, a.check_failures, a.transaction_id)
        .select_from(Order.__table__.outerjoin(PaymentAttempt.__table__, a.order_id == o.id))
        .where(o.public_id == bindparam("public_id"))
        .order_by(a.number.desc())
        .limit(1)
    )


class _CompiledSnapshot:
    """The snapshot query compiled once per database dialect, run on a plain DBAPI cursor.

    Why not the ORM or even a Core ``execute``: this query runs on every poll of every
    open checkout page, and building a Session, a transaction and typed result rows costs
    several times the query itself (see bench/). The SQL still comes from the Core
    statement above, so it stays portable and in step with the models; only the
    timestamps need converting (SQLite hands them back as ISO strings).
    """

    def __init__(self, dialect):
        self.autocommit = dialect.name == "postgresql"
        compiled = _query().compile(dialect=dialect)
        self.sql = compiled.string
        defaults = compiled.construct_params({"public_id": ""})
        if compiled.positional:
            names = tuple(compiled.positiontup)
            self.params = lambda public_id: tuple(public_id if n == "public_id" else defaults[n] for n in names)
        else:
            self.params = lambda public_id: {**defaults, "public_id": public_id}


_compiled: dict[str, _CompiledSnapshot] = {}
_TIMES = (2, 7, 8, 9, 10)  # positions of the timestamp columns in a snapshot row


def _timestamp(value):
    return datetime.fromisoformat(value) if isinstance(value, str) else value


def valid_public_id(public_id: str) -> bool:
    return bool(PUBLIC_ID.match(public_id or ""))


def snapshot(public_id: str) -> Snapshot | None:
    """One indexed query on a pooled connection; None for an unknown link."""
    if not valid_public_id(public_id):
        return None
    engine = db.engine
    compiled = _compiled.get(engine.dialect.name)
    if compiled is None:
        compiled = _compiled[engine.dialect.name] = _CompiledSnapshot(engine.dialect)
    connection = engine.raw_connection()
    driver = connection.driver_connection
    # One read needs no transaction: on PostgreSQL, autocommit spares the BEGIN and the
    # ROLLBACK round trips (most of what this read costs). Restored before the
    # connection goes back to the pool. SQLite reads outside a transaction anyway.
    autocommit = compiled.autocommit and not driver.autocommit
    try:
        if autocommit:
            driver.autocommit = True
        cursor = connection.cursor()
        cursor.execute(compiled.sql, compiled.params(public_id))
        row = cursor.fetchone()
        cursor.close()
    finally:
        if autocommit:
            driver.autocommit = False
        connection.close()  # back to the pool
    if row is None:
        return None
    row = list(row)
    for index in _TIMES:
        row[index] = _timestamp(row[index])
    return Snapshot(*row)


class CheckoutState:
    """What a checkout link shows. ``kind`` and ``key`` come from the snapshot alone; the
    order and attempt objects (for rendering) are loaded only when asked for."""

    __slots__ = ("row", "kind", "checking_note", "_order", "_attempt")

    def __init__(self, row: Snapshot, kind: str, checking_note: bool = False):
        self.row = row
        self.kind = kind
        self.checking_note = checking_note
        self._order = self._attempt = None

    @property
    def polling(self) -> bool:
        return self.kind in POLLING

    @property
    def key(self) -> str:
        """Identifies what the page shows; an unchanged key lets the poll answer 204."""
        return f"{self.kind}.{self.row.number or 0}.{int(self.checking_note)}"

    @property
    def order(self) -> Order:
        if self._order is None:
            self._order = db.session.get(Order, self.row.order_id)
        return self._order

    @property
    def attempt(self) -> PaymentAttempt | None:
        if self._attempt is None and self.row.attempt_id is not None:
            self._attempt = db.session.get(PaymentAttempt, self.row.attempt_id)
        return self._attempt


def current(public_id: str, *, check: bool = True, interval: int | None = None,
            row: Snapshot | None = None) -> CheckoutState | None:
    """The state to show for a checkout link, brought up to date first when ``check``.

    ``interval`` overrides STATUS_CHECK_INTERVAL_SECONDS (a customer back from Snap is
    worth a prompter look). ``row`` is a snapshot of this link read moments ago in the
    same request (the poll's fast lane), so the query is not repeated.
    """
    if row is None:
        row = snapshot(public_id)
    if row is None:
        return None
    if check and bring_up_to_date(row, utcnow(), interval=interval):
        db.session.expire_all()
        row = snapshot(public_id)
    return describe(row)


def describe(row: Snapshot) -> CheckoutState:
    status = row.order_status
    if status in PAID_ORDER:
        return CheckoutState(row, PAID)
    if status == OrderStatus.CANCELLED:
        return CheckoutState(row, CANCELLED)
    if status == OrderStatus.EXPIRED:
        return CheckoutState(row, EXPIRED)
    if row.attempt_id is None:
        return CheckoutState(row, CHOOSE)
    if row.status in LIVE_VALUES:
        if row.answered_at is None:
            return CheckoutState(row, UNANSWERED)
        config = current_app.config
        note = (row.check_failures >= config["STATUS_CHECK_FAILURES_BEFORE_NOTE"]
                or waited_long(row.answered_at, config["STILL_CHECKING_AFTER_SECONDS"]))
        kind = QRIS if row.method == "qris" else APP if row.method in APP_METHODS else SNAP
        return CheckoutState(row, kind, note)
    if row.status in MONEY_VALUES:
        return CheckoutState(row, PAID)
    if row.status == PaymentStatus.EXPIRED:
        return CheckoutState(row, ATTEMPT_EXPIRED)
    if row.status == PaymentStatus.FAILED:
        return CheckoutState(row, ATTEMPT_FAILED)
    return CheckoutState(row, CHOOSE)


def waited_long(since: datetime | None, seconds: int) -> bool:
    """Whether a customer has waited ``seconds`` since ``since`` (the "still checking" note)."""
    return since is not None and since <= utcnow() - timedelta(seconds=seconds)


def needs_work(row: Snapshot, now: datetime, interval: int) -> bool:
    """Whether ``bring_up_to_date`` would do anything (ask Midtrans, close the order).

    Pure: no writes, no calls. False means the snapshot is the truth to show.
    """
    if row.order_status != OrderStatus.OPEN:
        return False
    if row.status in LIVE_VALUES:
        # An unanswered attempt is the reconciler's: the status API cannot give us the
        # QR we never received, and the customer's retry re-uses the attempt anyway.
        if row.answered_at is None:
            return False
        # Notifications do not stop the checks: a live attempt has heard no *final* one
        # (a final one ends it), and a pending notification is no news that the customer
        # paid. A dropped settlement must never leave a paid customer waiting.
        return row.checked_at is None or row.checked_at <= now - timedelta(seconds=interval)
    return row.order_expires_at <= now


def unchanged(row: Snapshot, have: str) -> bool:
    """The poll's fast answer: the page shows ``have``, it is still true, nothing is due."""
    if needs_work(row, utcnow(), current_app.config["STATUS_CHECK_INTERVAL_SECONDS"]):
        return False
    return describe(row).key == have


def bring_up_to_date(row: Snapshot, now: datetime, *, interval: int | None = None) -> bool:
    """Ask Midtrans if it is this request's turn; close an order whose time ran out.

    Returns True if something may have changed (the caller reloads).
    """
    if interval is None:
        interval = current_app.config["STATUS_CHECK_INTERVAL_SECONDS"]
    if not needs_work(row, now, interval):
        return False
    if row.status in LIVE_VALUES:
        return _check(row, interval)
    close_order(row.order_id, OrderStatus.EXPIRED, actor=EXPIRY_ACTOR, reason="the checkout link expired")
    return True


def _check(row: Snapshot, interval: int) -> bool:
    """Run this interval's status check if this request wins the claim (across workers)."""
    return status_sync.check_now(row.attempt_id, actor=STATUS_ACTOR, interval=interval) != CheckOutcome.NOT_DUE


def receipt_attempt(state: CheckoutState) -> PaymentAttempt | None:
    """The attempt that paid the order (not necessarily the newest one)."""
    if state.attempt is not None and state.attempt.status in MONEY_RECEIVED:
        return state.attempt
    return db.session.scalars(
        select(PaymentAttempt)
        .where(PaymentAttempt.order_id == state.row.order_id,
               PaymentAttempt.status.in_(sorted(MONEY_VALUES)))
        .order_by(PaymentAttempt.paid_at)
        .limit(1)
    ).first()
