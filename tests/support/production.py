"""An app configured as production, for tests of what production serves and refuses.

On PostgreSQL the real start-up checks run. On SQLite they would (rightly) refuse the
database, so only that check is bypassed; everything else is production's config.
"""
from __future__ import annotations

from tests.conftest import ON_POSTGRES

PRODUCTION_SECRET = "pr0d-9fQz_Lr2vW8xTn5bHs1mJc7dPa4E-k3Y"
PRODUCTION = {
    "APP_ENV": "production",
    "SECRET_KEY": PRODUCTION_SECRET,
    "MIDTRANS_ENV": "sandbox",
    "MIDTRANS_SERVER_KEY": "SB-Mid-server-Zq8xTestKeyAB12",
    "PUBLIC_URL": "https://pay.example.test",
}


def production_app(make_app, monkeypatch, **overrides):
    if not ON_POSTGRES:
        from checkout import config

        real_check = config.check_production

        def check_all_but_sqlite(settings):
            real_check({**settings, "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://checked@elsewhere/db"})

        monkeypatch.setattr("checkout.check_production", check_all_but_sqlite)
    return make_app(**{**PRODUCTION, **overrides})
