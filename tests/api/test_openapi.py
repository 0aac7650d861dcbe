"""The OpenAPI document and the implementation agree.

Schemathesis generates requests from the document and checks every answer against it
(status codes, content types, response schemas, Allow on 405 ...), once with a key that
holds every scope and once with a key for each other combination of scopes, which must
get exactly the documented 403 where it lacks the operation's scope. Hand-picked cases
then walk the happy paths the fuzzer rarely reaches (a total that adds up, an
allowlisted return URL, a paid session to refund) through the same checks.
"""
from __future__ import annotations

import itertools

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig

from checkout import api_keys
from checkout.api.openapi import document
from tests.api.helpers import ALLOWLIST, session_body
from tests.support.live_server import serve
from tests.api.test_refunds import gateway, paid_session  # noqa: F401  (fixtures)

# A schema-valid body may still break rules JSON Schema cannot state (the total must
# equal the items, return URLs must be allowlisted, references are unique): those are
# documented 422s, so valid data may be answered 422 as well as 2xx.
def _config(*accepted: str, every_key: bool = True) -> SchemathesisConfig:
    return SchemathesisConfig.from_dict({
        "checks": {"positive_data_acceptance": {"expected-statuses": ["2xx", "404", "409", "422", *accepted]}},
        # One undeclared method per path is enough to prove 405 + Allow; all seven cost seconds.
        "phases": {"coverage": {"enabled": every_key, "unexpected-methods": ["DELETE"]}},
        "generation": {"mode": "all" if every_key else "positive"},
    })


schema = schemathesis.openapi.from_dict(document(), config=_config())
# A key without the operation's scope answers valid data with 403; the test itself
# checks that it does so exactly when the scope is missing. Invalid data and the coverage
# phase (boundary values of every field) run once, with the full key above: the scope is
# checked before anything is parsed, so repeating them per combination would only repeat
# the same answers. (Negative cases that drop the Authorization header would also be
# mislabelled here, since the test always sends the key.)
partial_schema = schemathesis.openapi.from_dict(document(), config=_config("403", every_key=False))
PARTIAL_SCOPE_SETS = [combo for size in range(1, len(api_keys.SCOPES))
                      for combo in itertools.combinations(api_keys.SCOPES, size)]


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


@pytest.fixture
def scoped_token(app, scopes):
    with app.app_context():
        return api_keys.create("+".join(scopes), actor="test", scopes=scopes)[1]


@partial_schema.parametrize()
@pytest.mark.parametrize("scopes", PARTIAL_SCOPE_SETS, ids="+".join)
@settings(max_examples=5, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_every_scope_combination_gets_documented_answers(case, base_url, scoped_token, scopes):
    response = case.call_and_validate(base_url=base_url, headers={"Authorization": f"Bearer {scoped_token}"},
                                      timeout=10)
    # Cases the fuzzer sends with another method or without our key (401) prove other things.
    sent_our_key = response.request.headers.get("Authorization") == f"Bearer {scoped_token}"
    if sent_our_key and case.method.upper() == case.operation.method.upper():
        [needed] = case.operation.definition.raw["security"][0]["bearerAuth"]
        assert (response.status_code == 403) == (needed not in scopes), (needed, scopes, response.status_code)


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
