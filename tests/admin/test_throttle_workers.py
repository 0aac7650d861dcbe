"""The login throttle holds across gunicorn workers when the limiter storage is Redis."""
from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest
import requests

from tests.admin.helpers import OWNER_EMAIL, create_owner
from tests.admin.helpers import OWNER_PASSWORD as OWNER_PASSWORD_FOR_TEST

REDIS_URL = "redis://127.0.0.1:6379"
PROJECT_ROOT = Path(__file__).resolve().parents[2]


def _redis():
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.RedisError:
        pytest.skip(f"Redis is not reachable at {REDIS_URL}")
    return client


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_until_up(url: str, process: subprocess.Popen, deadline: float) -> None:
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"gunicorn exited with {process.returncode}")
        try:
            if requests.get(url, timeout=1).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.1)
    raise AssertionError("gunicorn did not start in time")


def _run_gunicorn(app, tmp_path, **extra_env):
    """Three gunicorn workers on the test database. Each worker serves at most four
    requests before it is replaced (--max-requests 4), so twelve requests are answered by
    at least three different processes, whichever way the kernel hands out connections."""
    redis_client = _redis()
    create_owner(app)
    prefix = f"test-throttle-{uuid.uuid4().hex}"
    port = _free_port()
    env = {
        **os.environ,
        "APP_ENV": "testing",
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "SECRET_KEY": app.config["SECRET_KEY"],
        "RATELIMIT_STORAGE_URI": REDIS_URL,
        "SIMULATOR_MOUNTED": "0",
        "PUBLIC_URL": f"http://127.0.0.1:{port}",
        "TEST_RATELIMIT_PREFIX": prefix,
        **extra_env,
    }
    log = open(tmp_path / "gunicorn.log", "wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-w", "3", "--preload", "--max-requests", "4", "-b", f"127.0.0.1:{port}",
         "--graceful-timeout", "5", "tests.admin.gunicorn_app:create()"],
        cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        _wait_until_up(f"{url}/admin/login", process, time.monotonic() + 30)
        yield url, prefix, redis_client
    finally:
        process.send_signal(signal.SIGINT)  # quick shutdown: nothing to finish here
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
        log.close()
        for key in redis_client.scan_iter(f"*{prefix}*"):
            redis_client.delete(key)


@pytest.fixture
def gunicorn(app, tmp_path):
    yield from _run_gunicorn(app, tmp_path)


@pytest.fixture
def gunicorn_small_account_limit(app, tmp_path):
    yield from _run_gunicorn(app, tmp_path, TEST_ADMIN_LOGIN_ACCOUNT_ADDRESS_LIMIT="3 per 15 minutes",
                             TEST_ADMIN_LOGIN_ACCOUNT_LIMIT="6 per 15 minutes")


def _post_login(url: str, password: str, *, source: str = "127.0.0.1") -> tuple[int, str]:
    """POST the sign-in form from a chosen loopback address: (status, worker pid)."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10, source_address=(source, 0))
    try:
        connection.request("POST", "/admin/login", body=urlencode({"email": OWNER_EMAIL, "password": password}),
                           headers={"Content-Type": "application/x-www-form-urlencoded"})
        response = connection.getresponse()
        response.read()
        return response.status, response.getheader("X-Worker-Pid")
    finally:
        connection.close()


def test_eleventh_failed_login_is_refused_whichever_worker_answers(gunicorn):
    url, prefix, redis_client = gunicorn
    codes, pids = [], set()
    for _ in range(12):
        response = requests.post(f"{url}/admin/login", data={"email": OWNER_EMAIL, "password": "wrong password!!"},
                                 allow_redirects=False, timeout=10)
        codes.append(response.status_code)
        pids.add(response.headers["X-Worker-Pid"])
    assert codes[:10] == [422] * 10
    assert codes[10:] == [429, 429]
    assert len(pids) >= 3  # the counter lives in Redis, not in any one worker
    assert any(True for _ in redis_client.scan_iter(f"*{prefix}*"))


def test_a_strangers_failures_do_not_lock_the_owner_out_on_any_worker(gunicorn):
    url, _, _ = gunicorn
    stranger = [_post_login(url, "wrong password!!") for _ in range(11)]
    assert [code for code, _ in stranger] == [422] * 10 + [429]
    owner = [_post_login(url, OWNER_PASSWORD_FOR_TEST, source="127.0.0.2") for _ in range(2)]
    assert [code for code, _ in owner] == [303, 303]
    assert len({pid for _, pid in stranger + owner}) >= 3


def test_the_account_wide_limit_holds_across_workers(gunicorn_small_account_limit):
    url, _, _ = gunicorn_small_account_limit
    codes = [_post_login(url, "wrong password!!", source=f"127.0.0.{n}")[0] for n in (1, 1, 1, 1, 2, 2, 2)]
    # Three per address, then that address waits; six for the account from anywhere.
    assert codes == [422, 422, 422, 429, 422, 422, 422]
    assert _post_login(url, OWNER_PASSWORD_FOR_TEST, source="127.0.0.3")[0] == 429
