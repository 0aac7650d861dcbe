"""`flask db upgrade` on an empty database must produce exactly what the models describe."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade
from sqlalchemy import create_engine, inspect, text

from checkout import create_app
from checkout.extensions import db
from tests.conftest import ON_POSTGRES, POSTGRES_URL


def _empty_database_uri(tmp_path):
    if not ON_POSTGRES:
        return f"sqlite:///{tmp_path / 'migrated.sqlite3'}"
    import psycopg, uuid

    base = POSTGRES_URL.replace("postgresql+psycopg://", "postgresql://")
    name = f"checkout_migrations_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return "postgresql+psycopg://" + base.split("://", 1)[1].rsplit("/", 1)[0] + "/" + name


def _drop_database(uri):
    """Undo ``_empty_database_uri`` (SQLite's file goes with tmp_path)."""
    if ON_POSTGRES:
        import psycopg

        base = POSTGRES_URL.replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(base, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{uri.rsplit("/", 1)[1]}" WITH (FORCE)')


def test_upgrade_on_an_empty_database_matches_the_models(tmp_path):
    uri = _empty_database_uri(tmp_path)
    app = create_app({"APP_ENV": "testing", "SECRET_KEY": "x" * 40, "SQLALCHEMY_DATABASE_URI": uri,
                      "SIMULATOR_MOUNTED": False})
    try:
        with app.app_context():
            upgrade()
            with db.engine.connect() as conn:
                diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
                tables = set(inspect(conn).get_table_names())
            assert diff == [], f"migrations and models differ: {diff}"
            assert {t.name for t in db.metadata.sorted_tables} <= tables
            db.engine.dispose()
    finally:
        _drop_database(uri)
