"""/readyz follows the real servers: Redis stops, then PostgreSQL stops, and both come back.

The app runs on a PostgreSQL and a Redis started by this test (never the machine's), its
schema built by ``flask db upgrade``. Checkout pages answer 503 with Retry-After while the
database is down, Midtrans's notifications 503 (so Midtrans retries), and the liveness
probe keeps answering 200 throughout.
"""
from __future__ import annotations

import time

import pytest
from flask_migrate import upgrade

from checkout import create_app
from checkout.extensions import db
from tests.conftest import base_config
from tests.observability.throwaway import ThrowawayPostgres, ThrowawayRedis


@pytest.fixture
def servers():
    postgres = ThrowawayPostgres()
    redis = ThrowawayRedis()
    try:
        postgres.start()
        redis.start()
        yield postgres, redis
    finally:
        redis.stop()
        postgres.destroy()


def _ready_state(client, expect_status: int, timeout: float = 10.0):
    """Probe as a load balancer would (every 0.1 s) until the expected answer comes."""
    deadline = time.monotonic() + timeout
    while True:
        response = client.get("/readyz")
        if response.status_code == expect_status or time.monotonic() > deadline:
            return response
        time.sleep(0.1)


def test_readyz_turns_503_and_back_as_redis_and_postgres_stop_and_return(servers, tmp_path):
    postgres, redis = servers
    app = create_app(base_config(postgres.url, tmp_path / "instance", RATELIMIT_STORAGE_URI=redis.url,
                                 RATELIMIT_KEY_PREFIX="readyz-test"))
    with app.app_context():
        upgrade()
    client = app.test_client()
    try:
        ready = _ready_state(client, 200)
        assert ready.status_code == 200, ready.json
        assert set(ready.json["checks"]) == {"database", "migrations", "redis"}

        redis.stop()
        down = _ready_state(client, 503)
        assert down.status_code == 503
        assert down.json["failing"] == ["redis"]
        assert down.json["checks"]["database"]["ok"] and down.json["checks"]["migrations"]["ok"]
        redis.start()
        assert _ready_state(client, 200).status_code == 200

        postgres.stop()
        down = _ready_state(client, 503)
        assert down.status_code == 503
        assert "database" in down.json["failing"]
        assert down.json["checks"]["redis"]["ok"] is True
        assert client.get("/healthz").status_code == 200
        page = client.get("/pay/abcdefghijklmnop1234", headers={"Accept-Language": "en"})
        assert page.status_code == 503 and page.headers["Retry-After"]
        assert b"unavailable right now" in page.data
        assert client.post("/webhooks/midtrans", data=b'{"order_id": "X-1"}',
                           content_type="application/json").status_code == 503

        postgres.start()
        back = _ready_state(client, 200)
        assert back.status_code == 200, back.json
    finally:
        with app.app_context():
            db.engine.dispose()
