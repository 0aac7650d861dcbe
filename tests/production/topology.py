"""The production topology as real processes: the Procfile under honcho (gunicorn with three
workers, and `flask worker`), a fresh PostgreSQL database on the machine's server, Redis
with a key prefix of its own, the Midtrans simulator standalone under gunicorn, a real
SMTP server and a shop endpoint for webhooks, both on 127.0.0.1.

The app is configured as a real sandbox merchant would configure it (APP_ENV=production,
MIDTRANS_ENV=sandbox, an SB-Mid-server key, the Midtrans hosts pointed at the simulator):
nothing in it knows it is being tested.
"""
from __future__ import annotations

import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import uuid
from html import unescape
from pathlib import Path

import psycopg
import requests

from tests.outbox.receiver import start_receiver
from tests.support.smtp_server import SmtpServer
from tests.support.waiting import wait_until

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
STOP_WITHIN = 10.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def form_action(html: str, pattern: str) -> str:
    actions = [unescape(a) for a in re.findall(r'<form[^>]*action="([^"]+)"', html)]
    matches = [a for a in actions if re.search(pattern, a)]
    assert matches, f"no form matching {pattern!r} among {actions}"
    return matches[0]


class Topology:
    def __init__(self, base_database_url: str, redis_url: str, workdir: Path):
        self.workdir = workdir
        self.base_database_url = base_database_url
        self.database_name = f"checkout_topology_{uuid.uuid4().hex[:10]}"
        self.database_url = base_database_url.rsplit("/", 1)[0] + "/" + self.database_name
        self.redis_url = redis_url
        self.redis_prefix = f"checkout-topology-{uuid.uuid4().hex[:10]}"
        self.app_port, self.sim_port = free_port(), free_port()
        self.url = f"http://127.0.0.1:{self.app_port}"
        self.sim_url = f"http://127.0.0.1:{self.sim_port}"
        self.smtp = SmtpServer()
        self.shop = start_receiver()  # the shop's backend receiving our webhooks
        self.server_key = "SB-Mid-server-topology" + secrets.token_hex(8)
        self.log_path = workdir / "procfile.log"
        self.honcho: subprocess.Popen | None = None
        self.simulator: subprocess.Popen | None = None
        self.api_key: str | None = None
        self.webhook_secret: str | None = None
        self.metrics_token = secrets.token_urlsafe(24)
        self.metrics_dir = workdir / "metrics"
        self.metrics_dir.mkdir(exist_ok=True)
        self.env = self._environment()

    # --- set-up ------------------------------------------------------------------------

    def _environment(self) -> dict:
        empty = self.workdir / "empty.env"
        empty.write_text("")
        env = {key: value for key, value in os.environ.items()
               if not key.startswith(("MIDTRANS_", "SIMULATOR_", "RATELIMIT_", "FLASK_", "WERKZEUG_"))}
        env.update({
            "PATH": f"{BIN}{os.pathsep}{env.get('PATH', '')}",
            "FLASK_APP": "wsgi",
            "FLASK_SKIP_DOTENV": "1",  # the developer's .env and .flaskenv must not leak in
            "APP_ENV": "production",
            "SECRET_KEY": secrets.token_urlsafe(48),
            "DATABASE_URL": self.database_url,
            "PUBLIC_URL": self.url,
            "BIND": f"127.0.0.1:{self.app_port}",
            "WEB_CONCURRENCY": "3",
            "RATELIMIT_STORAGE_URI": self.redis_url,
            "RATELIMIT_KEY_PREFIX": self.redis_prefix,
            "MIDTRANS_ENV": "sandbox",
            "MIDTRANS_SERVER_KEY": self.server_key,
            "MIDTRANS_CLIENT_KEY": "SB-Mid-client-topology",
            "MIDTRANS_API_BASE_URL": self.sim_url,
            "MIDTRANS_SNAP_BASE_URL": f"{self.sim_url}/snap/v1",
            "MIDTRANS_NOTIFICATION_URL": f"{self.url}/webhooks/midtrans",
            "RETURN_URL_ALLOWLIST": f"{self.shop.url}/",
            "WEBHOOK_ALLOW_PRIVATE_TARGETS": "1",
            "SMTP_URL": self.smtp.url,
            "MAIL_FROM": "Toko <toko@toko.example>",
            "ALERT_EMAILS": "owner@toko.example",
            "METRICS_TOKEN": self.metrics_token,
            "PROMETHEUS_MULTIPROC_DIR": str(self.metrics_dir),
        })
        self.honcho_env_file = empty
        return env

    def flask(self, *args: str) -> str:
        result = subprocess.run([str(BIN / "flask"), *args], cwd=ROOT, env=self.env, capture_output=True,
                                text=True, timeout=120)
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout

    def set_up(self) -> None:
        with psycopg.connect(self.base_database_url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{self.database_name}"')
        self.smtp.up()
        self.flask("db", "upgrade")
        self.api_key = self.flask("api-keys", "create", "shop backend").strip().splitlines()[-1]
        self.webhook_secret = self.flask("webhooks", "add", f"{self.shop.url}/hooks").strip().splitlines()[-1]
        self._start_simulator()
        self.start()

    def _start_simulator(self) -> None:
        config = {"SIMULATOR_DATABASE": str(self.workdir / "simulator.sqlite3"),
                  # Midtrans's retry schedule, 100 times faster (2 minutes become 1.2 s).
                  "SIMULATOR_TIME_SCALE": 0.01, "SIMULATOR_POLL_INTERVAL": 0.2}
        self.simulator = subprocess.Popen(
            [str(BIN / "gunicorn"), "--workers", "1", "--worker-class", "gthread", "--threads", "8",
             "--bind", f"127.0.0.1:{self.sim_port}", f"checkout.simulator:create_app({config!r})"],
            cwd=ROOT, env=self.env, stdout=subprocess.DEVNULL, stderr=(self.workdir / "simulator.log").open("w"),
            start_new_session=True)
        wait_until(lambda: self._answers(f"{self.sim_url}/simulator/faults"), timeout=30, what="the simulator")

    def start(self) -> None:
        """`honcho start` on the Procfile, as an operator would run it."""
        log = self.log_path.open("a")
        self.honcho = subprocess.Popen([str(BIN / "honcho"), "start", "--env", str(self.honcho_env_file),
                                        "--procfile", "Procfile", "--app-root", str(ROOT), "--no-prefix"],
                                       cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                       start_new_session=True)
        wait_until(lambda: self._answers(f"{self.url}/admin/login"), timeout=60, what="gunicorn")
        wait_until(lambda: "worker running" in self.log(), timeout=60, what="the worker")

    def _answers(self, url: str) -> bool:
        try:
            return requests.get(url, timeout=2).status_code == 200
        except requests.RequestException:
            return False

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    # --- stopping ----------------------------------------------------------------------

    def terminate(self) -> float:
        return self.terminate_after(None)

    def terminate_after(self, meanwhile) -> float:
        """SIGTERM to honcho (which passes it on), then ``meanwhile()`` while everything is
        stopping; seconds until every process is gone."""
        started = time.monotonic()
        self.honcho.send_signal(signal.SIGTERM)
        if meanwhile is not None:
            meanwhile()
        self.honcho.wait(timeout=30)
        # honcho started each process in its own session; none may outlive it.
        wait_until(lambda: not self._children_alive(), timeout=30, what="the Procfile's processes to exit",
                   interval=0.05)
        return time.monotonic() - started

    def _children_alive(self) -> bool:
        """Any process left in the process groups honcho started (gunicorn's workers included)."""
        groups = {int(pid) for pid in re.findall(r"\w+\.\d+ started \(pid=(\d+)\)", self.log())}
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    if os.getpgid(int(entry.name)) in groups:
                        return True
                except (ProcessLookupError, PermissionError):
                    continue
        return False

    def tear_down(self) -> None:
        for process in (self.honcho, self.simulator):
            if process is not None and process.poll() is None:
                try:
                    os.killpg(process.pid, signal.SIGTERM)
                    process.wait(timeout=15)
                except (ProcessLookupError, subprocess.TimeoutExpired):
                    os.killpg(process.pid, signal.SIGKILL)
        self.smtp.down()
        self.shop.receiver.release.set()
        self.shop.stop()
        with psycopg.connect(self.base_database_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.database_name}" WITH (FORCE)')
        try:
            import redis

            client = redis.Redis.from_url(self.redis_url)
            for key in client.scan_iter(f"{self.redis_prefix}*"):
                client.delete(key)
        except Exception:  # noqa: BLE001 - best effort: the prefix is unique anyway
            pass

    # --- the shop, its customers and Midtrans ------------------------------------------

    def api(self, method: str, path: str, **kwargs) -> requests.Response:
        headers = {"Authorization": f"Bearer {self.api_key}", "Idempotency-Key": uuid.uuid4().hex,
                   **kwargs.pop("headers", {})}
        return requests.request(method, f"{self.url}/api/v1{path}", headers=headers, timeout=15, **kwargs)

    def new_session(self, reference: str, amount: int) -> dict:
        response = self.api("POST", "/checkout-sessions", json={
            "reference": reference, "items": [{"name": "Kain Songket", "unit_price": amount, "quantity": 1}],
            "total": amount, "success_url": f"{self.shop.url}/return/ok"})
        assert response.status_code == 201, response.text
        return response.json()

    def sql(self, query: str, *params):
        with psycopg.connect(self.database_url) as conn:
            return conn.execute(query, params).fetchall()

    def order_status(self, public_id: str) -> str:
        return self.sql("SELECT status FROM orders WHERE public_id = %s", public_id)[0][0]

    def attempts(self, public_id: str) -> list[tuple]:
        return self.sql("SELECT a.midtrans_order_id, a.status, a.method FROM payment_attempts a "
                        "JOIN orders o ON o.id = a.order_id WHERE o.public_id = %s ORDER BY a.number", public_id)

    def wait_for_order(self, public_id: str, status: str, timeout: float = 30.0) -> None:
        wait_until(lambda: self.order_status(public_id) == status, timeout=timeout,
                   what=f"order {public_id} to be {status}")

    def customer(self) -> "Customer":
        return Customer(self)

    def settle(self, midtrans_order_id: str) -> None:
        response = requests.post(f"{self.sim_url}/simulator/transactions/{midtrans_order_id}/settle", timeout=10)
        assert response.status_code == 200, response.text


class Customer:
    """A customer's browser: cookies, and the CSRF token every checkout form carries."""

    def __init__(self, topology: Topology):
        self.topology = topology
        self.http = requests.Session()
        self.http.headers["Accept-Language"] = "en"

    def open(self, checkout_url: str) -> str:
        page = self.http.get(checkout_url, timeout=15)
        assert page.status_code == 200, page.status_code
        return page.text

    def press(self, checkout_url: str, action: str, **kwargs) -> requests.Response:
        page = self.open(checkout_url)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        # Production marks cookies Secure; in front of it a TLS proxy would carry them. Over
        # this test's plain http, hand the session cookie back explicitly.
        cookies = "; ".join(f"{cookie.name}={cookie.value}" for cookie in self.http.cookies)
        return self.http.post(f"{checkout_url}/{action}", data={"csrf_token": token},
                              headers={"Referer": checkout_url, "Cookie": cookies}, timeout=30, **kwargs)
