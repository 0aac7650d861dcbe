"""Reading and saving the owner's settings, keys included.

Server keys are encrypted before they reach the session and are never returned: callers
get a masked hint. Saving is one transaction: settings, keys and the audit event (which
names the changed fields, never their values) commit together or not at all.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from checkout import audit, crypto, shop_settings
from checkout.config import ENVIRONMENTS, GATEWAY_ENVIRONMENTS
from checkout.errors import InvalidRequest
from checkout.extensions import db
from checkout.models import MidtransCredentials, ShopSettings
from checkout.models.settings import APP_PAYMENT_METHODS, DEFAULT_SNAP_METHODS

KEY_ENVIRONMENTS = ("sandbox", "production")


@dataclass(frozen=True)
class KeysInput:
    merchant_id: str = ""
    client_key: str = ""
    server_key: str = ""  # empty: keep the saved one
    forget_server_key: bool = False

    def __repr__(self) -> str:  # the server key never reaches a log line or a traceback
        return f"KeysInput(merchant_id={self.merchant_id!r}, client_key={self.client_key!r}, server_key=<hidden>)"


@dataclass(frozen=True)
class SettingsInput:
    environment: str
    shop_name: str
    logo_text: str
    qris_enabled: bool
    snap_enabled: bool
    snap_methods: tuple[str, ...]
    qris_expiry_minutes: int
    order_expiry_minutes: int
    return_url_allowlist: tuple[str, ...]
    verify_with_status_api: bool | None
    app_payments: tuple[str, ...] = ()
    keys: dict[str, KeysInput] = field(default_factory=dict)
    daily_summary: bool = False
    shop_contact: str = ""


@dataclass(frozen=True)
class KeyStatus:
    """What the settings page may show about one environment's keys."""

    environment: str
    merchant_id: str | None
    merchant_id_source: str | None  # "environment" | "database" | None
    client_key: str | None
    client_key_source: str | None
    server_key_hint: str | None
    server_key_source: str | None


def _env_key_environment() -> str | None:
    """Which environment MIDTRANS_SERVER_KEY (from the process environment) belongs to."""
    config = current_app.config
    key = config.get("MIDTRANS_SERVER_KEY")
    if not key:
        return None
    return config.get("MIDTRANS_ENV") or ("sandbox" if key.startswith("SB-") else "production")


def key_status(environment: str) -> KeyStatus:
    config = current_app.config
    creds = db.session.get(MidtransCredentials, environment)
    from_env = _env_key_environment() == environment
    env_key = config.get("MIDTRANS_SERVER_KEY") if from_env else None
    env_applies = from_env or config.get("MIDTRANS_ENV") == environment
    merchant_env = config.get("MIDTRANS_MERCHANT_ID") if env_applies else None
    client_env = config.get("MIDTRANS_CLIENT_KEY") if env_applies else None
    hint, source = None, None
    if env_key:
        hint, source = crypto.mask(env_key), "environment"
    elif creds is not None and creds.server_key_encrypted:
        hint, source = creds.server_key_hint, "database"
    return KeyStatus(
        environment=environment,
        merchant_id=merchant_env or (creds.merchant_id if creds else None),
        merchant_id_source="environment" if merchant_env else ("database" if creds and creds.merchant_id else None),
        client_key=client_env or (creds.client_key if creds else None),
        client_key_source="environment" if client_env else ("database" if creds and creds.client_key else None),
        server_key_hint=hint,
        server_key_source=source,
    )


def _default_environment() -> str:
    if current_app.config.get("APP_ENV") == "production":
        return current_app.config.get("MIDTRANS_ENV") or "sandbox"
    return "simulator"


def form_defaults() -> dict:
    """The saved values to fill the settings form with (no server key, ever)."""
    row = db.session.get(ShopSettings, 1)
    verify = None if row is None else row.verify_with_status_api
    data = {
        "environment": row.environment if row else _default_environment(),
        "shop_name": row.shop_name if row else "Toko Demo",
        "logo_text": row.logo_text if row else "TD",
        "shop_contact": (row.shop_contact or "") if row else "",
        "qris_enabled": row.qris_enabled if row else True,
        "snap_enabled": row.snap_enabled if row else True,
        "snap_methods": list(row.snap_methods if row else DEFAULT_SNAP_METHODS),
        "qris_expiry_minutes": row.qris_expiry_minutes if row else 15,
        "order_expiry_minutes": row.order_expiry_minutes if row else 24 * 60,
        "return_url_allowlist": "\n".join(row.return_url_allowlist or ()) if row else "",
        "verify_with_status_api": {True: "on", False: "off"}.get(verify, "default"),
        "daily_summary": bool(row.daily_summary) if row else False,
        "app_payments": list((row.app_payments or ()) if row else ()),
    }
    for environment in KEY_ENVIRONMENTS:
        creds = db.session.get(MidtransCredentials, environment)
        data[f"{environment}_merchant_id"] = (creds.merchant_id if creds else None) or ""
        data[f"{environment}_client_key"] = (creds.client_key if creds else None) or ""
    return data


