"""Fixtures: a live simulator, a live notification receiver, and a Midtrans-style client.

Everything goes over real sockets with ``requests``, as a merchant's backend and
Midtrans would talk. Waiting is done on a condition variable with a deadline, never by
sleeping a fixed time.
"""
from __future__ import annotations

import base64
import json
import threading
import time
import uuid
from dataclasses import dataclass, field

import pytest
import requests
from werkzeug.wrappers import Request, Response

from checkout.simulator import create_app
from checkout.simulator.runtime import EXTENSION
from tests.support.live_server import serve

SERVER_KEY = "SB-Mid-server-TESTKEY123"
OTHER_KEY = "SB-Mid-server-OTHERMERCHANT"
CLIENT_KEY = "SB-Mid-client-TESTKEY123"
WAIT = 10.0  # generous deadline; passing tests return as soon as the condition holds


def basic(key: str) -> str:
    return "Basic " + base64.b64encode(f"{key}:".encode()).decode()


def new_order_id(prefix: str = "order") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def order(payment_type: str | None = "qris", amount: int = 150000, order_id: str | None = None, **extra) -> dict:
    body = {"transaction_details": {"order_id": order_id or new_order_id(), "gross_amount": amount}, **extra}
    if payment_type is not None:
        body["payment_type"] = payment_type
    return body


# --- the merchant's notification endpoint ----------------------------------------------------

@dataclass
class Call:
    path: str
    headers: dict
    body: bytes
    at: float

    @property
    def json(self) -> dict:
        return json.loads(self.body)


@dataclass
class Receiver:
    """Records every request; answers each path as scripted (default 200).

    A scripted behaviour is an int status, ``("redirect", code, location)``, or a
    ``threading.Event`` to block on (for up to WAIT seconds) before answering 200.
    """

    calls: list[Call] = field(default_factory=list)
    plans: dict[str, list] = field(default_factory=dict)
    url: str = ""

    def __post_init__(self) -> None:
        self._cond = threading.Condition()

    def respond(self, path: str, *behaviours) -> None:
        with self._cond:
            self.plans.setdefault(path, []).extend(behaviours)

    def __call__(self, environ, start_response):
        request = Request(environ)
        call = Call(request.path, dict(request.headers), request.get_data(), time.monotonic())
        with self._cond:
            self.calls.append(call)
            plan = self.plans.get(request.path)
            behaviour = plan.pop(0) if plan else 200
            self._cond.notify_all()
        if isinstance(behaviour, threading.Event):
            behaviour.wait(WAIT)
            behaviour = 200
        if isinstance(behaviour, tuple):
            _, code, location = behaviour
            response = Response(b"", status=code, headers={"Location": location})
        else:
            response = Response(b"ok", status=behaviour)
        return response(environ, start_response)

    def at(self, path: str) -> list[Call]:
        with self._cond:
            return [call for call in self.calls if call.path == path]

    def wait(self, count: int, path: str = "/notify", timeout: float = WAIT) -> list[Call]:
        """Block until ``count`` requests reached ``path``; returns them."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                calls = [call for call in self.calls if call.path == path]
                if len(calls) >= count:
                    return calls
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"expected {count} calls to {path}, got {len(calls)}: "
                                         f"{[c.json.get('transaction_status') for c in calls]}")
                self._cond.wait(remaining)

    def statuses(self, path: str = "/notify") -> list[str]:
        return [call.json["transaction_status"] for call in self.at(path)]


class Servers:
    """Live servers and simulators to stop at teardown, all at once.

    Stopping a server waits out its poll interval; doing them concurrently keeps the
    per-test overhead to one interval instead of one per server.
    """

    def __init__(self):
        self._stops = []

    def add(self, stop) -> None:
        self._stops.append(stop)

    def stop_all(self) -> None:
        threads = [threading.Thread(target=stop) for stop in self._stops]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(WAIT)


@pytest.fixture
def servers():
    registry = Servers()
    yield registry
    registry.stop_all()


@pytest.fixture(scope="module")
def module_servers():
    registry = Servers()
    yield registry
    registry.stop_all()


@pytest.fixture
def receiver(servers):
    recorder = Receiver()
    server = serve(recorder)
    recorder.url = server.url
    servers.add(server.stop)
    return recorder


# --- the simulator and a client for it -------------------------------------------------------

class Sim:
    """A thin Midtrans client: the calls a merchant backend makes, returning responses."""

    def __init__(self, url: str, app, key: str = SERVER_KEY):
        self.url = url
        self.app = app
        self.key = key
        self.http = requests.Session()

    def _headers(self, key: str | None, headers: dict | None) -> dict:
        base = {"Accept": "application/json", "Content-Type": "application/json",
                "Authorization": basic(key or self.key)}
        return {**base, **(headers or {})}

    def post(self, path: str, body=None, *, key: str | None = None, headers: dict | None = None, **kwargs):
        data = kwargs.pop("data", None)
        if data is None and body is not None:
            data = json.dumps(body)
        return self.http.post(self.url + path, data=data, headers=self._headers(key, headers),
                              allow_redirects=False, timeout=kwargs.pop("timeout", WAIT), **kwargs)

    def get(self, path: str, *, key: str | None = None, **kwargs):
        return self.http.get(self.url + path, headers=self._headers(key, None), allow_redirects=False,
                             timeout=WAIT, **kwargs)

    def charge(self, body, **kwargs):
        return self.post("/v2/charge", body, **kwargs)

    def charged(self, body, **kwargs) -> dict:
        response = self.charge(body, **kwargs)
        assert response.status_code == 200, response.text
        answer = response.json()
        assert answer["status_code"] in ("200", "201"), answer
        return answer

    def status(self, ident: str, **kwargs) -> dict:
        response = self.get(f"/v2/{ident}/status", **kwargs)
        assert response.status_code == 200, response.text
        return response.json()

    def action(self, ident: str, action: str, body=None, **kwargs):
        return self.post(f"/v2/{ident}/{action}", body, **kwargs)

    def snap(self, body, **kwargs):
        return self.post("/snap/v1/transactions", body, **kwargs)

    def control(self, ident: str, action: str, body=None):
        return self.http.post(f"{self.url}/simulator/transactions/{ident}/{action}", json=body, timeout=WAIT)

    def settle(self, ident: str) -> dict:
        response = self.control(ident, "settle")
        assert response.status_code == 200, response.text
        return response.json()

    def deliveries(self, **filters) -> list[dict]:
        return self.http.get(f"{self.url}/simulator/notifications", params=filters, timeout=WAIT).json()

    def faults(self, **changes) -> dict:
        response = self.http.post(f"{self.url}/simulator/faults", json=changes, timeout=WAIT)
        assert response.status_code == 200, response.text
        return response.json()

    def card_token(self, number: str = "4811111111111114", **params) -> str:
        query = {"client_key": CLIENT_KEY, "card_number": number, "card_exp_month": "12",
                 "card_exp_year": str(time.gmtime().tm_year + 3), "card_cvv": "123", **params}
        response = self.http.get(f"{self.url}/v2/token", params=query, timeout=WAIT)
        assert response.status_code == 200, response.text
        return response.json()["token_id"]

    def wait_deliveries(self, predicate, timeout: float = WAIT, **filters) -> list[dict]:
        """Poll the store's delivery records until ``predicate(records)`` holds."""
        deadline = time.monotonic() + timeout
        while True:
            records = self.deliveries(**filters)
            if predicate(records):
                return records
            if time.monotonic() > deadline:
                raise AssertionError(f"deliveries never matched: {records}")
            time.sleep(0.02)


