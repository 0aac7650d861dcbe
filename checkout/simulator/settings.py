"""The simulator's configuration: every ``SIMULATOR_*`` key, read once, typed.

``create_app(config)`` passes its dict (merged over the Flask config) to
:meth:`Settings.from_config`; a wrong type fails at start-up with the key's name rather
than deep inside a request.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

from . import faults

MEGABYTE = 1024 * 1024


@dataclass(frozen=True)
class Settings:
    database: str | None = None             # SIMULATOR_DATABASE: SQLite file; default in instance path
    public_url: str | None = None           # SIMULATOR_PUBLIC_URL: base for emitted URLs
    server_keys: tuple[str, ...] | None = None  # SIMULATOR_SERVER_KEYS: accepted keys (default: any SB-Mid-server-*)
    client_keys: tuple[str, ...] | None = None  # SIMULATOR_CLIENT_KEYS
    merchant_id: str = "G123456789"         # SIMULATOR_MERCHANT_ID
    merchant_name: str = "Midtrans Simulator"  # SIMULATOR_MERCHANT_NAME (QRIS field 59)
    merchant_city: str = "Jakarta"          # SIMULATOR_MERCHANT_CITY (QRIS field 60)
    notification_url: str | None = None     # SIMULATOR_NOTIFICATION_URL: the "dashboard" URL
    time_scale: float = 1.0                 # SIMULATOR_TIME_SCALE: multiplies the retry schedule
    delivery_timeout: float = 15.0          # SIMULATOR_DELIVERY_TIMEOUT: seconds per notification POST
    poll_interval: float = 0.5              # SIMULATOR_POLL_INTERVAL: worker's longest sleep
    background: bool = True                 # SIMULATOR_BACKGROUND: run the worker thread at all
    idempotency_ttl: float = 300.0          # SIMULATOR_IDEMPOTENCY_TTL: replay window, seconds
    refund_confirm_delay: float = 2.0       # SIMULATOR_REFUND_CONFIRM_DELAY: bank confirmation lag
    max_body_bytes: int = MEGABYTE          # SIMULATOR_MAX_BODY_BYTES
    faults: dict = field(default_factory=dict)  # SIMULATOR_FAULTS: initial fault switches

    @classmethod
    def from_config(cls, config: Mapping) -> "Settings":
        def get(name: str, kind, default):
            value = config.get(f"SIMULATOR_{name}", default)
            if value is None or isinstance(value, kind):
                return value
            if kind is float and isinstance(value, int) and not isinstance(value, bool):
                return float(value)
            raise TypeError(f"SIMULATOR_{name} must be {getattr(kind, '__name__', kind)}, not {type(value).__name__}")

        def keys(name: str) -> tuple[str, ...] | None:
            value = config.get(f"SIMULATOR_{name}")
            if value is None:
                return None
            if isinstance(value, str) or not all(isinstance(item, str) for item in value):
                raise TypeError(f"SIMULATOR_{name} must be a list of strings")
            return tuple(value)

        seed = config.get("SIMULATOR_FAULTS") or {}
        faults.validate(seed)  # raises InvalidFaults naming the bad switch
        time_scale = get("TIME_SCALE", float, 1.0)
        if time_scale <= 0:
            raise ValueError("SIMULATOR_TIME_SCALE must be positive")
        return cls(
            database=get("DATABASE", str, None),
            public_url=get("PUBLIC_URL", str, None),
            server_keys=keys("SERVER_KEYS"),
            client_keys=keys("CLIENT_KEYS"),
            merchant_id=get("MERCHANT_ID", str, cls.merchant_id),
            merchant_name=get("MERCHANT_NAME", str, cls.merchant_name),
            merchant_city=get("MERCHANT_CITY", str, cls.merchant_city),
            notification_url=get("NOTIFICATION_URL", str, None),
            time_scale=time_scale,
            delivery_timeout=get("DELIVERY_TIMEOUT", float, cls.delivery_timeout),
            poll_interval=get("POLL_INTERVAL", float, cls.poll_interval),
            background=get("BACKGROUND", bool, True),
            idempotency_ttl=get("IDEMPOTENCY_TTL", float, cls.idempotency_ttl),
            refund_confirm_delay=get("REFUND_CONFIRM_DELAY", float, cls.refund_confirm_delay),
            max_body_bytes=get("MAX_BODY_BYTES", int, MEGABYTE),
            faults=dict(seed),
        )
