"""Settings: environment, Midtrans keys, methods, expiry, return URLs; "test connection".

A saved server key never comes back to the browser: the form shows its masked hint, and
an empty server key field means "keep the one saved".
"""
from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from checkout import shop_settings
from checkout.admin import bp
from checkout.admin.auth import login_required
from checkout.admin.forms import KEY_ENVIRONMENTS, SettingsForm
from checkout.admin.services import connection_check, settings_store, webhook_health
from checkout.admin.services.connection_check import ConnectionResult
from checkout.admin.services.settings_store import KeysInput, SettingsInput
from checkout.admin.throttle import on_throttle, per_admin, retry_after_seconds
from checkout.errors import InvalidRequest
from checkout.extensions import limiter
from checkout.htmx import is_fragment_request, render, vary


def _context(form: SettingsForm, **extra) -> dict:
    effective = shop_settings.current()
    return {
        "form": form,
        "effective": effective,
        "key_statuses": {env: settings_store.key_status(env) for env in KEY_ENVIRONMENTS},
        "key_environments": KEY_ENVIRONMENTS,
        "health": webhook_health.summary(),
        "connection": None,
        "ping": None,
        **extra,
    }


def _input(form: SettingsForm) -> SettingsInput:
    keys = {}
    for environment in KEY_ENVIRONMENTS:
        fields = form.key_fields(environment)
        keys[environment] = KeysInput(merchant_id=fields["merchant_id"].data or "",
                                      client_key=fields["client_key"].data or "",
                                      server_key=fields["server_key"].data or "",
                                      forget_server_key=bool(fields["forget_server_key"].data))
    return SettingsInput(
        environment=form.environment.data,
        shop_name=form.shop_name.data,
        logo_text=form.logo_text.data,
        shop_contact=form.shop_contact.data or "",
        qris_enabled=bool(form.qris_enabled.data),
        snap_enabled=bool(form.snap_enabled.data),
        snap_methods=tuple(form.snap_methods.data or ()),
        qris_expiry_minutes=form.qris_expiry_minutes.data,
        order_expiry_minutes=form.order_expiry_minutes.data,
        return_url_allowlist=form.allowlist(),
        verify_with_status_api=form.verify_choice(),
        app_payments=tuple(form.app_payments.data or ()),
        keys=keys,
        daily_summary=bool(form.daily_summary.data),
    )


def _attach(form: SettingsForm, exc: InvalidRequest) -> None:
    for name, message in exc.fields.items():
        field = getattr(form, name, None)
        if field is not None:
            field.errors = list(field.errors) + [message]


@bp.route("/settings", methods=["GET", "POST"])
@login_required
def settings():
    if request.method == "GET":
        form = SettingsForm(data=settings_store.form_defaults())
        return render("admin/settings.html", "admin/_settings_form.html", **_context(form))
    form = SettingsForm()
    error = _("Some settings need fixing; nothing was saved.")
    if form.validate():
        try:
            changed = settings_store.save(_input(form), actor=g.admin_actor)
        except InvalidRequest as exc:
            _attach(form, exc)
            error = exc.message
        else:
            message = _("Settings saved.") if changed else _("Nothing changed.")
            if not is_fragment_request():
                flash(message, "success")
                return vary(redirect(url_for("admin.settings"), code=303))
            fresh = SettingsForm(formdata=None, data=settings_store.form_defaults())
            return render("admin/settings.html", "admin/_settings_form.html", **_context(fresh, saved=message))
    return render("admin/settings.html", "admin/_settings_form.html", status=422, **_context(form, error=error))


def _connection_response(result: ConnectionResult, status: int = 200):
    if is_fragment_request():
        return render("admin/settings.html", "admin/_connection_result.html", status=status, connection=result)
    form = SettingsForm(formdata=None, data=settings_store.form_defaults())
    return render("admin/settings.html", "admin/_connection_result.html", status=status,
                  **_context(form, connection=result))


@bp.route("/settings/test-connection", methods=["POST"])
@login_required
@limiter.limit("5 per minute", key_func=per_admin)
def test_connection():
    return _connection_response(connection_check.test_connection(actor=g.admin_actor))


@on_throttle("admin.test_connection")
def _connection_throttled():
    effective = shop_settings.current()
    result = ConnectionResult("throttled", _("Tested too often. Try again in %(seconds)s seconds.",
                                             seconds=retry_after_seconds()),
                              effective.environment, effective.endpoints.api_base_url)
    if is_fragment_request():
        return render_template("admin/_connection_result.html", connection=result)
    form = SettingsForm(formdata=None, data=settings_store.form_defaults())
    return render_template("admin/settings.html", **_context(form, connection=result))
