"""The kinds of alert and how each is described to the owner (Indonesian and English).

Texts are built when shown (admin page, e-mail), in the locale in force then, from the
alert's ``details``; nothing translated is stored.
"""
from __future__ import annotations

from flask_babel import gettext as _

PAYMENT_ATTENTION = "payment_attention"
KEY_REFUSED = "key_refused"
NOTIFICATIONS_SILENT = "notifications_silent"
WEBHOOK_FAILING = "webhook_failing"
WEBHOOK_GAVE_UP = "webhook_gave_up"
NOTIFICATION_MISSING = "notification_missing"
SIGN_IN_FAILURES = "sign_in_failures"

KINDS = (PAYMENT_ATTENTION, KEY_REFUSED, NOTIFICATIONS_SILENT, WEBHOOK_FAILING, WEBHOOK_GAVE_UP,
         NOTIFICATION_MISSING, SIGN_IN_FAILURES)


def title(kind: str) -> str:
    titles = {
        PAYMENT_ATTENTION: _("A payment needs attention"),
        KEY_REFUSED: _("Midtrans refused the server key"),
        NOTIFICATIONS_SILENT: _("No notifications from Midtrans"),
        WEBHOOK_FAILING: _("A webhook endpoint keeps failing"),
        WEBHOOK_GAVE_UP: _("A webhook was given up"),
        NOTIFICATION_MISSING: _("Payments completed without a notification"),
        SIGN_IN_FAILURES: _("Many failed sign-ins on an admin account"),
    }
    return titles.get(kind, kind)


def attention_reason(flag: str | None) -> str:
    reasons = {
        "paid_late": _("Paid after the order had expired or was cancelled: refund it or deliver the order."),
        "amount_mismatch": _("Midtrans reported a different amount than the order's: nothing was applied."),
        "duplicate_payment": _("The order was paid twice: refund one of the payments."),
        "reversed": _("Midtrans reversed a payment that had settled."),
        "challenged": _("A card payment is held for review: approve or deny it."),
    }
    return reasons.get(flag or "", _("Check the payment."))


def describe(kind: str, details: dict | None, occurrences: int = 1) -> str:
    """One or two sentences saying what happened and what to do."""
    d = details or {}
    if kind == PAYMENT_ATTENTION:
        return _("Order %(reference)s (%(amount)s, Midtrans order %(order_id)s): %(reason)s",
                 reference=d.get("reference", "?"), amount=_rupiah(d.get("amount")),
                 order_id=d.get("midtrans_order_id", "?"), reason=attention_reason(d.get("flag")))
    if kind == KEY_REFUSED:
        return _("Midtrans answered 401 to a call in the %(env)s environment. Check the server key and the "
                 "environment in Settings; payments cannot start until it is fixed.", env=d.get("environment", "?"))
    if kind == NOTIFICATIONS_SILENT:
        return _("No notification has arrived from Midtrans for %(hours)s hours while %(count)s payment(s) were "
                 "made. Check the Payment Notification URL in the Midtrans dashboard.",
                 hours=d.get("hours", "?"), count=d.get("payments", "?"))
    if kind == WEBHOOK_FAILING:
        return _("Deliveries to %(url)s have failed for more than %(minutes)s minutes (last error: %(error)s).",
                 url=d.get("url", "?"), minutes=d.get("minutes", 60), error=d.get("error") or "-")
    if kind == WEBHOOK_GAVE_UP:
        return _("The %(event)s webhook to %(url)s was given up after %(attempts)s attempts (last error: "
                 "%(error)s). Resend it from Webhook endpoints.", event=d.get("event", "?"), url=d.get("url", "?"),
                 attempts=d.get("attempts", "?"), error=d.get("error") or "-")
    if kind == NOTIFICATION_MISSING:
        return _("The reconciler completed %(count)s payment(s) for which no notification ever came (latest: "
                 "%(order_id)s, now %(status)s). Check the Payment Notification URL in the Midtrans dashboard.",
                 count=occurrences, order_id=d.get("midtrans_order_id", "?"), status=d.get("status", "?"))
    if kind == SIGN_IN_FAILURES:
        return _("%(count)s wrong passwords for %(email)s in the last %(minutes)s minutes, from %(addresses)s "
                 "address(es). Sign-ins from those addresses are paused; yours still work. If it was not you, "
                 "keep your password long and unique.", count=d.get("count", "?"), email=d.get("email", "?"),
                 minutes=d.get("minutes", 15), addresses=d.get("addresses", "?"))
    return ""


def _rupiah(amount) -> str:
    from checkout.money import format_rupiah

    return format_rupiah(int(amount)) if isinstance(amount, int) else "?"
