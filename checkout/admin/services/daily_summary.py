"""The owner's daily summary: one Jakarta day's takings, payments, refunds, and what needs
the owner now.

``daily_summary(day)`` computes it; ``render_text`` and ``render_html`` word it in the
current language (wrap them in ``flask_babel.force_locale`` to pick one). The dashboard
shows yesterday's as a card when the owner turned it on in Settings
(``ShopSettings.daily_summary``); an e-mail channel can send the same two renderings.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from flask import current_app
from flask_babel import format_date, gettext as _, ngettext
from markupsafe import Markup
from sqlalchemy import func, select

from checkout.admin.services.transaction_search import jakarta_day_start
from checkout.extensions import db
from checkout.models import Notification, PaymentAttempt, Refund
from checkout.money import format_rupiah
from checkout.payments.states import MONEY_RECEIVED, PaymentStatus
from checkout.timeutil import to_jakarta, utcnow


@dataclass(frozen=True)
class Summary:
    day: date  # a Jakarta (WIB) calendar day
    paid_total: int  # rupiah received that day
    payments: int  # payments received that day
    refunded_total: int  # rupiah refunded that day
    refunds: int
    flagged: int  # payments marked for attention (now, whatever day they came)
    to_review: int  # card payments held for the owner's decision (now)
    notifications_refused: int  # notifications from Midtrans refused that day

    @property
    def needs_attention(self) -> int:
        return self.flagged + self.to_review + self.notifications_refused


def yesterday() -> date:
    return to_jakarta(utcnow()).date() - timedelta(days=1)


def daily_summary(day: date) -> Summary:
    """The numbers for Jakarta day ``day`` (00:00-24:00 WIB). Reads only."""
    start, end = jakarta_day_start(day), jakarta_day_start(day + timedelta(days=1))
    paid_total, payments = db.session.execute(
        select(func.coalesce(func.sum(PaymentAttempt.paid_amount), 0), func.count())
        .where(PaymentAttempt.paid_at >= start, PaymentAttempt.paid_at < end,
               PaymentAttempt.status.in_([s.value for s in MONEY_RECEIVED]))
    ).one()
    refunded_total, refunds = db.session.execute(
        select(func.coalesce(func.sum(Refund.amount), 0), func.count())
        .where(Refund.status == "succeeded", Refund.completed_at >= start, Refund.completed_at < end)
    ).one()

    def count(model, *conditions) -> int:
        return int(db.session.scalar(select(func.count()).select_from(model).where(*conditions)) or 0)

    return Summary(
        day=day,
        paid_total=int(paid_total or 0),
        payments=int(payments or 0),
        refunded_total=int(refunded_total or 0),
        refunds=int(refunds or 0),
        flagged=count(PaymentAttempt, PaymentAttempt.flag.is_not(None), PaymentAttempt.status != PaymentStatus.REFUNDED),
        to_review=count(PaymentAttempt, PaymentAttempt.status == PaymentStatus.CHALLENGED),
        notifications_refused=count(Notification, Notification.outcome == "rejected",
                                    Notification.received_at >= start, Notification.received_at < end),
    )


def attention_lines(summary: Summary) -> list[str]:
    """What needs the owner, one sentence each; empty when nothing does."""
    lines = []
    if summary.flagged:
        lines.append(ngettext("%(num)s payment is marked for your attention.",
                              "%(num)s payments are marked for your attention.", summary.flagged))
    if summary.to_review:
        lines.append(ngettext("%(num)s card payment waits for your decision.",
                              "%(num)s card payments wait for your decision.", summary.to_review))
    if summary.notifications_refused:
        lines.append(ngettext("%(num)s notification from Midtrans was refused: see Webhook health.",
                              "%(num)s notifications from Midtrans were refused: see Webhook health.",
                              summary.notifications_refused))
    return lines


def title(summary: Summary) -> str:
    return _("Summary for %(day)s", day=format_date(summary.day, "full"))


def render_text(summary: Summary) -> str:
    """Plain text, for a text/plain e-mail part."""
    lines = [
        title(summary),
        "",
        _("Received: %(amount)s", amount=format_rupiah(summary.paid_total)),
        ngettext("%(num)s payment", "%(num)s payments", summary.payments),
        _("Refunded: %(amount)s (%(count)s)", amount=format_rupiah(summary.refunded_total), count=summary.refunds),
        "",
    ]
    attention = attention_lines(summary)
    lines.extend(attention or [_("Nothing needs your attention.")])
    return "\n".join(lines) + "\n"


def render_html(summary: Summary) -> Markup:
    """A self-contained HTML fragment (no scripts, no external assets), for a text/html part."""
    # Straight from the Jinja environment: no request context processors, so a mail job
    # (a flask command, no request) renders it just the same.
    template = current_app.jinja_env.get_template("admin/daily_summary_mail.html")
    return Markup(template.render(summary=summary, title=title(summary), attention=attention_lines(summary)))


def queue_mail(now=None) -> bool:
    """Queue yesterday's summary to the owner's alert addresses, once per Jakarta day, from
    ``DAILY_SUMMARY_HOUR`` (7) WIB on. Commits; True when this call queued it.

    Needs the Settings switch, ``SMTP_URL`` and at least one address (Admin → Alerts or
    ``ALERT_EMAILS``). Indonesian first, then English, like the alerts. Safe on several
    workers at once: the day is the mail's de-duplication key.
    """
    from flask_babel import force_locale

    from checkout import mail, shop_settings
    from checkout.alerts.service import recipients

    config = current_app.config
    local = to_jakarta(now or utcnow())
    if local.hour < int(config.get("DAILY_SUMMARY_HOUR", 7)) or not config.get("SMTP_URL"):
        return False
    settings = shop_settings.current()
    to, _source = recipients()
    if not settings.daily_summary or not to:
        return False
    summary = daily_summary(local.date() - timedelta(days=1))
    texts, pages, titles = [], [], []
    for locale in ("id", "en"):
        with force_locale(locale):
            titles.append(title(summary))
            texts.append(render_text(summary))
            pages.append(str(render_html(summary)))
    subject = f"[{settings.shop_name}] {titles[0]} / {titles[1]}"
    queued = mail.enqueue(to, subject, "\n---\n\n".join(texts), "<hr>".join(pages), category="daily_summary",
                          dedupe_key=f"daily-summary:{summary.day.isoformat()}")
    db.session.commit()
    return queued is not None
