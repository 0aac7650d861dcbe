"""The settings in force: environment variables win over what the owner saved in the admin.

``current()`` merges config and the database into one typed, read-only value. Server keys
are decrypted here and only here; ``EffectiveSettings`` never prints them.
"""
from __future__ import annotations

import functools
import hashlib
import hmac
import threading
from dataclasses import dataclass, field

from flask import current_app, g

from checkout import crypto
from checkout.config import SIMULATOR_MOUNT
from checkout.extensions import db
from checkout.midtrans.client import Endpoints, MidtransClient
from checkout.models import MidtransCredentials, ShopSettings
from checkout.models.settings import APP_PAYMENT_METHODS, DEFAULT_SNAP_METHODS

HOSTS = {
    "sandbox": Endpoints("https://api.sandbox.midtrans.com", "https://app.sandbox.midtrans.com/snap/v1"),
    "production": Endpoints("https://api.midtrans.com", "https://app.midtrans.com/snap/v1"),
}


@dataclass(frozen=True)
class EffectiveSettings:
    shop_name: str
    logo_text: str
    environment: str
    environment_source: str  # "environment" | "database" | "default"
    qris_enabled: bool
    snap_enabled: bool
    snap_methods: tuple[str, ...]
    qris_expiry_minutes: int
    order_expiry_minutes: int
    return_url_allowlist: tuple[str, ...]
    verify_with_status_api: bool
    app_payments: tuple[str, ...]  # wallets offered as "Pay in the ... app" on phones
    merchant_id: str | None
    client_key: str | None
    server_key_source: str | None  # "environment" | "database" | "simulator" | None
    server_key_hint: str | None
    endpoints: Endpoints
    notification_url: str | None
    daily_summary: bool = False
    server_key: str | None = field(default=None, repr=False, compare=False)
    shop_contact: str | None = None

    @property
    def is_simulator(self) -> bool:
        return self.environment == "simulator"

    @property
    def has_server_key(self) -> bool:
        return bool(self.server_key)


def simulator_server_key(secret_key: str) -> str:
    """A sandbox-shaped key for the built-in simulator, stable across workers, not stored."""
    digest = hmac.new(secret_key.encode(), b"midtrans-simulator-server-key", hashlib.sha256).hexdigest()
    return "SB-Mid-server-sim" + digest[:24]


def current() -> EffectiveSettings:
    """The settings for this request (computed once per request or app context)."""
    cached = g.get("_effective_settings")
    if cached is None:
        cached = g._effective_settings = _compute()
    return cached


def forget() -> None:
    """Drop the per-request cache after the owner saves new settings."""
    g.pop("_effective_settings", None)


