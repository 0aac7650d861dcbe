"""Configuration classes.

Everything comes from the environment (or the mapping handed to ``create_app``), read
when the app is created, never at import time. Production refuses to start without its
secrets rather than running with a development default.
"""
from __future__ import annotations

import os
from typing import Any, Mapping

ENVIRONMENTS = ("simulator", "sandbox", "production")
# Midtrans environments that handle real or sandbox transactions: all production accepts.
GATEWAY_ENVIRONMENTS = ("sandbox", "production")
# With no APP_ENV the app runs as production: a forgotten variable must mean "refuse to
# start without real secrets", never "run with development defaults on the internet".
DEFAULT_APP_ENV = "production"
MIN_SECRET_KEY_LENGTH = 32
MIN_SECRET_KEY_DISTINCT = 8
SIMULATOR_MOUNT = "/midtrans-simulator"


class ConfigError(RuntimeError):
    """The app cannot start with this configuration."""


def _bool(value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in ("1", "true", "yes", "on")


def _int(value: str | None) -> int | None:
    return int(value) if value not in (None, "") else None


def _list(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


def from_environment(env: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Build the config mapping from environment variables."""
    env = os.environ if env is None else env
    public_url = env.get("PUBLIC_URL", "http://127.0.0.1:5000").rstrip("/")
    config: dict[str, Any] = {
        "APP_ENV": env.get("APP_ENV") or DEFAULT_APP_ENV,
        "SECRET_KEY": env.get("SECRET_KEY"),
        "SQLALCHEMY_DATABASE_URI": normalise_database_url(env.get("DATABASE_URL")),
        "PUBLIC_URL": public_url,
        "MIDTRANS_ENV": env.get("MIDTRANS_ENV") or None,
        "MIDTRANS_SERVER_KEY": env.get("MIDTRANS_SERVER_KEY") or None,
        "MIDTRANS_CLIENT_KEY": env.get("MIDTRANS_CLIENT_KEY") or None,
        "MIDTRANS_MERCHANT_ID": env.get("MIDTRANS_MERCHANT_ID") or None,
        "MIDTRANS_API_BASE_URL": env.get("MIDTRANS_API_BASE_URL") or None,
        "MIDTRANS_SNAP_BASE_URL": env.get("MIDTRANS_SNAP_BASE_URL") or None,
        "MIDTRANS_NOTIFICATION_URL": env.get("MIDTRANS_NOTIFICATION_URL") or None,
        "CHECKOUT_ENCRYPTION_KEY": env.get("CHECKOUT_ENCRYPTION_KEY") or None,
        "RATELIMIT_STORAGE_URI": env.get("RATELIMIT_STORAGE_URI") or None,
        "RATELIMIT_KEY_PREFIX": env.get("RATELIMIT_KEY_PREFIX") or None,
        "SIMULATOR_MOUNTED": _bool(env["SIMULATOR_MOUNTED"], True) if env.get("SIMULATOR_MOUNTED") else None,
        "DEMO_SHOP": _bool(env["DEMO_SHOP"], False) if env.get("DEMO_SHOP") else None,
        "NOTIFICATION_RETENTION_DAYS": int(env["NOTIFICATION_RETENTION_DAYS"])
        if env.get("NOTIFICATION_RETENTION_DAYS") else None,
        "TRUSTED_PROXIES": int(env.get("TRUSTED_PROXIES", "0")),
        "RETURN_URL_ALLOWLIST": _list(env.get("RETURN_URL_ALLOWLIST")),
        # Shop endpoints on a private network (the shop's backend beside us in compose).
        "WEBHOOK_ALLOW_PRIVATE_TARGETS": (_bool(env["WEBHOOK_ALLOW_PRIVATE_TARGETS"], False)
                                          if env.get("WEBHOOK_ALLOW_PRIVATE_TARGETS") else None),
        # Mail and owner alerts (checkout/mail, checkout/alerts).
        "SMTP_URL": env.get("SMTP_URL") or None,
        "MAIL_FROM": env.get("MAIL_FROM") or None,
        "ALERT_EMAILS": _list(env.get("ALERT_EMAILS")) or None,
        "ALERT_COOLDOWN_SECONDS": _int(env.get("ALERT_COOLDOWN_SECONDS")),
        "ALERT_NOTIFICATION_SILENCE_HOURS": _int(env.get("ALERT_NOTIFICATION_SILENCE_HOURS")),
        "ALERT_WEBHOOK_FAILING_SECONDS": _int(env.get("ALERT_WEBHOOK_FAILING_SECONDS")),
        "ALERT_SIGN_IN_FAILURES": _int(env.get("ALERT_SIGN_IN_FAILURES")),
        "DAILY_SUMMARY_HOUR": _int(env.get("DAILY_SUMMARY_HOUR")),
        # The long-running worker (`flask worker`): seconds between runs of each job.
        "WORKER_RECONCILE_EVERY_SECONDS": _int(env.get("WORKER_RECONCILE_EVERY_SECONDS")),
        "WORKER_ALERT_CHECKS_EVERY_SECONDS": _int(env.get("WORKER_ALERT_CHECKS_EVERY_SECONDS")),
        "WEBHOOK_CA_BUNDLE": env.get("WEBHOOK_CA_BUNDLE") or None,
    }
    return {key: value for key, value in config.items() if value is not None}


def normalise_database_url(url: str | None) -> str | None:
    """Accept the common ``postgres://`` spellings and select psycopg 3."""
    if not url:
        return None
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


class BaseConfig:
    APP_ENV = "development"
    SECRET_KEY: str | None = None
    PUBLIC_URL = "http://127.0.0.1:5000"
    SQLALCHEMY_DATABASE_URI = "sqlite:///checkout.sqlite3"  # made absolute in create_app
    SQLALCHEMY_ENGINE_OPTIONS: dict[str, Any] = {}
    MAX_CONTENT_LENGTH = 256 * 1024
    WEBHOOK_MAX_BODY = 64 * 1024
    # Midtrans notifications: garbage allowed per address, and the status re-read's
    # timeouts (short, so Midtrans gets its answer within 5 seconds).
    WEBHOOK_REJECTED_RATE_LIMIT = "30 per minute"
    WEBHOOK_STATUS_CONNECT_TIMEOUT = 1.0
    WEBHOOK_STATUS_READ_TIMEOUT = 2.5
    # Rejected notifications are deleted after this many days (checkout.notifications.retention).
    NOTIFICATION_RETENTION_DAYS = 30
    # The reconciler (`flask payments reconcile`): ask about attempts with no news this long.
    RECONCILE_INTERVAL_SECONDS = 120
    RECONCILE_MAX_INTERVAL_SECONDS = 900
    RECONCILE_UNANSWERED_AFTER_SECONDS = 60
    RECONCILE_EXPIRY_GRACE_SECONDS = 60
    RECONCILE_STUCK_PENDING_SECONDS = 600  # still pending this long past expiry: expire it at Midtrans

    # Midtrans. With no server key anywhere the app talks to its own simulator.
    MIDTRANS_ENV: str | None = None
    MIDTRANS_SERVER_KEY: str | None = None
    MIDTRANS_CLIENT_KEY: str | None = None
    MIDTRANS_MERCHANT_ID: str | None = None
    MIDTRANS_API_BASE_URL: str | None = None
    MIDTRANS_SNAP_BASE_URL: str | None = None
    MIDTRANS_NOTIFICATION_URL: str | None = None
    MIDTRANS_CONNECT_TIMEOUT = 3.05
    MIDTRANS_READ_TIMEOUT = 10.0
    MIDTRANS_RETRIES = 2
    # A charge the customer is watching (QRIS, Snap): one short retry, so the page reaches
    # "Midtrans has not answered" within about 10 seconds instead of 3 x 10 s of spinner.
    # A retry re-sends the same Idempotency-Key, so it never charges twice.
    MIDTRANS_CUSTOMER_READ_TIMEOUT = 4.0
    MIDTRANS_CUSTOMER_RETRIES = 1
    SIMULATOR_MOUNTED = True
    SIMULATOR_CONFIG: dict[str, Any] = {}

    # How often one attempt may be checked against the status API by polls.
    STATUS_CHECK_INTERVAL_SECONDS = 10
    STATUS_CHECK_FAILURES_BEFORE_NOTE = 3
    # Seconds without news before a waiting page offers "I have paid" (a forced check).
    STILL_CHECKING_AFTER_SECONDS = 20
    # The customer's checkout: limits on the actions that reach Midtrans (Flask-Limiter
    # strings, per client IP and per checkout link), the demo shop's orders per IP, and
    # the poll's fast lane (checkout/storefront/fast_poll.py).
    CHECKOUT_ACTIONS_PER_IP = "10/minute;60/hour"
    CHECKOUT_ACTIONS_PER_ORDER = "6/minute;30/hour"
    DEMO_ORDERS_PER_IP = "20/minute"
    # The demo shop at / and its POST /buy: development only (production refuses it).
    DEMO_SHOP = True
    FAST_POLL = True
    # Testing only: a QR's lifetime in seconds, instead of the owner's qris_expiry_minutes.
    QRIS_EXPIRY_SECONDS: int | None = None

    CHECKOUT_ENCRYPTION_KEY: str | None = None
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_HEADERS_ENABLED = True
    RATELIMIT_KEY_PREFIX = "checkout"
    # If Redis is unreachable, limits fall back to per-process memory rather than turning
    # customers' payments and Midtrans's notifications into 500s.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    TRUSTED_PROXIES = 0
    RETURN_URL_ALLOWLIST: list[str] = []

    # The shop's API (/api/v1) and the webhooks we send to the shop.
    API_RATE_LIMIT = "120/minute"  # per API key
    API_MAX_BODY = 64 * 1024
    IDEMPOTENCY_WAIT_SECONDS = 2.0  # a duplicate waits this long for the first request's answer
    IDEMPOTENCY_STALE_SECONDS = 120  # an unanswered record this old is taken over
    WEBHOOK_CONNECT_TIMEOUT = 3.0
    WEBHOOK_READ_TIMEOUT = 10.0
    WEBHOOK_ALLOW_PRIVATE_TARGETS: bool | None = None  # None: allowed except in production
    # CA bundle for the shop's webhook endpoints (a private CA); None: the bundled public CAs.
    # The environment's REQUESTS_CA_BUNDLE is ignored on purpose: deliveries ignore the environment.
    WEBHOOK_CA_BUNDLE: str | None = None

    # Mail (SMTP_URL, see checkout/mail/smtp_url.py) and owner alerts (checkout/alerts).
    SMTP_URL: str | None = None
    SMTP_TIMEOUT_SECONDS = 10
    MAIL_FROM = "Checkout <checkout@localhost>"
    ALERT_EMAILS: list[str] = []  # wins over the addresses saved on the admin's Alerts page
    ALERT_COOLDOWN_SECONDS = 6 * 3600  # a cause that comes back within this is not mailed again
    ALERT_NOTIFICATION_SILENCE_HOURS = 3  # no Midtrans notification this long while people paid
    ALERT_WEBHOOK_FAILING_SECONDS = 3600  # a shop endpoint failing this long
    ALERT_SIGN_IN_FAILURES = 10  # failed sign-ins on one account within 15 minutes
    DAILY_SUMMARY_HOUR = 7  # the owner's daily summary is mailed from this hour (WIB) on

    # `flask worker`: how often each periodic job runs (the outbox and mail run continuously).
    WORKER_RECONCILE_EVERY_SECONDS = 60
    WORKER_ALERT_CHECKS_EVERY_SECONDS = 60
    WORKER_IDLE_SECONDS = 1.0
    WORKER_SHUTDOWN_GRACE_SECONDS = 8.0

    WTF_CSRF_HEADERS = ["X-CSRFToken"]
    WTF_CSRF_TIME_LIMIT = None
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    HSTS_MAX_AGE: int | None = None  # seconds; set in production
    PERMANENT_SESSION_LIFETIME = 30 * 60
    ADMIN_IDLE_TIMEOUT_SECONDS = 30 * 60

    BABEL_DEFAULT_LOCALE = "id"
    LANGUAGES = ("id", "en")


class DevelopmentConfig(BaseConfig):
    APP_ENV = "development"


class TestingConfig(BaseConfig):
    APP_ENV = "testing"
    TESTING = True
    SECRET_KEY = "testing-only-secret"
    WTF_CSRF_ENABLED = False
    RATELIMIT_ENABLED = True


class ProductionConfig(BaseConfig):
    APP_ENV = "production"
    SESSION_COOKIE_SECURE = True
    # "__Host-": browsers accept the cookie only if Secure, for path / and without a
    # Domain, so neither a sibling subdomain nor plain http can plant or overwrite it.
    SESSION_COOKIE_NAME = "__Host-session"
    HSTS_MAX_AGE = 365 * 24 * 60 * 60
    SIMULATOR_MOUNTED = False
    DEMO_SHOP = False


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def check_production(config: Mapping[str, Any]) -> None:
    """Refuse to run production on development defaults or with development-only parts.

    Each refusal closes a way in: a guessable SECRET_KEY forges admin sessions; SQLite
    loses payments under several workers; the simulator (mounted, or chosen as the
    Midtrans environment, which is what "no environment set" used to mean) lets anyone
    mark an order paid; the demo shop creates payable orders for goods that do not exist.
    """
    if config.get("APP_ENV") != "production":
        return
    missing = []
    if secret_key_problem(config.get("SECRET_KEY")):
        missing.append(f"SECRET_KEY (at least {MIN_SECRET_KEY_LENGTH} random characters)")
    uri = str(config.get("SQLALCHEMY_DATABASE_URI", ""))
    if not uri or uri.startswith("sqlite"):
        missing.append("DATABASE_URL (PostgreSQL)")
    if config.get("MIDTRANS_ENV") not in GATEWAY_ENVIRONMENTS:
        missing.append("MIDTRANS_ENV set to sandbox or production (never the simulator)")
    if config.get("MIDTRANS_ENV") == "production" and not config.get("MIDTRANS_SERVER_KEY"):
        missing.append("MIDTRANS_SERVER_KEY")
    if config.get("SIMULATOR_MOUNTED"):
        missing.append("SIMULATOR_MOUNTED off (the simulator is for development only)")
    if config.get("DEMO_SHOP"):
        missing.append("DEMO_SHOP off (the demo shop is for development only)")
    if missing:
        raise ConfigError("production needs: " + ", ".join(missing)
                          + ". (For a development server set APP_ENV=development.)")


def secret_key_problem(key: object) -> str | None:
    """Why ``key`` is too weak to sign production sessions, or None."""
    if not key or not isinstance(key, str) or len(key) < MIN_SECRET_KEY_LENGTH:
        return "too short"
    if len(set(key)) < MIN_SECRET_KEY_DISTINCT:
        return "not random"  # "xxxx...", "changemechangeme..."
    return None


def check_app_env(app_env: object) -> str:
    """The APP_ENV, refused unless it is one we know (a typo must not mean development)."""
    if app_env not in CONFIGS:
        raise ConfigError(f"APP_ENV must be one of {', '.join(CONFIGS)}, not {str(app_env)[:20]!r}")
    return str(app_env)