def save(data: SettingsInput, *, actor: str) -> list[str]:
    """Validate against what is stored, write, audit, commit. Returns the changed field
    names (e.g. ``["environment", "sandbox.server_key"]``). Raises InvalidRequest with
    ``fields`` keyed like the form's fields; nothing is written then."""
    _check(data)
    try:
        changed = _write(data)
    except IntegrityError:
        # Two first saves raced to insert the single row; the loser writes over the winner.
        db.session.rollback()
        changed = _write(data)
    if changed:
        audit.record(actor, "settings.changed", subject_type="settings", subject_id="shop",
                     details={"fields": changed})
    db.session.commit()
    shop_settings.forget()
    return changed


def _check(data: SettingsInput) -> None:
    fields: dict[str, str] = {}
    if data.environment not in ENVIRONMENTS:
        fields["environment"] = _("Unknown environment.")
    elif data.environment not in GATEWAY_ENVIRONMENTS and current_app.config.get("APP_ENV") == "production":
        fields["environment"] = _("The simulator is not available in production.")
    if not data.qris_enabled and not data.snap_enabled:
        fields["qris_enabled"] = _("Enable QRIS, Snap or both: customers need a way to pay.")
    if data.snap_enabled and not data.snap_methods:
        fields["snap_methods"] = _("Pick at least one Snap method, or switch Snap off.")
    if data.environment in KEY_ENVIRONMENTS and not _will_have_server_key(data):
        fields[f"{data.environment}_server_key"] = _(
            "Enter the %(env)s server key before switching to %(env)s.", env=data.environment)
    if fields:
        raise InvalidRequest(_("Some settings need fixing; nothing was saved."), code="invalid_settings", fields=fields)


def _will_have_server_key(data: SettingsInput) -> bool:
    if _env_key_environment() == data.environment:
        return True
    keys = data.keys.get(data.environment, KeysInput())
    if keys.server_key:
        return True
    if keys.forget_server_key:
        return False
    creds = db.session.get(MidtransCredentials, data.environment)
    return bool(creds and creds.server_key_encrypted)


def _write(data: SettingsInput) -> list[str]:
    changed: list[str] = []
    row = db.session.get(ShopSettings, 1)
    if row is None:
        row = ShopSettings(id=1)
        db.session.add(row)
        db.session.flush()
    values = {
        "environment": data.environment,
        "shop_name": data.shop_name.strip(),
        "logo_text": data.logo_text.strip(),
        "shop_contact": data.shop_contact.strip() or None,
        "qris_enabled": data.qris_enabled,
        "snap_enabled": data.snap_enabled,
        "snap_methods": list(data.snap_methods),
        "qris_expiry_minutes": data.qris_expiry_minutes,
        "order_expiry_minutes": data.order_expiry_minutes,
        "return_url_allowlist": list(data.return_url_allowlist),
        "verify_with_status_api": data.verify_with_status_api,
        "daily_summary": data.daily_summary,
        "app_payments": [m for m in APP_PAYMENT_METHODS if m in data.app_payments],
    }
    for name, value in values.items():
        if getattr(row, name) != value:
            setattr(row, name, value)
            changed.append(name)
    for environment, keys in data.keys.items():
        if environment in KEY_ENVIRONMENTS:
            changed.extend(_write_keys(environment, keys))
    db.session.flush()
    return changed


def _write_keys(environment: str, keys: KeysInput) -> list[str]:
    changed: list[str] = []
    creds = db.session.get(MidtransCredentials, environment)
    if creds is None:
        if not (keys.merchant_id or keys.client_key or keys.server_key):
            return changed
        creds = MidtransCredentials(environment=environment)
        db.session.add(creds)
    for name in ("merchant_id", "client_key"):
        value = getattr(keys, name) or None
        if getattr(creds, name) != value:
            setattr(creds, name, value)
            changed.append(f"{environment}.{name}")
    if keys.server_key:
        try:
            current = crypto.decrypt(creds.server_key_encrypted) if creds.server_key_encrypted else None
        except crypto.SecretUnreadable:
            current = None  # encrypted under a key no longer configured: replace it
        if current != keys.server_key:
            creds.server_key_encrypted = crypto.encrypt(keys.server_key)
            creds.server_key_hint = crypto.mask(keys.server_key)
            changed.append(f"{environment}.server_key")
    elif keys.forget_server_key and creds.server_key_encrypted:
        creds.server_key_encrypted = None
        creds.server_key_hint = None
        changed.append(f"{environment}.server_key")
    return changed
