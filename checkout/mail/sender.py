"""Sending queued mail: claim, send over SMTP, record, retry with backoff.

Run by ``flask worker`` (any number of them, on any number of machines). A message is
claimed with a conditional UPDATE on ``locked_until``/``locked_by`` and the claim is
committed before the SMTP conversation, so no transaction stays open while a mail server
thinks. A worker stopped mid-send hands its claims back (``release_claims``); one that
dies loses them after ``LEASE``. Temporary trouble (connection refused, timeouts, 4xx)
is retried on ``SCHEDULE``; a 5xx refusal or the last attempt marks the message failed.
"""
from __future__ import annotations

import logging
import random
import smtplib
import socket
import threading
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import select, update

from checkout import leases
from checkout.extensions import db
from checkout.models import MailMessage
from checkout.timeutil import utcnow

log = logging.getLogger(__name__)

# Seconds after the 1st, 2nd, ... failure: about two days in all, jittered by 10%.
SCHEDULE = (30, 60, 300, 900, 1800, 3600, 7200, 14400, 28800, 43200, 43200, 43200)
MAX_ATTEMPTS = len(SCHEDULE) + 1
JITTER = 0.1
LEASE = timedelta(seconds=120)  # longer than an SMTP conversation with its timeouts
MAX_ERROR = 300


@dataclass
class Stats:
    sent: int = 0
    retrying: int = 0
    failed: int = 0

    @property
    def attempted(self) -> int:
        return self.sent + self.retrying + self.failed


def configured() -> bool:
    return bool(current_app.config.get("SMTP_URL")) or current_app.config.get("MAIL_BACKEND") not in (None, "", "smtp")


def backoff(failures: int) -> timedelta:
    base = SCHEDULE[min(failures, len(SCHEDULE)) - 1]
    return timedelta(seconds=base * random.uniform(1 - JITTER, 1 + JITTER))


def claim_next(worker: str) -> MailMessage | None:
    """Take one due message for ``worker`` (commits), or None."""
    now = utcnow()
    due = (select(MailMessage.id)
           .where(MailMessage.status == "pending", MailMessage.next_attempt_at <= now, leases.free(MailMessage, now))
           .order_by(MailMessage.next_attempt_at, MailMessage.id))
    message_id = leases.claim_next(MailMessage, due, worker, LEASE)
    if message_id is None:
        return None
    message = db.session.get(MailMessage, message_id, populate_existing=True)
    db.session.commit()  # hold no transaction across the SMTP conversation
    return message


def send_due(worker: str, *, stop: threading.Event | None = None, limit: int = 50) -> Stats:
    """Send what is due now (at most ``limit``), over one SMTP connection."""
    from checkout.extensions import mail

    stats = Stats()
    connection = None
    try:
        while stats.attempted < limit and not (stop and stop.is_set()):
            message = claim_next(worker)
            if message is None:
                break
            error, permanent = None, False
            try:
                if connection is None:
                    connection = mail.get_connection(timeout=current_app.config.get("MAIL_TIMEOUT", 10))
                    connection.open()
                _build(message, connection).send()
            except smtplib.SMTPAuthenticationError as exc:
                # Wrong credentials are the operator's to fix; keep the mail until they do.
                error = f"SMTP {exc.smtp_code}: authentication failed (check SMTP_URL)"
            except smtplib.SMTPResponseException as exc:
                error, permanent = f"SMTP {exc.smtp_code}", exc.smtp_code >= 500
            except smtplib.SMTPRecipientsRefused as exc:
                codes = [code for code, _ in exc.recipients.values()]
                error, permanent = f"recipients refused (SMTP {', '.join(map(str, codes))})", all(c >= 500 for c in codes)
            except (smtplib.SMTPException, OSError, socket.timeout) as exc:
                error = f"{type(exc).__name__}: could not talk to the mail server"
            if error is not None:
                connection = _close(connection)
            outcome = _record(message.id, worker, message.attempts, error, permanent)
            setattr(stats, outcome, getattr(stats, outcome) + 1)
            if error is not None and not permanent:
                break  # the server is in trouble: leave the rest for the next round
    finally:
        _close(connection)
    return stats


def release_claims(worker: str) -> int:
    """Hand back every message ``worker`` holds (it is stopping). Commits; returns how many."""
    return leases.release(MailMessage, worker)


def _build(message: MailMessage, connection):
    from flask_mailman import EmailMultiAlternatives

    email = EmailMultiAlternatives(message.subject, message.text_body,
                                   current_app.config.get("MAIL_FROM") or None, list(message.to_addresses),
                                   connection=connection,
                                   headers={"Auto-Submitted": "auto-generated",
                                            "X-Checkout-Category": message.category})
    if message.html_body:
        email.attach_alternative(message.html_body, "text/html")
    return email


def _record(message_id: int, worker: str, attempts_before: int, error: str | None, permanent: bool) -> str:
    now = utcnow()
    attempts = attempts_before + 1
    if error is None:
        outcome, values = "sent", {"status": "sent", "sent_at": now, "last_error": None}
    elif permanent or attempts >= MAX_ATTEMPTS:
        outcome, values = "failed", {"status": "failed", "last_error": error[:MAX_ERROR]}
    else:
        outcome, values = "retrying", {"next_attempt_at": now + backoff(attempts), "last_error": error[:MAX_ERROR]}
    db.session.execute(
        update(MailMessage).where(MailMessage.id == message_id, MailMessage.locked_by == worker)
        .values(attempts=attempts, locked_until=None, locked_by=None, **values)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    level = logging.INFO if outcome == "sent" else logging.WARNING
    log.log(level, "mail %s %s (attempt %d)%s", message_id, outcome, attempts, f": {error}" if error else "")
    return outcome


def _close(connection) -> None:
    if connection is not None:
        try:
            connection.close()
        except Exception:  # noqa: BLE001 - a broken connection is being dropped anyway
            pass
    return None
