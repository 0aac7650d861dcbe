"""Admin: API keys for the shop's backend. A new key is shown once, on the answer that made it.

The owner picks the key's scopes (all three ticked by default) and a lifetime from a short
list; both are fixed for the key's life.
"""
from __future__ import annotations

from datetime import timedelta

from flask import abort, g, redirect, request, url_for
from flask_babel import gettext as _

from checkout import api_keys
from checkout.admin import bp
from checkout.admin.auth import login_required
from checkout.errors import DomainError, NotFound
from checkout.htmx import is_fragment_request, render, vary
from checkout.timeutil import utcnow

PAGE = "admin/integrations/api_keys.html"
FRAGMENT = "admin/integrations/_api_keys.html"
LIFETIME_DAYS = ("", "30", "90", "365")  # "": never expires


def _lifetime_choices() -> list[tuple[str, str]]:
    labels = {"": _("Never"), "30": _("30 days"), "90": _("90 days"), "365": _("1 year")}
    return [(value, labels[value]) for value in LIFETIME_DAYS]


def _render(status: int = 200, **context):
    context.setdefault("new_key", None)
    context.setdefault("new_token", None)
    context.setdefault("error", None)
    context.setdefault("scope_error", None)
    context.setdefault("name", "")
    context.setdefault("chosen_scopes", api_keys.SCOPES)
    context.setdefault("lifetime", "")
    return render(PAGE, FRAGMENT, status=status, keys=api_keys.all_keys(), scopes=api_keys.SCOPES,
                  lifetimes=_lifetime_choices(), now=utcnow(), **context)


@bp.route("/api-keys")
@login_required
def api_keys_page():
    return _render()


@bp.route("/api-keys", methods=["POST"])
@login_required
def create_api_key():
    name = (request.form.get("name") or "").strip()
    scopes = request.form.getlist("scopes")
    lifetime = request.form.get("lifetime", "")
    kept = {"name": name, "chosen_scopes": scopes, "lifetime": lifetime}
    if lifetime not in LIFETIME_DAYS:
        return _render(status=422, error=_("Choose how long the key lasts."), **kept)
    expires_at = utcnow() + timedelta(days=int(lifetime)) if lifetime else None
    try:
        key, token = api_keys.create(name, actor=g.admin_actor, scopes=scopes, expires_at=expires_at)
    except DomainError as exc:
        if exc.code == "invalid_scopes":
            return _render(status=422, scope_error=_("Choose at least one scope."), **kept)
        return _render(status=422, error=exc.message, **kept)
    # No redirect: the key exists in plaintext only in this answer (sent with no-store).
    return _render(new_key=key, new_token=token)


@bp.route("/api-keys/<int:key_id>/revoke", methods=["POST"])
@login_required
def revoke_api_key(key_id: int):
    try:
        api_keys.revoke(key_id, actor=g.admin_actor)
    except NotFound:
        abort(404)
    if is_fragment_request():
        return _render()
    return vary(redirect(url_for("admin.api_keys_page"), code=303))
