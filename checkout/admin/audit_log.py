"""The audit log: read-only, filterable, paginated with htmx. There are deliberately no
routes that edit or delete an entry."""
from __future__ import annotations

from flask import request

from checkout.admin import bp
from checkout.admin.auth import login_required
from checkout.admin.forms import AuditFilterForm
from checkout.admin.services import audit_trail
from checkout.admin.services.audit_trail import AuditFilter
from checkout.htmx import render


@bp.route("/audit")
@login_required
def audit_log():
    form = AuditFilterForm(formdata=request.args)
    valid = form.validate()
    spec = AuditFilter(actor=form.actor.data or "", action=form.action.data or "", subject=form.subject.data or "",
                       date_from=form.date_from.data, date_to=form.date_to.data) if valid else AuditFilter()
    value = request.args.get("page", "1")
    number = int(value) if value.isdigit() and len(value) < 7 else 1
    result = audit_trail.page(spec, number) if valid else None
    return render("admin/audit.html", "admin/_audit_table.html", status=200 if valid else 422, form=form, spec=spec,
                  result=result, actions=audit_trail.known_actions())
