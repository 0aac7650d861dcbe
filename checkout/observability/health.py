"""Probes for load balancers and orchestrators: no authentication, no secrets, no limits.

``GET /healthz``: liveness. The process answers; nothing else is touched.

``GET /readyz``: readiness. Each check reports ``ok`` and its duration in seconds:

* ``database``: a trivial query on a pooled connection;
* ``migrations``: the database's Alembic revision is the head of ``migrations/`` (a new
  release must not serve on an old schema);
* ``redis``: a PING, only when Redis is configured (``RATELIMIT_STORAGE_URI`` or
  ``REDIS_URL``): the rate limits of every worker share it.

200 when every check passes, 503 naming the failing check otherwise. Cheap enough for a
probe every second: two small queries on a pooled connection and one PING; the migration
head is read from disk once per process. Error texts are fixed words, never a driver's
message (which could name a host, a user or a password).
"""
from __future__ import annotations

import logging
import time
from typing import Callable

from flask import Blueprint, current_app, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from checkout.extensions import db

log = logging.getLogger(__name__)
bp = Blueprint("health", __name__)
REDIS_SCHEMES = ("redis://", "rediss://", "unix://")
REDIS_TIMEOUT_SECONDS = 0.5


class CheckFailed(Exception):
    """A readiness check did not pass; the message is a fixed, secret-free phrase."""


@bp.get("/healthz")
def healthz():
    return _no_store(jsonify({"status": "ok"}))


@bp.get("/readyz")
def readyz():
    checks = {"database": _database, "migrations": _migrations}
    if redis_url(current_app.config):
        checks["redis"] = _redis
    results = {name: _run(check) for name, check in checks.items()}
    failing = [name for name, result in results.items() if not result["ok"]]
    body = {"status": "ready" if not failing else "unavailable", "checks": results}
    if failing:
        body["failing"] = failing
        log.warning("not ready: %s", ", ".join(f"{n} ({results[n]['error']})" for n in failing))
    return _no_store(jsonify(body)), 503 if failing else 200


def _run(check: Callable[[], None]) -> dict:
    started = time.perf_counter()
    try:
        check()
        result: dict = {"ok": True}
    except CheckFailed as exc:
        result = {"ok": False, "error": str(exc)}
    result["duration_seconds"] = round(time.perf_counter() - started, 6)
    return result


def _database() -> None:
    try:
        with db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except (SQLAlchemyError, OSError):
        raise CheckFailed("unreachable") from None


def _migrations() -> None:
    heads = migration_heads()
    try:
        with db.engine.connect() as connection:
            current = {row[0] for row in connection.execute(text("SELECT version_num FROM alembic_version"))}
    except (SQLAlchemyError, OSError):
        raise CheckFailed("revision unreadable (database unreachable or never migrated)") from None
    if current != heads:
        have = ",".join(sorted(current)) or "none"
        raise CheckFailed(f"database at {have}, code expects {','.join(sorted(heads))}: run flask db upgrade")


def migration_heads() -> set[str]:
    """The head revision(s) of migrations/, read once per process."""
    heads = current_app.extensions.get("checkout.migration_heads")
    if heads is None:
        from alembic.script import ScriptDirectory

        directory = current_app.extensions["migrate"].directory
        heads = current_app.extensions["checkout.migration_heads"] = set(ScriptDirectory(directory).get_heads())
    return heads


def redis_url(config) -> str | None:
    """The Redis the app depends on, if any: the rate-limit storage, else REDIS_URL."""
    for candidate in (config.get("RATELIMIT_STORAGE_URI"), config.get("REDIS_URL")):
        if candidate and str(candidate).startswith(REDIS_SCHEMES):
            return str(candidate)
    return None


def _redis() -> None:
    import redis

    client = current_app.extensions.get("checkout.readiness_redis")
    if client is None:
        client = current_app.extensions["checkout.readiness_redis"] = redis.Redis.from_url(
            redis_url(current_app.config), socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
            socket_timeout=REDIS_TIMEOUT_SECONDS, retry_on_timeout=False)
    try:
        client.ping()
    except (redis.RedisError, OSError):
        raise CheckFailed("unreachable") from None


def _no_store(response):
    response.headers["Cache-Control"] = "no-store"
    return response
