"""Admin: the shop's webhook endpoints, every delivery attempt, and resending.

A new endpoint's signing secret is shown once, on the answer that registered it.
"""
from __future__ import annotations

from flask import abort, g, redirect, request, url_for

from checkout.admin import bp
from checkout.admin.auth import login_required
from checkout.errors import DomainError, NotFound
from checkout.htmx import is_fragment_request, render, vary
from checkout.outbox import endpoints
from checkout.outbox.events import EVENT_TYPES

LIST_PAGE = "admin/integrations/webhook_endpoints.html"
LIST_FRAGMENT = "admin/integrations/_webhook_endpoints.html"
DETAIL_PAGE = "admin/integrations/webhook_endpoint.html"
DETAIL_FRAGMENT = "admin/integrations/_endpoint_deliveries.html"


def _render_list(status: int = 200, **context):
    context.setdefault("created", None)
    context.setdefault("secret", None)
    context.setdefault("error", None)
    context.setdefault("form", {"url": "", "events": [], "description": ""})
    return render(LIST_PAGE, LIST_FRAGMENT, status=status, endpoints=endpoints.all_endpoints(),
                  counts=endpoints.delivery_counts(), event_types=EVENT_TYPES, **context)


def _endpoint_or_404(endpoint_id: int):
    try:
        return endpoints.get(endpoint_id)
    except NotFound:
        abort(404)


def _render_detail(endpoint_id: int, status: int = 200, error: str | None = None):
    endpoint = _endpoint_or_404(endpoint_id)
    deliveries = endpoints.recent_deliveries(endpoint_id)
    return render(DETAIL_PAGE, DETAIL_FRAGMENT, status=status, endpoint=endpoint, deliveries=deliveries,
                  attempts=endpoints.attempts_for([d.id for d in deliveries]), error=error)


@bp.route("/webhook-endpoints")
@login_required
def webhook_endpoints_page():
    return _render_list()


@bp.route("/webhook-endpoints", methods=["POST"])
@login_required
def create_webhook_endpoint():
    form = {"url": (request.form.get("url") or "").strip(), "events": request.form.getlist("events"),
            "description": (request.form.get("description") or "").strip()}
    try:
        endpoint, secret = endpoints.add(form["url"], events=form["events"], description=form["description"],
                                         actor=g.admin_actor)
    except DomainError as exc:
        return _render_list(status=422, error=exc.message, form=form)
    return _render_list(created=endpoint, secret=secret)


@bp.route("/webhook-endpoints/<int:endpoint_id>/<any(enable, disable):action>", methods=["POST"])
@login_required
def toggle_webhook_endpoint(endpoint_id: int, action: str):
    _endpoint_or_404(endpoint_id)
    endpoints.set_enabled(endpoint_id, action == "enable", actor=g.admin_actor)
    if is_fragment_request():
        return _render_list()
    return vary(redirect(url_for("admin.webhook_endpoints_page"), code=303))


@bp.route("/webhook-endpoints/<int:endpoint_id>")
@login_required
def webhook_endpoint_detail(endpoint_id: int):
    return _render_detail(endpoint_id)


@bp.route("/webhook-endpoints/<int:endpoint_id>/deliveries/<int:delivery_id>/resend", methods=["POST"])
@login_required
def resend_webhook_delivery(endpoint_id: int, delivery_id: int):
    _endpoint_or_404(endpoint_id)
    error = None
    try:
        endpoints.resend(delivery_id, actor=g.admin_actor, endpoint_id=endpoint_id)
    except NotFound:
        abort(404)
    except DomainError as exc:
        error = exc.message
    if is_fragment_request() or error:
        return _render_detail(endpoint_id, status=422 if error else 200, error=error)
    return vary(redirect(url_for("admin.webhook_endpoint_detail", endpoint_id=endpoint_id), code=303))
