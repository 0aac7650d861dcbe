"""Admin: API keys for the shop's backend. A new key is shown once, on the answer that made it."""
from __future__ import annotations

from flask import abort, g, redirect, request, url_for

from checkout import api_keys
from checkout.admin import bp
from checkout.admin.auth import login_required
from checkout.errors import DomainError, NotFound
from checkout.htmx import is_fragment_request, render, vary

PAGE = "admin/integrations/api_keys.html"
FRAGMENT = "admin/integrations/_api_keys.html"


def _render(status: int = 200, **context):
    context.setdefault("new_key", None)
    context.setdefault("new_token", None)
    context.setdefault("error", None)
    context.setdefault("name", "")
    return render(PAGE, FRAGMENT, status=status, keys=api_keys.all_keys(), **context)


@bp.route("/api-keys")
@login_required
def api_keys_page():
    return _render()


@bp.route("/api-keys", methods=["POST"])
@login_required
def create_api_key():
    name = (request.form.get("name") or "").strip()
    try:
        key, token = api_keys.create(name, actor=g.admin_actor)
    except DomainError as exc:
        return _render(status=422, error=exc.message, name=name)
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
