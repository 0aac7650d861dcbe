import subprocess
import sys
from pathlib import Path

import pytest

from checkout import create_app
from checkout.config import ConfigError, from_environment, normalise_database_url

ROOT = Path(__file__).resolve().parents[2]
STRONG_KEY = "k3Y-9fQz_Lr2vW8xTn5bHs1mJc7dPa4E"
PRODUCTION = {"APP_ENV": "production", "SECRET_KEY": STRONG_KEY,
              "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://postgres@127.0.0.1/test",
              "MIDTRANS_ENV": "sandbox", "MIDTRANS_SERVER_KEY": "SB-Mid-server-abc"}


def test_database_url_selects_psycopg3():
    assert normalise_database_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_database_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_database_url("sqlite:///x.db") == "sqlite:///x.db"


def test_environment_variables_are_read_when_the_app_is_created():
    config = from_environment({"MIDTRANS_ENV": "sandbox", "PUBLIC_URL": "https://pay.example.com/",
                               "RETURN_URL_ALLOWLIST": "https://a.example, https://b.example"})
    assert config["MIDTRANS_ENV"] == "sandbox"
    assert config["PUBLIC_URL"] == "https://pay.example.com"
    assert config["RETURN_URL_ALLOWLIST"] == ["https://a.example", "https://b.example"]


@pytest.mark.parametrize("overrides, missing", [
    ({}, "SECRET_KEY"),
    ({"SECRET_KEY": "x" * 40}, "DATABASE_URL"),
    ({"SECRET_KEY": "x" * 40, "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://h/db", "MIDTRANS_ENV": "production"},
     "MIDTRANS_SERVER_KEY"),
    ({"SECRET_KEY": "x" * 40, "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://h/db", "MIDTRANS_ENV": "simulator"},
     "simulator"),
])
def test_production_refuses_to_start_without_its_secrets(overrides, missing):
    with pytest.raises(ConfigError, match=missing):
        create_app({"APP_ENV": "production", "SECRET_KEY": None, "SQLALCHEMY_DATABASE_URI": None, **overrides})


def test_production_starts_with_its_secrets(tmp_path):
    app = create_app(PRODUCTION)
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_NAME"] == "__Host-session"
    assert app.config["DEMO_SHOP"] is False
    assert "simulator" not in app.extensions


@pytest.mark.parametrize("overrides, refused", [
    ({"SIMULATOR_MOUNTED": True}, "SIMULATOR_MOUNTED"),
    ({"MIDTRANS_ENV": None}, "MIDTRANS_ENV"),
    ({"MIDTRANS_ENV": "simulator"}, "MIDTRANS_ENV"),
    ({"MIDTRANS_ENV": "prod"}, "MIDTRANS_ENV"),
    ({"DEMO_SHOP": True}, "DEMO_SHOP"),
    ({"SECRET_KEY": "x" * 64}, "SECRET_KEY"),
    ({"SECRET_KEY": "changeme" * 5}, "SECRET_KEY"),
    ({"SECRET_KEY": "short-but-random-9f3K"}, "SECRET_KEY"),
])
def test_production_refuses_what_is_only_for_development(overrides, refused):
    with pytest.raises(ConfigError, match=refused):
        create_app({**PRODUCTION, **overrides})


def test_the_environment_cannot_switch_the_simulator_or_demo_on_in_production():
    env = {"SIMULATOR_MOUNTED": "1", "DEMO_SHOP": "1", "MIDTRANS_ENV": "sandbox"}
    config = from_environment(env)
    assert config["SIMULATOR_MOUNTED"] is True and config["DEMO_SHOP"] is True
    with pytest.raises(ConfigError, match="SIMULATOR_MOUNTED.*DEMO_SHOP"):
        create_app({**PRODUCTION, **config})


def test_without_app_env_the_app_is_production(monkeypatch):
    monkeypatch.delenv("APP_ENV", raising=False)
    assert from_environment({})["APP_ENV"] == "production"
    # No secrets: refused, never a development app with a public fallback secret.
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app({"SQLALCHEMY_DATABASE_URI": None})
    app = create_app({key: value for key, value in PRODUCTION.items() if key != "APP_ENV"})
    assert app.config["APP_ENV"] == "production" and "simulator" not in app.extensions


def test_an_unknown_app_env_is_refused():
    with pytest.raises(ConfigError, match="APP_ENV"):
        create_app({**PRODUCTION, "APP_ENV": "prod"})


def _import_wsgi(env: dict) -> subprocess.CompletedProcess:
    clean = {"PATH": "/usr/bin:/bin", "HOME": str(ROOT), **env}
    return subprocess.run([sys.executable, "-c", "import wsgi; print(wsgi.app.config['APP_ENV'])"], cwd=ROOT,
                          env=clean, capture_output=True, text=True, timeout=60)


def test_gunicorn_entry_point_without_app_env_refuses_to_run_as_development(tmp_path):
    refused = _import_wsgi({})
    assert refused.returncode != 0 and "ConfigError" in refused.stderr and "SECRET_KEY" in refused.stderr
    started = _import_wsgi({"APP_ENV": "development", "DATABASE_URL": f"sqlite:///{tmp_path}/x.sqlite3",
                            "SIMULATOR_MOUNTED": "0"})
    assert started.returncode == 0, started.stderr
    assert started.stdout.strip() == "development"


def test_development_scripts_say_development_explicitly():
    assert "export APP_ENV=development" in (ROOT / "scripts" / "run.sh").read_text()
    assert "APP_ENV=development" in (ROOT / ".flaskenv.example").read_text()
    assert '"APP_ENV": "development"' in (ROOT / "bench" / "bench_app.py").read_text()
