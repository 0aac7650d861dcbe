import pytest

from checkout import create_app
from checkout.config import ConfigError, from_environment, normalise_database_url


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
    app = create_app({"APP_ENV": "production", "SECRET_KEY": "s" * 48,
                      "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://postgres@127.0.0.1/test",
                      "MIDTRANS_ENV": "sandbox", "MIDTRANS_SERVER_KEY": "SB-Mid-server-abc"})
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert "simulator" not in app.extensions