def base_config(tmp_path, receiver: Receiver | None, name: str) -> dict:
    return {
        "SIMULATOR_DATABASE": str(tmp_path / f"{name}.sqlite3"),
        "SIMULATOR_NOTIFICATION_URL": f"{receiver.url}/notify" if receiver else None,
        "SIMULATOR_TIME_SCALE": 0.0001,  # 2 minutes -> 12 ms
        "SIMULATOR_POLL_INTERVAL": 0.05,
        "SIMULATOR_REFUND_CONFIRM_DELAY": 0.0,
        "SIMULATOR_DELIVERY_TIMEOUT": 3.0,
    }


def start_sim(registry: Servers, config: dict, wsgi=None) -> Sim:
    app = create_app(config)
    server = serve(wsgi(app) if wsgi else app)
    simulator = app.extensions[EXTENSION]

    def stop() -> None:
        server.stop()
        simulator.stop()

    registry.add(stop)
    return Sim(server.url, app)


@pytest.fixture
def make_sim(tmp_path, receiver, servers):
    """``make_sim(**config)`` -> a running :class:`Sim` that notifies ``receiver``."""
    made = []

    def make(*, wsgi=None, **config) -> Sim:
        settings = {**base_config(tmp_path, receiver, f"sim{len(made)}"), **config}
        made.append(start_sim(servers, settings, wsgi))
        return made[-1]

    return make


@pytest.fixture
def sim(make_sim) -> Sim:
    return make_sim()


@pytest.fixture(scope="module")
def quiet_sim(tmp_path_factory, module_servers) -> Sim:
    """One simulator for a whole module of tests that need no notifications or faults.

    Its tests must not depend on each other: each uses its own order ids.
    """
    config = base_config(tmp_path_factory.mktemp("quiet"), None, "quiet")
    return start_sim(module_servers, config)


@pytest.fixture
def thrifty_sim(request, quiet_sim) -> Sim:
    """The module's shared simulator, unless the test listens for notifications.

    Modules whose tests touch no global state (faults, listings) alias ``sim`` to this.
    """
    if "receiver" in request.fixturenames:
        return request.getfixturevalue("make_sim")()
    return quiet_sim
