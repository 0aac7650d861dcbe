"""A worker command's counts reach the web's /metrics through the shared multiprocess directory."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from checkout.extensions import db
from checkout.outbox import endpoints
from checkout.outbox.events import emit
from tests.factories import make_order
from tests.observability.helpers import scrape, value
from tests.outbox.receiver import start_receiver

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "worker-metrics-token"


def test_outbox_worker_deliveries_show_in_the_webs_metrics(make_app, tmp_path, monkeypatch):
    app = make_app(METRICS_TOKEN=TOKEN)
    directory = tmp_path / "prometheus"
    receiver = start_receiver()
    try:
        with app.app_context():
            endpoint, _secret = endpoints.add(f"{receiver.url}/hooks", actor="test")
            endpoint_id = endpoint.id
            emit("checkout.session.paid", make_order())
            db.session.commit()
        env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(directory), "APP_ENV": "development",
               "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "SECRET_KEY": app.config["SECRET_KEY"],
               "SIMULATOR_MOUNTED": "0", "LOG_FORMAT": "json"}
        result = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "outbox", "deliver-once"],
                                cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stderr
        assert "delivered=1" in result.stdout, result.stdout
    finally:
        receiver.receiver.release.set()
        receiver.stop()

    # The web process reads the same directory (as its gunicorn workers would).
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(directory))
    exposition = scrape(app.test_client(), TOKEN)
    assert value(exposition, "checkout_webhook_deliveries_total", endpoint=str(endpoint_id),
                 outcome="delivered") == 1
    assert value(exposition, "checkout_outbox_pending_deliveries") == 0
