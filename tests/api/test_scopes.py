"""API keys carry scopes and may expire: 403 naming the missing scope, 401 once expired."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from checkout import api_keys
from checkout.api.openapi import document
from checkout.errors import InvalidRequest
from checkout.extensions import db
from checkout.models import ApiKey, AuditEvent
from checkout.timeutil import utcnow
from tests.api.helpers import Api, session_body

# (method, path, scope it needs); {id} is an existing session.
OPERATIONS = [
    ("GET", "/checkout-sessions", "read"),
    ("GET", "/checkout-sessions/{id}", "read"),
    ("POST", "/checkout-sessions", "write"),
    ("POST", "/checkout-sessions/{id}/cancel", "write"),
    ("POST", "/checkout-sessions/{id}/refunds", "refund"),
]


@pytest.fixture
def key_with(app, client):
    def _make(*scopes, expires_at=None):
        with app.app_context():
            _, token = api_keys.create("-".join(scopes) or "none", actor="test", scopes=scopes,
                                       expires_at=expires_at)
        return Api(client, token)

    return _make


@pytest.fixture
def session_id(api):
    return api.post("/checkout-sessions", session_body()).json["id"]


def _call(client: Api, method: str, path: str, session_id: str):
    path = path.replace("{id}", session_id)
    if method == "GET":
        return client.get(path)
    body = session_body(reference=None) if path == "/checkout-sessions" else {}
    return client.post(path, body)


@pytest.mark.parametrize("method,path,scope", OPERATIONS)
def test_a_key_without_the_scope_gets_403_naming_it(key_with, session_id, method, path, scope):
    others = [s for s in api_keys.SCOPES if s != scope]
    response = _call(key_with(*others), method, path, session_id)
    assert response.status_code == 403
    assert response.json == {"error": {"code": "insufficient_scope",
                                       "message": f"This API key lacks the '{scope}' scope.",
                                       "fields": {"scope": scope}}}
    assert f'scope="{scope}"' in response.headers["WWW-Authenticate"]


@pytest.mark.parametrize("method,path,scope", OPERATIONS)
def test_a_key_with_only_the_scope_gets_past_the_check(key_with, session_id, method, path, scope):
    response = _call(key_with(scope), method, path, session_id)
    assert response.status_code != 403
    # Refunding an unpaid session is refused by the rules, not by the scope.
    assert response.status_code == (409 if scope == "refund" else 201 if method == "POST" and path.endswith("sessions")
                                     else 200), response.json


def test_a_refused_scope_creates_nothing_and_is_audited(app, key_with):
    response = key_with("read").post("/checkout-sessions", session_body(), key="k-1")
    assert response.status_code == 403
    with app.app_context():
        from checkout.models import IdempotencyRecord, Order

        assert db.session.scalar(select(Order)) is None
        assert db.session.scalar(select(IdempotencyRecord)) is None
        [call] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "api.request")).all()
        assert call.details["status"] == 403 and call.actor == "api:read"


def test_an_expired_key_gets_401(app, key_with):
    api = key_with("read", expires_at=utcnow() + timedelta(minutes=5))
    assert api.get("/checkout-sessions").status_code == 200
    with app.app_context():
        db.session.execute(update(ApiKey).values(expires_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
    response = api.get("/checkout-sessions")
    assert response.status_code == 401
    assert response.json["error"]["code"] == "api_key_expired"
    assert "WWW-Authenticate" in response.headers


def test_scopes_and_expiry_are_validated(ctx):
    with pytest.raises(InvalidRequest) as none:
        api_keys.create("k", actor="t", scopes=[])
    assert none.value.code == "invalid_scopes"
    with pytest.raises(InvalidRequest):
        api_keys.create("k", actor="t", scopes=["read", "admin"])
    with pytest.raises(InvalidRequest) as past:
        api_keys.create("k", actor="t", expires_at=utcnow() - timedelta(seconds=1))
    assert past.value.code == "invalid_expiry"
    key, _ = api_keys.create("k", actor="t", scopes=["refund", "read", "read"])
    assert key.scopes == "read refund"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "api_key.created"))
    assert event.details["scopes"] == ["read", "refund"] and event.details["expires_at"] is None


def test_every_route_declares_the_scope_the_document_names(app):
    documented = {(path, method.upper()): op["security"] for path, ops in document()["paths"].items()
                  for method, op in ops.items()}
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("api.") or rule.endpoint == "api.openapi":
            continue
        view = app.view_functions[rule.endpoint]
        path = rule.rule.removeprefix("/api/v1").replace("<session_id>", "{session_id}")
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert documented[(path, method)] == [{"bearerAuth": [view.required_scope]}]
            assert "403" in document()["paths"][path][method.lower()]["responses"]


def test_cli_chooses_scopes_and_expiry(app, runner):
    result = runner.invoke(args=["api-keys", "create", "reports", "--scope", "read", "--expires-in-days", "30"])
    assert result.exit_code == 0, result.output
    assert "scopes read" in result.output and "expires" in result.output
    token = result.output.strip().splitlines()[-1]
    with app.app_context():
        key = db.session.scalar(select(ApiKey))
        assert key.scopes == "read"
        assert timedelta(days=29, hours=23) < key.expires_at - utcnow() <= timedelta(days=30)
    client = app.test_client()
    assert Api(client, token).post("/checkout-sessions", session_body()).status_code == 403
    listed = runner.invoke(args=["api-keys", "list"]).output
    assert "\tread\tactive\texpires " in listed
    everything = runner.invoke(args=["api-keys", "create", "all"])
    assert "scopes read,write,refund" in everything.output and "does not expire" in everything.output
    assert runner.invoke(args=["api-keys", "create", "x", "--scope", "admin"]).exit_code != 0

