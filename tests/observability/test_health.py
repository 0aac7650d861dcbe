"""GET /healthz and GET /readyz: what they check, what they answer, and that nothing limits them."""
from __future__ import annotations

import pytest
from flask_migrate import upgrade

from checkout import create_app
from checkout.extensions import db
from tests.conftest import ON_POSTGRES, base_config
from tests.observability.helpers import free_port, unreachable_database_app


@pytest.fixture
def migrated_app(tmp_path):
    """An app whose own SQLite database was built by ``flask db upgrade`` (as production's
    is; the PostgreSQL case runs against a throwaway server in test_readiness_outage)."""
    app = create_app(base_config(f"sqlite:///{tmp_path / 'migrated.sqlite3'}", tmp_path / "instance"))
    with app.app_context():
        upgrade()
    yield app
    with app.app_context():
        db.engine.dispose()


def test_healthz_answers_without_touching_anything(tmp_path):
    app = unreachable_database_app(tmp_path)
    response = app.test_client().get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok"}
    assert response.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response.headers


def test_readyz_is_ready_on_a_migrated_database(migrated_app):
    response = migrated_app.test_client().get("/readyz")
    assert response.status_code == 200, response.json
    body = response.json
    assert body["status"] == "ready"
    assert set(body["checks"]) == {"database", "migrations"}  # no Redis configured: not checked
    for check in body["checks"].values():
        assert check["ok"] is True
        assert 0 <= check["duration_seconds"] < 5
    assert "Set-Cookie" not in response.headers


@pytest.mark.skipif(ON_POSTGRES, reason="the shared test database is built by create_all on both engines; "
                                         "SQLite is enough to show the missing revision")
def test_readyz_refuses_a_database_that_was_never_migrated(app):
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json["failing"] == ["migrations"]
    assert response.json["checks"]["database"]["ok"] is True


def test_readyz_refuses_a_database_behind_the_code(migrated_app):
    with migrated_app.app_context():
        db.session.execute(db.text("UPDATE alembic_version SET version_num = 'older'"))
        db.session.commit()
    response = migrated_app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json["failing"] == ["migrations"]
    assert "older" in response.json["checks"]["migrations"]["error"]


def test_readyz_names_an_unreachable_database_without_its_address(tmp_path):
    app = unreachable_database_app(tmp_path)
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json["status"] == "unavailable"
    assert "database" in response.json["failing"]
    assert response.json["checks"]["database"] == {"ok": False, "error": "unreachable",
                                                   "duration_seconds": response.json["checks"]["database"][
                                                       "duration_seconds"]}
    assert b"127.0.0.1" not in response.data and b"checkout@" not in response.data


def test_readyz_checks_redis_when_the_rate_limits_use_it(migrated_app):
    migrated_app.config["RATELIMIT_STORAGE_URI"] = f"redis://:hunter2-secret@127.0.0.1:{free_port()}/0"
    response = migrated_app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json["failing"] == ["redis"]
    assert response.json["checks"]["redis"]["error"] == "unreachable"
    assert b"hunter2" not in response.data


def test_readyz_checks_redis_url_too(migrated_app):
    migrated_app.config["REDIS_URL"] = f"redis://127.0.0.1:{free_port()}/0"
    assert migrated_app.test_client().get("/readyz").json["failing"] == ["redis"]


def test_probes_are_never_rate_limited(limited_app):
    # An application-wide limit of 2 per minute applies to every other route.
    app = limited_app("2/minute")
    client = app.test_client()
    assert [client.get("/healthz").status_code for _ in range(6)] == [200] * 6
    assert all(client.get("/readyz").status_code != 429 for _ in range(6))
    assert [client.get("/").status_code for _ in range(3)][-1] == 429
