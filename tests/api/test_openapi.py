"""The OpenAPI document and the implementation agree.

Schemathesis generates requests from the document and checks every answer against it
(status codes, content types, response schemas, Allow on 405 ...). Hand-picked cases
then walk the happy paths the fuzzer rarely reaches (a total that adds up, an
allowlisted return URL, a paid session to refund) through the same checks.
"""
from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig

from checkout.api.openapi import document
from tests.api.helpers import ALLOWLIST, session_body
from tests.support.live_server import serve
from tests.api.test_refunds import gateway, paid_session  # noqa: F401  (fixtures)

# A schema-valid body may still break rules JSON Schema cannot state (the total must
# equal the items, return URLs must be allowlisted, references are unique): those are
# documented 422s, so valid data may be answered 422 as well as 2xx.
CONFIG = SchemathesisConfig.from_dict({
    "checks": {"positive_data_acceptance": {"expected-statuses": ["2xx", "404", "409", "422"]}},
    # One undeclared method per path is enough to prove 405 + Allow; all seven cost seconds.
    "phases": {"coverage": {"unexpected-methods": ["DELETE"]}},
})
schema = schemathesis.openapi.from_dict(document(), config=CONFIG)


@pytest.fixture
def app(make_app):
    # The fuzzer sends a few hundred requests; the per-key limit has its own test.
    return make_app(RETURN_URL_ALLOWLIST=list(ALLOWLIST), API_RATE_LIMIT="100000/minute")


@pytest.fixture
def base_url(app):
    server = serve(app)
    yield f"{server.url}/api/v1"
    server.stop()


@schema.parametrize()
@settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_the_api_keeps_the_documents_promises(case, base_url, token):
    case.call_and_validate(base_url=base_url, headers={"Authorization": f"Bearer {token}"}, timeout=10)


def _call(base_url, token, path, method, **kwargs):
    case = schema[path][method].Case(**kwargs)
    return case.call_and_validate(base_url=base_url, headers={"Authorization": f"Bearer {token}"}, timeout=10)


def test_happy_paths_match_the_document(base_url, token, gateway, paid_session):  # noqa: F811
    created = _call(base_url, token, "/checkout-sessions", "POST", body=session_body(),
                    headers={"Idempotency-Key": "doc-1"})
    assert created.status_code == 201
    session_id = created.json()["id"]
    assert _call(base_url, token, "/checkout-sessions/{session_id}", "GET",
                 path_parameters={"session_id": session_id}).status_code == 200
    assert _call(base_url, token, "/checkout-sessions", "GET", query={"limit": 1}).status_code == 200
    assert _call(base_url, token, "/checkout-sessions/{session_id}/cancel", "POST",
                 path_parameters={"session_id": session_id}, body={}).status_code == 200
    refunded = _call(base_url, token, "/checkout-sessions/{session_id}/refunds", "POST",
                     path_parameters={"session_id": paid_session}, body={"amount": 1000})
    assert refunded.status_code == 201 and refunded.json()["session"]["payment"]["method"] == "qris"


def test_every_route_is_documented(app):
    documented = {(path, method.upper()) for path, ops in document()["paths"].items() for method in ops}
    routed = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("api.") and rule.endpoint != "api.openapi":
            path = rule.rule.removeprefix("/api/v1").replace("<session_id>", "{session_id}")
            routed |= {(path, m) for m in rule.methods - {"HEAD", "OPTIONS"}}
    assert routed == documented


def test_the_served_document_is_this_document(client):
    assert client.get("/api/v1/openapi.json").json == document()