def _compute() -> EffectiveSettings:
    config = current_app.config
    row = db.session.get(ShopSettings, 1)
    env_key = config.get("MIDTRANS_SERVER_KEY")

    if config.get("MIDTRANS_ENV"):
        environment, environment_source = config["MIDTRANS_ENV"], "environment"
    elif env_key:
        environment = "sandbox" if env_key.startswith("SB-") else "production"
        environment_source = "environment"
    elif row is not None:
        environment, environment_source = row.environment, "database"
    else:
        environment, environment_source = "simulator", "default"

    creds = db.session.get(MidtransCredentials, environment)
    server_key, key_source, hint = None, None, None
    if environment == "simulator":
        server_key, key_source, hint = simulator_server_key(config["SECRET_KEY"]), "simulator", "simulator key"
    elif env_key:
        server_key, key_source, hint = env_key, "environment", crypto.mask(env_key)
    elif creds is not None and creds.server_key_encrypted:
        server_key, key_source, hint = crypto.decrypt(creds.server_key_encrypted), "database", creds.server_key_hint

    public = config["PUBLIC_URL"].rstrip("/")
    if environment == "simulator":
        base = public + SIMULATOR_MOUNT
        endpoints = Endpoints(base, base + "/snap/v1")
    else:
        endpoints = HOSTS[environment]
    endpoints = Endpoints(config.get("MIDTRANS_API_BASE_URL") or endpoints.api_base_url,
                          config.get("MIDTRANS_SNAP_BASE_URL") or endpoints.snap_base_url)
    notification_url = config.get("MIDTRANS_NOTIFICATION_URL")
    if not notification_url and environment == "simulator":
        notification_url = public + "/webhooks/midtrans"

    verify = row.verify_with_status_api if row is not None and row.verify_with_status_api is not None else None
    if verify is None:
        verify = environment != "simulator"
    allowlist = tuple(config.get("RETURN_URL_ALLOWLIST") or ()) + tuple((row.return_url_allowlist if row else None) or ())
    return EffectiveSettings(
        shop_name=row.shop_name if row else "Toko Demo",
        logo_text=row.logo_text if row else "TD",
        environment=environment,
        environment_source=environment_source,
        qris_enabled=row.qris_enabled if row else True,
        snap_enabled=row.snap_enabled if row else True,
        snap_methods=tuple(row.snap_methods if row else DEFAULT_SNAP_METHODS),
        qris_expiry_minutes=row.qris_expiry_minutes if row else 15,
        order_expiry_minutes=row.order_expiry_minutes if row else 24 * 60,
        return_url_allowlist=allowlist,
        verify_with_status_api=verify,
        app_payments=tuple(m for m in ((row.app_payments if row else None) or ()) if m in APP_PAYMENT_METHODS),
        merchant_id=config.get("MIDTRANS_MERCHANT_ID") or (creds.merchant_id if creds else None),
        client_key=config.get("MIDTRANS_CLIENT_KEY") or (creds.client_key if creds else None),
        server_key_source=key_source,
        server_key_hint=hint,
        endpoints=endpoints,
        notification_url=notification_url,
        daily_summary=bool(row.daily_summary) if row else False,
        server_key=server_key,
        shop_contact=row.shop_contact if row else None,
    )


_clients: dict[tuple, MidtransClient] = {}
_clients_lock = threading.Lock()


def gateway(settings: EffectiveSettings | None = None, *, within_notification: bool = False,
            customer_waiting: bool = False) -> MidtransClient:
    """The Midtrans client for the settings in force, reusing its connection pool.

    ``within_notification``: short timeouts and no retries, for re-reading a status while
    Midtrans waits for our answer to its notification (it gives up after 15 s and wants
    one within 5). ``customer_waiting``: the call happens while a customer watches a
    spinner (starting a payment): the short MIDTRANS_CUSTOMER_* read timeout and retries.
    """
    settings = settings or current()
    if not settings.server_key:
        from checkout.midtrans.errors import GatewayAuthError

        raise GatewayAuthError("No Midtrans server key is configured for this environment", code="no_key")
    config = current_app.config
    if within_notification:
        connect = float(config.get("WEBHOOK_STATUS_CONNECT_TIMEOUT", 1.0))
        read = float(config.get("WEBHOOK_STATUS_READ_TIMEOUT", 2.5))
        retries = 0
    elif customer_waiting:
        connect, read = config["MIDTRANS_CONNECT_TIMEOUT"], config["MIDTRANS_CUSTOMER_READ_TIMEOUT"]
        retries = config["MIDTRANS_CUSTOMER_RETRIES"]
    else:
        connect, read = config["MIDTRANS_CONNECT_TIMEOUT"], config["MIDTRANS_READ_TIMEOUT"]
        retries = config["MIDTRANS_RETRIES"]
    cache_key = (hashlib.sha256(settings.server_key.encode()).hexdigest(), settings.endpoints,
                 settings.notification_url, connect, read, retries)
    with _clients_lock:
        client = _clients.get(cache_key)
        if client is None:
            client = _clients[cache_key] = MidtransClient(
                settings.server_key, settings.endpoints, notification_url=settings.notification_url,
                connect_timeout=connect, read_timeout=read, retries=retries,
                backoff=config.get("MIDTRANS_RETRY_BACKOFF", 0.2),
                on_auth_refused=functools.partial(_key_refused, settings.environment),
            )
        return client


def _key_refused(environment: str) -> None:
    from checkout.alerts.causes import key_refused

    key_refused(environment)
