"""Webhook health in one sentence: are Midtrans's notifications arriving and being applied,
and if not, why. Repeats ("duplicate") are normal (Midtrans resends until it hears 200)
and never count against the verdict."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flask_babel import gettext as _

from checkout.admin.services.webhook_health import WebhookHealth
from checkout.timeutil import utcnow

# Without one notification for this long, the owner is told to check the URL.
QUIET_AFTER = timedelta(days=7)


@dataclass(frozen=True)
class Verdict:
    state: str  # ok | problem | unknown
    text: str


def _why_rejected(reason: str | None) -> str:
    text = (reason or "").lower()
    if "server key" in text:
        return _("no Midtrans server key is saved, so notifications cannot be checked")
    if "signature" in text:
        return _("their signature did not match your server key (is it the key of the right Midtrans account "
                 "and environment?)")
    if "json" in text or "larger than" in text or "missing" in text:
        return _("they were not valid Midtrans notifications")
    return _("they did not pass our checks")


def verdict(health: WebhookHealth) -> Verdict:
    """One line for the dashboard and the Webhook health page."""
    counts = health.counts_24h
    if health.last_received_at is None:
        return Verdict("unknown", _("No notification from Midtrans has arrived yet: paste the URL below into the "
                                    "Midtrans dashboard and send a test notification."))
    rejected_last = health.last_rejected_at is not None and health.last_rejected_at >= health.last_received_at
    if counts.get("rejected") and rejected_last:
        return Verdict("problem", _("Not healthy: %(n)s notifications were refused in the last 24 hours because "
                                    "%(why)s.", n=counts["rejected"], why=_why_rejected(health.last_rejected_reason)))
    if counts.get("failed"):
        return Verdict("problem", _("Not healthy: %(n)s notifications could not be processed in the last 24 hours; "
                                    "Midtrans sends them again.", n=counts["failed"]))
    if counts.get("mismatch"):
        return Verdict("problem", _("Needs a look: %(n)s notifications did not match their order (amount or "
                                    "order number). See the transactions marked for attention.", n=counts["mismatch"]))
    if utcnow() - health.last_received_at > QUIET_AFTER:
        return Verdict("unknown", _("No notification for more than a week. If customers paid since, check the URL "
                                    "in the Midtrans dashboard."))
    return Verdict("ok", _("Healthy: notifications from Midtrans arrive and are applied."))
