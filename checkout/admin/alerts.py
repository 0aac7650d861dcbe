"""Admin: owner alerts (open and resolved), resolving one, and who receives them by e-mail."""
from __future__ import annotations

import re

from flask import abort, current_app, g, redirect, request, url_for
from flask_babel import gettext as _

from checkout.admin import bp
from checkout.admin.auth import login_required
from checkout.alerts import kinds, service
from checkout.extensions import db
from checkout.htmx import is_fragment_request, render, vary
from checkout.mail.smtp_url import describe as describe_smtp
from checkout.models import Alert

PAGE = "admin/alerts.html"
FRAGMENT = "admin/_alerts.html"
FILTERS = ("open", "resolved", "all")
EMAIL = re.compile(r"^[^@\s,;<>]+@[^@\s,;<>]+\.[^@\s,;<>]+$")
MAX_RECIPIENTS = 10


def _render(status: int = 200, *, error: str | None = None, saved: bool = False, emails_text: str | None = None):
    show = request.args.get("status", "open")
    show = show if show in FILTERS else "open"
    recipients, source = service.recipients()
    return render(PAGE, FRAGMENT, status=status, alerts=service.listing(status=None if show == "all" else show),
                  show=show, kinds=kinds, recipients=recipients, recipients_source=source,
                  emails_text=emails_text if emails_text is not None else ", ".join(recipients),
                  smtp=describe_smtp(current_app.config["SMTP_URL"]) if current_app.config.get("SMTP_URL") else None,
                  error=error, saved=saved)


@bp.route("/alerts")
@login_required
def alerts_page():
    return _render()


@bp.route("/alerts/<int:alert_id>/resolve", methods=["POST"])
@login_required
def resolve_alert(alert_id: int):
    if db.session.get(Alert, alert_id) is None:
        abort(404)
    service.resolve(alert_id, actor=g.admin_actor)
    if is_fragment_request():
        return _render()
    return vary(redirect(url_for("admin.alerts_page"), code=303))


@bp.route("/alerts/recipients", methods=["POST"])
@login_required
def save_alert_recipients():
    text = (request.form.get("emails") or "").strip()
    addresses = [part.strip() for part in re.split(r"[,;\s]+", text) if part.strip()]
    bad = [address for address in addresses if not EMAIL.match(address) or len(address) > 254]
    if bad:
        return _render(422, error=_("Not an e-mail address: %(list)s", list=", ".join(bad)), emails_text=text)
    if len(addresses) > MAX_RECIPIENTS:
        return _render(422, error=_("At most %(n)s addresses.", n=MAX_RECIPIENTS), emails_text=text)
    service.save_recipients(list(dict.fromkeys(addresses)), actor=g.admin_actor)
    if is_fragment_request():
        return _render(saved=True)
    return vary(redirect(url_for("admin.alerts_page"), code=303))
