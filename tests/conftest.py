"""Fixtures shared by every test layer.

* ``app``: ``create_app`` with a fresh database per test (SQLite file, or PostgreSQL
  when ``DATABASE_URL`` points at one: a database per xdist worker, tables truncated
  between tests). The simulator is not mounted unless a test asks for ``live_app``.
* ``client``, ``runner``, ``ctx`` (an app context).
* ``simulator``: the Midtrans simulator on a real socket.
* ``live_app``: the whole product on a real socket with the simulator mounted
  in-process, configured exactly like the embedded default (``flask run``).
"""
from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
from sqlalchemy import text

from checkout import create_app
from checkout.config import normalise_database_url
from checkout.extensions import db
from tests.support.live_server import reserve_server, serve, start

POSTGRES_URL = normalise_database_url(os.environ.get("DATABASE_URL"))
ON_POSTGRES = bool(POSTGRES_URL and POSTGRES_URL.startswith("postgresql"))

# Never let the developer's own environment leak into tests.
for _name in ("MIDTRANS_ENV", "MIDTRANS_SERVER_KEY", "MIDTRANS_CLIENT_KEY", "MIDTRANS_API_BASE_URL",
              "MIDTRANS_SNAP_BASE_URL", "MIDTRANS_NOTIFICATION_URL", "RATELIMIT_STORAGE_URI", "PUBLIC_URL",
              "SECRET_KEY", "CHECKOUT_ENCRYPTION_KEY", "APP_ENV"):
    os.environ.pop(_name, None)


@pytest.fixture(scope="session")
def postgres_database(worker_id):
    """One PostgreSQL database per xdist worker, created fresh and dropped at the end."""
    if not ON_POSTGRES:
        yield None
        return
    import psycopg

    base = POSTGRES_URL.replace("postgresql+psycopg://", "postgresql://")
    name = f"checkout_test_{worker_id}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = base.rsplit("/", 1)[0] + "/" + name
    yield "postgresql+psycopg://" + url.split("://", 1)[1]
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def _postgres_schema(postgres_database):
    if postgres_database is None:
        return None
    app = create_app({"APP_ENV": "testing", "SQLALCHEMY_DATABASE_URI": postgres_database, "SIMULATOR_MOUNTED": False})
    with app.app_context():
        db.create_all()
        db.engine.dispose()
    return postgres_database


@pytest.fixture
def database_uri(tmp_path, _postgres_schema):
    if _postgres_schema is None:
        return f"sqlite:///{tmp_path / 'checkout.sqlite3'}"
    return _postgres_schema


def base_config(database_uri: str, instance_path: Path, **overrides) -> dict:
    config = {
        "APP_ENV": "testing",
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-that-is-long-enough-000",
        "SQLALCHEMY_DATABASE_URI": database_uri,
        "INSTANCE_PATH": str(instance_path),
        "SIMULATOR_MOUNTED": False,
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_STORAGE_URI": "memory://",
        "PUBLIC_URL": "http://checkout.test",
        "MIDTRANS_RETRIES": 0,
        "MIDTRANS_RETRY_BACKOFF": 0.01,
        "MIDTRANS_READ_TIMEOUT": 5.0,
    }
    config.update(overrides)
    return config


@pytest.fixture
def make_app(database_uri, tmp_path):
    """Build an app with extra config; every app built in a test shares its database."""
    apps = []

    def _make(**overrides):
        application = create_app(base_config(database_uri, tmp_path / "instance", **overrides))
        with application.app_context():
            if not ON_POSTGRES:
                db.create_all()
        apps.append(application)
        return application

    yield _make
    for application in apps:
        with application.app_context():
            if ON_POSTGRES:
                _truncate_all()
            db.session.remove()
            db.engine.dispose()


def _truncate_all() -> None:
    # DELETE in dependency order is far cheaper than TRUNCATE for the few rows a test leaves.
    # Sequences restart too, so every test sees ids from 1 as on a fresh database.
    for table in reversed(db.metadata.sorted_tables):
        db.session.execute(table.delete())
    resets = [f"setval(pg_get_serial_sequence('{t.name}', 'id'), 1, false)"
              for t in db.metadata.sorted_tables if "id" in t.c and t.c.id.autoincrement in (True, "auto")
              and t.c.id.primary_key]
    db.session.execute(text("SELECT " + ", ".join(resets)))
    db.session.commit()


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield app


SIMULATOR_TEST_CONFIG = {"SIMULATOR_TIME_SCALE": 0.001}


@pytest.fixture
def simulator(tmp_path):
    """The Midtrans simulator alone on a real socket (its own SQLite store in tmp_path)."""
    from checkout.simulator import create_app as create_simulator

    sim_app = create_simulator({"SIMULATOR_DATABASE": str(tmp_path / "simulator.sqlite3"), **SIMULATOR_TEST_CONFIG})
    server = serve(sim_app)
    server.app = sim_app
    yield server
    server.stop()
    sim_app.extensions["midtrans_simulator"].stop()


@pytest.fixture
def make_live_app(make_app, tmp_path):
    """Start the product on a real socket with the simulator mounted in-process (the
    embedded default), with config overrides; everything started is stopped after."""
    started = []

    def _start(**overrides):
        server = reserve_server()
        url = f"http://127.0.0.1:{server.server_port}"
        application = make_app(
            PUBLIC_URL=url,
            SIMULATOR_MOUNTED=True,
            SIMULATOR_CONFIG={"SIMULATOR_DATABASE": str(tmp_path / f"simulator{len(started)}.sqlite3"),
                              **SIMULATOR_TEST_CONFIG},
            **overrides,
        )
        live = start(server, application)
        live.app = application
        started.append(live)
        return live

    yield _start
    for live in started:
        live.stop()
        live.app.extensions["simulator"].extensions["midtrans_simulator"].stop()


@pytest.fixture
def live_app(make_live_app):
    """The product on a real socket, simulator mounted in-process: the embedded default."""
    return make_live_app()
