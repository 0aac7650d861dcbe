"""One logging setup: JSON lines in production, text in development, request ids on every line."""
from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from checkout.observability import logs
from tests.storefront.conftest import fake_gateway  # noqa: F401  (fixture)
from tests.factories import make_order

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _restore_logging():
    yield
    logs.configure("INFO", "text")


def json_lines(text: str) -> list[dict]:
    """Every line of ``text`` parsed as JSON (fails on a line that is not)."""
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def test_production_format_is_one_json_object_per_line_with_the_request_id(make_app, capfd):
    client = make_app(LOG_FORMAT="json").test_client()
    capfd.readouterr()
    response = client.post("/webhooks/midtrans", data=b"not json", content_type="application/json")
    assert response.status_code == 400
    lines = json_lines(capfd.readouterr().out)
    rejected = [line for line in lines if "rejected" in line["message"]]
    assert len(rejected) == 1, lines  # a rejected notification leaves exactly one line
    line = rejected[0]
    assert line["request_id"] == response.headers["X-Request-ID"]
    assert line["level"] == "INFO" and line["logger"] == "checkout.notifications.processing"
    assert {"time", "message", "process"} <= set(line)


def test_order_reference_and_attempt_id_ride_along(make_app, capfd, fake_gateway):  # noqa: F811
    app = make_app(LOG_FORMAT="json")
    with app.app_context():
        order = make_order()
        public_id, reference = order.public_id, order.reference
    capfd.readouterr()
    response = app.test_client().post(f"/pay/{public_id}/qris")
    assert response.status_code in (200, 303)
    opened = [line for line in json_lines(capfd.readouterr().out) if "opened" in line["message"]]
    assert len(opened) == 1
    assert opened[0]["order_reference"] == reference
    assert isinstance(opened[0]["attempt_id"], int)
    assert opened[0]["request_id"] == response.headers["X-Request-ID"]


def test_development_format_is_text_with_the_context(make_app, capfd):
    client = make_app().test_client()
    capfd.readouterr()
    response = client.post("/webhooks/midtrans", data=b"[]", content_type="application/json")
    out = capfd.readouterr().out
    line = next(line for line in out.splitlines() if "rejected" in line)
    assert not line.startswith("{")
    assert f"request_id={response.headers['X-Request-ID']}" in line


def test_log_level_comes_from_config(make_app):
    make_app(LOG_LEVEL="WARNING")
    assert logging.getLogger().level == logging.WARNING
    make_app()
    assert logging.getLogger().level == logging.INFO  # the default
    ours = [h for h in logging.getLogger().handlers if getattr(h, "_checkout", False)]
    assert len(ours) == 1  # every create_app replaces, never stacks


@pytest.mark.parametrize("trusted, offered, kept", [
    (0, "req-from-the-internet", False),
    (1, "req-from-our-proxy-42", True),
    (1, "x" * 129, False),
    (1, "bad\x01id", False),
    (1, "has space", False),
    (1, "", False),
])
def test_x_request_id_is_kept_only_from_a_trusted_proxy_and_well_formed(make_app, trusted, offered, kept):
    client = make_app(TRUSTED_PROXIES=trusted).test_client()
    headers = {"X-Request-ID": offered} if offered else {}
    returned = client.get("/healthz", headers=headers).headers["X-Request-ID"]
    if kept:
        assert returned == offered
    else:
        assert returned != offered and len(returned) == 32 and returned.isalnum()


def test_each_request_gets_its_own_id(client):
    assert len({client.get("/healthz").headers["X-Request-ID"] for _ in range(5)}) == 5


def test_gunicorns_access_line_becomes_a_json_object():
    from gunicorn.glogging import SafeAtoms

    atoms = SafeAtoms({"m": "GET", "U": "/pay/abc/status", "q": "have=secret-ish", "s": "204", "D": 1500,
                       "B": 0, "h": "127.0.0.1", "a": "Mozilla/5.0", "{x-request-id}o": "rid-1",
                       "{authorization}i": "Bearer ck_live_secret", "{cookie}i": "session=abc"})
    record = logging.LogRecord("gunicorn.access", logging.INFO, __file__, 1, '%(h)s "%(r)s" %(s)s', (atoms,), None)
    handler_format = logs.make_handler("json")
    assert all(f.filter(record) for f in handler_format.filters)
    line = json.loads(handler_format.format(record))
    assert line["message"] == "GET /pay/abc/status 204"
    assert line["request_id"] == "rid-1"
    assert line["http"] == {"method": "GET", "path": "/pay/abc/status", "status": 204, "duration_seconds": 0.0015,
                            "bytes": 0, "remote_addr": "127.0.0.1", "user_agent": "Mozilla/5.0"}
    text = json.dumps(line)
    assert "ck_live_secret" not in text and "session=abc" not in text and "have=" not in text


def test_flask_commands_log_through_the_same_setup(tmp_path):
    env = {**os.environ, "APP_ENV": "development", "LOG_FORMAT": "json", "SIMULATOR_MOUNTED": "0",
           "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite3'}"}
    result = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    logged = json_lines(result.stdout)  # nothing but JSON lines on stdout
    assert any(line["logger"] == "alembic.runtime.migration" and line["message"].startswith("Running upgrade")
               for line in logged), result.stdout
