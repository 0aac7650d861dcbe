"""The running production topology, shared by every test of a module (it takes seconds to
start). Tests add assertions against ``topology`` and ``journey`` without restarting it."""
from __future__ import annotations

import os

import pytest

from tests.production.topology import Topology

BASE_DATABASE_URL = (os.environ.get("TEST_DATABASE_URL") or os.environ.get("DATABASE_URL")
                     or "postgresql://postgres@127.0.0.1:5432/test").replace("postgresql+psycopg://", "postgresql://")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def _reachable() -> str | None:
    import psycopg
    import redis

    try:
        psycopg.connect(BASE_DATABASE_URL, connect_timeout=3).close()
    except Exception as exc:  # noqa: BLE001
        return f"PostgreSQL not reachable at {BASE_DATABASE_URL}: {exc}"
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3).ping()
    except Exception as exc:  # noqa: BLE001
        return f"Redis not reachable at {REDIS_URL}: {exc}"
    return None


@pytest.fixture(scope="module")
def topology(tmp_path_factory):
    if not (os.environ.get("DATABASE_URL") or "").startswith("postgres") and os.environ.get("TEST_TOPOLOGY") != "1":
        # It uses PostgreSQL whatever the suite's database; run it once, in the PostgreSQL pass.
        pytest.skip("runs in the PostgreSQL pass of the suite (or set TEST_TOPOLOGY=1)")
    problem = _reachable()
    if problem:
        if os.environ.get("REQUIRE_POSTGRES") == "1":
            pytest.fail(problem)
        pytest.skip(problem)
    running = Topology(BASE_DATABASE_URL, REDIS_URL, tmp_path_factory.mktemp("topology"))
    try:
        running.set_up()
        yield running
    finally:
        running.tear_down()
