"""Under gunicorn with three workers, /metrics sums every worker's counts, and logs are JSON.

gunicorn runs with ``deploy/gunicorn.conf.py`` (the production config) and
``--max-requests 4``: every worker is replaced after four requests, so the requests are
answered by many processes, some of them gone by the time of the scrape, and the sum
must still be exact.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from tests.observability.helpers import free_port, value

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "gunicorn-metrics-token"
REQUESTS = 30


def _dead_pid() -> int:
    for pid in range(4_000_000, 3_000_000, -1):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return pid
        except PermissionError:
            continue
    pytest.skip("no free pid found")


@pytest.fixture
def server(app, tmp_path):
    directory = tmp_path / "prometheus"
    directory.mkdir()
    stale = directory / f"counter_{_dead_pid()}.db"
    stale.write_bytes(b"")  # left behind by a process of an earlier run
    port = free_port()
    config = {key: app.config[key] for key in ("APP_ENV", "TESTING", "SECRET_KEY", "SQLALCHEMY_DATABASE_URI",
                                               "SIMULATOR_MOUNTED", "WTF_CSRF_ENABLED", "RATELIMIT_STORAGE_URI")}
    config.update(METRICS_TOKEN=TOKEN, INSTANCE_PATH=str(tmp_path / "instance"))
    env = {**os.environ, "CHECKOUT_TEST_CONFIG": json.dumps(config), "PROMETHEUS_MULTIPROC_DIR": str(directory),
           "LOG_FORMAT": "json", "LOG_LEVEL": "INFO"}
    log_path = tmp_path / "gunicorn.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py", "-w", "3", "--preload",
             "--max-requests", "4", "--no-control-socket", "-b", f"127.0.0.1:{port}", "--graceful-timeout", "5",
             "tests.races.gunicorn_app:build()"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(url, process)
        yield url, directory, stale, log_path
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


def _wait_until_up(url: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"gunicorn exited with {process.returncode}")
        try:
            requests.get(url + "/healthz", timeout=1)
            return
        except requests.RequestException:
            time.sleep(0.1)
    raise AssertionError("gunicorn did not start in time")


def test_counts_are_summed_over_every_worker_and_logs_are_json(server):
    url, directory, stale, log_path = server
    assert not stale.exists()  # the start removed a dead process's samples, and only those

    before = requests.get(f"{url}/metrics", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=30).text
    ids = set()
    for _ in range(REQUESTS):
        response = requests.get(f"{url}/healthz", timeout=30)  # a new connection each time
        assert response.status_code == 200
        ids.add(response.headers["X-Request-ID"])
    assert requests.get(f"{url}/metrics", timeout=30).status_code == 401
    after = requests.get(f"{url}/metrics", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=30).text

    labels = {"route": "/healthz", "method": "GET", "status": "200"}
    assert value(after, "checkout_http_requests_total", **labels) - value(
        before, "checkout_http_requests_total", **labels) == REQUESTS
    assert value(after, "checkout_http_request_duration_seconds_count", route="/healthz", method="GET") - value(
        before, "checkout_http_request_duration_seconds_count", route="/healthz", method="GET") == REQUESTS
    # Answered by many processes (workers are replaced every four requests).
    pids = {path.stem.rsplit("_", 1)[1] for path in directory.glob("counter_*.db")}
    assert len(pids) >= 4, pids

    time.sleep(0.2)  # let the last access lines reach the file
    lines = [json.loads(line) for line in log_path.read_text().splitlines() if line.strip()]
    access = [line for line in lines if line["logger"] == "gunicorn.access"]
    assert {line["request_id"] for line in access if line["http"]["path"] == "/healthz"} >= ids
    assert all(line["http"]["path"] != "/metrics" or "Bearer" not in json.dumps(line) for line in access)
    assert TOKEN not in log_path.read_text()
