"""The notifications table: a row per delivery, committed before anything is decided.

The row is written first and on its own, so a delivery we later reject, or one that
arrives while something else fails, is still there for the owner to see. The outcome is
filled in afterwards by ``finish``.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import update

from checkout.extensions import db
from checkout.models import Notification, PaymentAttempt
from checkout.notifications.intake import Delivery
from checkout.timeutil import utcnow

# A body whose signature did not check out (or is not checked yet) is kept only this far:
# enough to see what a stranger sent, not a free store for anyone's megabytes.
UNVERIFIED_BODY_BYTES = 4 * 1024
OUTCOMES = ("received", "applied", "duplicate", "ignored", "rejected", "mismatch", "failed")


@dataclass(frozen=True)
class Claims:
    """What a payload says about itself, unverified until the outcome says otherwise."""

    order_id: str | None = None
    transaction_id: str | None = None
    transaction_status: str | None = None

    @classmethod
    def of(cls, payload: object) -> "Claims":
        if not isinstance(payload, dict):
            return cls()
        return cls(_text(payload.get("order_id"), 64), _text(payload.get("transaction_id"), 64),
                    _text(payload.get("transaction_status"), 32))


def record(delivery: Delivery) -> int:
    """Store the delivery as received, its body cut to ``UNVERIFIED_BODY_BYTES``; commits;
    returns the row id. ``finish`` keeps the whole body once the signature checked out."""
    note = Notification(raw_body=stored_text(delivery.body, UNVERIFIED_BODY_BYTES), headers=delivery.headers or None,
                        remote_addr=delivery.remote_addr,
                        outcome="received", received_at=utcnow())
    db.session.add(note)
    db.session.commit()
    return note.id


def finish(notification_id: int, outcome: str, reason: str | None, *, claims: Claims | None = None,
           attempt_id: int | None = None, notified_attempt: bool = False, verified_body: bytes | None = None) -> None:
    """Write the outcome (and, for a verified delivery, when the attempt last heard); commits.

    ``notified_attempt`` stamps ``last_notification_at``: the reconciler leaves attempts
    with recent news alone. (The customer's poll keeps asking while the attempt is live:
    only a final notification, which ends the attempt, is news that stops it.)
    ``verified_body`` (given only for a delivery whose signature checked out) replaces the
    cut body with the whole one.
    """
    if outcome not in OUTCOMES:
        raise ValueError(f"unknown outcome {outcome!r}")
    now = utcnow()
    values = {"outcome": outcome, "reason": (reason or None) and reason[:200], "processed_at": now}
    if verified_body is not None and len(verified_body) > UNVERIFIED_BODY_BYTES:
        values["raw_body"] = stored_text(verified_body)  # a shorter one was stored whole already
    if claims is not None:
        values.update(midtrans_order_id=claims.order_id, transaction_id=claims.transaction_id,
                      transaction_status=claims.transaction_status)
    if attempt_id is not None:
        values["attempt_id"] = attempt_id
    if notified_attempt and attempt_id is not None:
        # No version bump: this is news about timing, not a state change, and must not
        # make a concurrent transition retry.
        db.session.execute(update(PaymentAttempt).where(PaymentAttempt.id == attempt_id)
                           .values(last_notification_at=now).execution_options(synchronize_session=False))
    db.session.execute(update(Notification).where(Notification.id == notification_id).values(**values)
                       .execution_options(synchronize_session=False))
    db.session.commit()


def stored_text(body: bytes, limit: int | None = None) -> str:
    """The body as storable text: invalid UTF-8 and NULs replaced, at most ``limit`` bytes
    of UTF-8 (cut on a character boundary) when a limit is given."""
    text = body[:limit].decode("utf-8", errors="replace").replace("\x00", "\ufffd")
    if limit is not None:
        # Replacement characters take 3 bytes for the 1 they replace: cut again, as UTF-8.
        text = text.encode("utf-8")[:limit].decode("utf-8", errors="ignore")
    return text


def _text(value: object, limit: int) -> str | None:
    if value is None or isinstance(value, (dict, list)):
        return None
    return str(value).replace("\x00", "\ufffd")[:limit] or None
