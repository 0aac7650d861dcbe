"""What the owner receives when an alert opens: an e-mail (both languages) and a webhook."""
from __future__ import annotations

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from checkout import mail
from checkout.alerts import kinds
from checkout.models import Alert
from checkout.timeutil import format_jakarta


def tell_owner(alert: Alert) -> None:
    """Queue the e-mail and the ``checkout.alert.opened`` event. Does not commit."""
    from checkout.alerts.service import recipients
    from checkout.outbox.events import emit_alert

    to, _source = recipients()
    if to:
        subject, text = compose(alert)
        mail.enqueue(to, subject, text, category="alert",
                     dedupe_key=f"alert:{alert.id}:{alert.last_notified_at.isoformat()}")
    emit_alert(webhook_data(alert), exclude_endpoint_ids=_endpoints_concerned(alert))


def compose(alert: Alert) -> tuple[str, str]:
    """Subject and plain-text body: Indonesian first, then English."""
    from checkout import shop_settings

    shop = shop_settings.current().shop_name
    link = current_app.config["PUBLIC_URL"].rstrip("/") + "/admin/alerts"
    parts, titles = [], []
    for locale in ("id", "en"):
        with force_locale(locale):
            titles.append(kinds.title(alert.kind))
            parts.append("\n".join([
                kinds.title(alert.kind),
                "",
                kinds.describe(alert.kind, alert.details, alert.occurrences),
                "",
                _("Opened: %(when)s", when=format_jakarta(alert.opened_at)),
                _("All alerts: %(link)s", link=link),
            ]))
    subject = f"[{shop}] {titles[0]} / {titles[1]}"
    return subject, ("\n\n---\n\n".join(parts) + "\n")


def webhook_data(alert: Alert) -> dict:
    with force_locale("en"):
        return {"object": "alert", "id": alert.id, "kind": alert.kind, "subject": alert.subject,
                "status": alert.status, "title": kinds.title(alert.kind),
                "message": kinds.describe(alert.kind, alert.details, alert.occurrences),
                "details": alert.details or {}, "occurrences": alert.occurrences,
                "opened_at": alert.opened_at.isoformat(timespec="seconds") + "Z"}


def _endpoints_concerned(alert: Alert) -> tuple[int, ...]:
    """An alert about a failing endpoint is not sent to that same endpoint."""
    if alert.kind in (kinds.WEBHOOK_FAILING, kinds.WEBHOOK_GAVE_UP) and alert.subject.isdigit():
        return (int(alert.subject),)
    return ()
