"""Outgoing e-mail through a queue: ``enqueue`` now, a worker sends later.

Contract for every feature that sends mail (owner alerts today; receipts and summaries
later):

* ``enqueue(to, subject, text, html=None, *, category, dedupe_key=None)`` adds one
  ``MailMessage`` row to the caller's SQLAlchemy session and returns it (or ``None`` when
  ``dedupe_key`` was already used, or ``to`` is empty). It never commits, never connects
  to a mail server and never raises because of SMTP: the message exists exactly when the
  caller's transaction commits, so a payment and its receipt happen together or not at
  all, and a mail server that is down cannot fail or slow a payment.
* ``dedupe_key`` (optional, at most 160 characters) makes a repeat a no-op even across
  processes: it is a unique column written with ``INSERT ... ON CONFLICT DO NOTHING``.
* ``checkout.mail.sender`` (run by ``flask worker``) claims due messages with a
  conditional UPDATE (safe on several machines), sends them over ``SMTP_URL`` with
  Flask-Mailman, and retries failures with exponential backoff for about two days;
  permanent refusals (SMTP 5xx) are marked failed at once. Delivery is at least once: a
  worker killed mid-send may send a message twice.
* Bodies are plain text, with an optional HTML alternative. Never put a secret in a mail.
"""
from __future__ import annotations

from checkout.mail.queue import enqueue
from checkout.mail.smtp_url import init_app

__all__ = ["enqueue", "init_app"]
