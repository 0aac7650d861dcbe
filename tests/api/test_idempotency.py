"""Idempotency-Key: replay, conflict, in-progress, failures that let a retry run, concurrency."""
from __future__ import annotations

import threading
from datetime import timedelta

import requests
from sqlalchemy import func, select

from checkout import api_keys
from checkout.extensions import db
from checkout.models import IdempotencyRecord, Order
from checkout.timeutil import utcnow
from tests.api.helpers import Api, session_body
from tests.support.live_server import serve


def _orders(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Order))


def test_same_key_same_body_replays_status_and_bytes(app, api):
    first = api.post("/checkout-sessions", session_body(), key="order-1001")
    second = api.post("/checkout-sessions", session_body(), key="order-1001")
    assert first.status_code == second.status_code == 201
    assert second.get_data() == first.get_data()
    assert second.headers["Idempotent-Replayed"] == "true"
    assert _orders(app) == 1


def test_json_whitespace_and_key_order_do_not_matter(app, api):
    import json

    body = session_body()
    first = api.post("/checkout-sessions", body, key="k")
    spaced = json.dumps(dict(reversed(list(body.items()))), indent=4)
    second = api.client.post("/api/v1/checkout-sessions", data=spaced,
                             headers=api.headers({"Idempotency-Key": "k", "Content-Type": "application/json"}))
    assert second.status_code == 201 and second.get_data() == first.get_data()


def test_same_key_different_body_is_409(app, api):
    assert api.post("/checkout-sessions", session_body(), key="k-1").status_code == 201
    response = api.post("/checkout-sessions", session_body(description="changed"), key="k-1")
    assert response.status_code == 409
    assert response.json["error"]["code"] == "idempotency_key_reused"
    assert _orders(app) == 1


def test_same_key_on_another_endpoint_is_409(api):
    created = api.post("/checkout-sessions", session_body(), key="k-2").json
    response = api.post(f"/checkout-sessions/{created['id']}/cancel", key="k-2")
    assert response.status_code == 409 and response.json["error"]["code"] == "idempotency_key_reused"


def test_keys_belong_to_one_api_key(app, client, make_key):
    one, two = Api(client, make_key("one")[1]), Api(client, make_key("two")[1])
    assert one.post("/checkout-sessions", session_body(reference="A-1"), key="same").status_code == 201
    assert two.post("/checkout-sessions", session_body(reference="A-2"), key="same").status_code == 201
    assert _orders(app) == 2


def test_client_errors_are_stored_and_replayed(app, api):
    first = api.post("/checkout-sessions", session_body(total=1), key="bad-total")
    second = api.post("/checkout-sessions", session_body(total=1), key="bad-total")
    assert first.status_code == second.status_code == 422
    assert second.get_data() == first.get_data()


def test_a_server_error_lets_the_retry_run(app, api, monkeypatch):
    from checkout.payments import orders

    real = orders.create_order
    calls = []

    def flaky(**kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("database went away")
        return real(**kwargs)

    monkeypatch.setattr(orders, "create_order", flaky)
    assert api.post("/checkout-sessions", session_body(), key="retry-me").status_code == 500
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(IdempotencyRecord)) == 0
    retried = api.post("/checkout-sessions", session_body(), key="retry-me")
    assert retried.status_code == 201 and _orders(app) == 1


def _in_progress_record(app, key_id: int, key: str, request_hash: str, age: timedelta = timedelta(0)) -> None:
    with app.app_context():
        db.session.add(IdempotencyRecord(api_key_id=key_id, key=key, method="POST", path="/api/v1/checkout-sessions",
                                         request_hash=request_hash, created_at=utcnow() - age))
        db.session.commit()


def _fingerprint(app, token, body) -> str:
    from checkout.api.idempotency import fingerprint

    with app.test_request_context("/api/v1/checkout-sessions", method="POST", json=body,
                                  headers={"Authorization": f"Bearer {token}"}):
        return fingerprint()


def test_a_retry_while_the_first_runs_gets_409_in_progress(make_app):
    from tests.api.helpers import ALLOWLIST

    app = make_app(RETURN_URL_ALLOWLIST=ALLOWLIST, IDEMPOTENCY_WAIT_SECONDS=0.2)
    with app.app_context():
        key, token = api_keys.create("k", actor="test")
        key_id = key.id
    _in_progress_record(app, key_id, "busy", _fingerprint(app, token, session_body()))
    response = Api(app.test_client(), token).post("/checkout-sessions", session_body(), key="busy")
    assert response.status_code == 409
    assert response.json["error"]["code"] == "idempotency_in_progress"
    assert "Retry-After" in response.headers
    assert _orders(app) == 0


def test_an_abandoned_record_is_taken_over(make_app):
    from tests.api.helpers import ALLOWLIST

    app = make_app(RETURN_URL_ALLOWLIST=ALLOWLIST, IDEMPOTENCY_STALE_SECONDS=60)
    with app.app_context():
        key, token = api_keys.create("k", actor="test")
        key_id = key.id
    _in_progress_record(app, key_id, "crashed", _fingerprint(app, token, session_body()), age=timedelta(minutes=5))
    response = Api(app.test_client(), token).post("/checkout-sessions", session_body(), key="crashed")
    assert response.status_code == 201 and _orders(app) == 1


def test_invalid_key_header_is_400(api):
    response = api.post("/checkout-sessions", session_body(), key="x" * 256)
    assert response.status_code == 400 and response.json["error"]["code"] == "invalid_idempotency_key"


def test_purge_keeps_a_day_and_drops_old_records(app, api, runner):
    api.post("/checkout-sessions", session_body(), key="fresh")
    with app.app_context():
        key_id = db.session.scalar(select(IdempotencyRecord.api_key_id))
    _in_progress_record(app, key_id, "old", "h", age=timedelta(hours=49))
    _in_progress_record(app, key_id, "day-old", "h", age=timedelta(hours=30))
    result = runner.invoke(args=["api-keys", "purge-idempotency"])
    assert result.exit_code == 0 and "Deleted 1" in result.output
    result = runner.invoke(args=["api-keys", "purge-idempotency", "--hours", "1"])
    assert "Deleted 1" in result.output  # never below 24 hours: the fresh one stays
    with app.app_context():
        assert db.session.scalars(select(IdempotencyRecord.key)).all() == ["fresh"]


def test_concurrent_duplicates_create_one_session(app, token):
    """Real threads against a live server fire the same key at once: one session, one answer."""
    server = serve(app)
    try:
        url = f"{server.url}/api/v1/checkout-sessions"
        headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": "race-1"}
        barrier = threading.Barrier(8)
        results = []
        lock = threading.Lock()

        def fire():
            barrier.wait()
            response = requests.post(url, json=session_body(), headers=headers, timeout=30)
            with lock:
                results.append((response.status_code, response.content))

        threads = [threading.Thread(target=fire) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    finally:
        server.stop()
    assert len(results) == 8
    created = [body for status, body in results if status == 201]
    assert created and len(set(created)) == 1
    assert all(status in (201, 409) for status, _ in results)
    assert _orders(app) == 1
