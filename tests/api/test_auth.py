"""Authentication, revocation, audit attribution, rate limiting and CSRF exemption."""
from __future__ import annotations

from sqlalchemy import select

from checkout import api_keys
from checkout.extensions import db
from checkout.models import ApiKey, AuditEvent
from tests.api.helpers import Api, session_body


def test_missing_key_is_401_json(client):
    response = client.get("/api/v1/checkout-sessions")
    assert response.status_code == 401
    assert response.json["error"]["code"] == "unauthorized"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_wrong_scheme_and_unknown_key_are_401(client, token):
    for header in (f"Basic {token}", "Bearer ck_live_not-a-real-key", "Bearer", token):
        response = client.get("/api/v1/checkout-sessions", headers={"Authorization": header})
        assert response.status_code == 401, header
        assert token not in response.get_data(as_text=True)


def test_key_is_stored_hashed_with_a_visible_prefix(app, make_key):
    key_id, token = make_key("erp")
    assert token.startswith("ck_live_") and len(token) > 40
    with app.app_context():
        key = db.session.get(ApiKey, key_id)
        assert key.key_hash == api_keys.digest(token) and token not in (key.key_hash, key.prefix)
        assert token.startswith(key.prefix) and len(key.prefix) == len("ck_live_") + 4


def test_revoked_key_is_refused(app, api, make_key):
    assert api.get("/checkout-sessions").status_code == 200
    with app.app_context():
        key = api_keys.find(api.token[:12])
        api_keys.revoke(key.id, actor="test")
    assert api.get("/checkout-sessions").status_code == 401


def test_calls_are_audited_under_the_key_name(app, client, make_key):
    _, token = make_key("erp-backend")
    api = Api(client, token)
    created = api.post("/checkout-sessions", session_body(), key="k-audit")
    assert created.status_code == 201
    api.get(f"/checkout-sessions/{created.json['id']}")
    with app.app_context():
        events = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
        actors = {(e.actor, e.action) for e in events}
        assert ("api:erp-backend", "order.created") in actors
        calls = [e for e in events if e.action == "api.request"]
        assert [c.details["method"] for c in calls] == ["POST", "GET"]
        assert all(c.actor == "api:erp-backend" for c in calls)
        assert calls[0].details["idempotency_key"] == "k-audit" and calls[0].details["status"] == 201
        assert db.session.scalar(select(ApiKey).where(ApiKey.name == "erp-backend")).last_used_at is not None


def test_rate_limit_is_per_key(make_app):
    app = make_app(API_RATE_LIMIT="3/minute")
    with app.app_context():
        _, first = api_keys.create("one", actor="test")
        _, second = api_keys.create("two", actor="test")
    client = app.test_client()
    one, two = Api(client, first), Api(client, second)
    assert [one.get("/checkout-sessions").status_code for _ in range(3)] == [200] * 3
    limited = one.get("/checkout-sessions")
    assert limited.status_code == 429
    assert limited.json["error"]["code"] == "rate_limited"
    assert int(limited.headers["Retry-After"]) > 0
    assert two.get("/checkout-sessions").status_code == 200


def test_api_is_csrf_exempt(make_app):
    app = make_app(WTF_CSRF_ENABLED=True, RETURN_URL_ALLOWLIST=["https://shop.example.com/return"])
    with app.app_context():
        _, token = api_keys.create("csrf", actor="test")
    response = Api(app.test_client(), token).post("/checkout-sessions", session_body())
    assert response.status_code == 201


def test_openapi_document_is_public(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.json["openapi"].startswith("3.")


def test_messages_are_english_unless_asked(api):
    response = api.post("/checkout-sessions", session_body(total=1))
    assert response.json["error"]["message"] == "The total does not equal the sum of the items."


def test_cli_create_prints_key_last_and_revoke_by_prefix(app, runner):
    result = runner.invoke(args=["api-keys", "create", "warehouse"])
    assert result.exit_code == 0, result.output
    token = result.output.strip().splitlines()[-1]
    assert token.startswith("ck_live_")
    client = app.test_client()
    assert Api(client, token).get("/checkout-sessions").status_code == 200
    listed = runner.invoke(args=["api-keys", "list"])
    assert "warehouse" in listed.output and token not in listed.output
    revoked = runner.invoke(args=["api-keys", "revoke", token[:12]])
    assert revoked.exit_code == 0, revoked.output
    assert Api(client, token).get("/checkout-sessions").status_code == 401
    assert runner.invoke(args=["api-keys", "revoke", "ck_live_none"]).exit_code != 0
