"""Revision 0002: keys made before scopes existed keep every power they had."""
from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from checkout import create_app
from checkout.extensions import db
from tests.unit.test_migrations import _drop_database, _empty_database_uri


def test_existing_keys_get_all_three_scopes_and_no_expiry(tmp_path):
    uri = _empty_database_uri(tmp_path)
    app = create_app({"APP_ENV": "testing", "SECRET_KEY": "x" * 40, "SQLALCHEMY_DATABASE_URI": uri,
                      "SIMULATOR_MOUNTED": False})
    try:
        with app.app_context():
            upgrade(revision="0001")
            with db.engine.begin() as conn:
                conn.execute(text("INSERT INTO api_keys (name, prefix, key_hash, created_at) "
                                  "VALUES ('old', 'ck_live_AbCd', :h, CURRENT_TIMESTAMP)"), {"h": "a" * 64})
            upgrade(revision="0002")
            with db.engine.begin() as conn:
                row = conn.execute(text("SELECT scopes, expires_at FROM api_keys")).one()
                assert tuple(row) == ("read write refund", None)
                # The default served only the existing rows: a new key must state its scopes.
                failed = False
                try:
                    with conn.begin_nested():
                        conn.execute(text("INSERT INTO api_keys (name, prefix, key_hash, created_at) "
                                          "VALUES ('new', 'ck_live_EfGh', :h, CURRENT_TIMESTAMP)"), {"h": "b" * 64})
                except Exception:  # noqa: BLE001 - NOT NULL violation, named differently per database
                    failed = True
                assert failed
            downgrade(revision="0001")
            with db.engine.begin() as conn:
                assert conn.execute(text("SELECT name FROM api_keys")).scalar_one() == "old"
            db.engine.dispose()
    finally:
        _drop_database(uri)
