"""Fuzzing what strangers can send: thousands of generated bodies, never a 5xx.

Bodies are built from random JSON and then damaged the ways attackers and broken
clients damage them: deep nesting, truncation, huge numbers, invalid UTF-8, duplicate
keys, wrong types in the fields the code reads. Some notifications are correctly signed,
so the wrong types reach matching and the state machine too. The seed is fixed, so a run
is repeatable; the counts (2,100 requests in all) are asserted, not assumed.
"""
from __future__ import annotations

import json
from urllib.parse import quote_from_bytes

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from checkout import api_keys, shop_settings
from checkout.midtrans.signature import signature_for
from checkout.notifications import verification
from tests.admin.helpers import create_owner, sign_in
from tests.api.helpers import ALLOWLIST, SESSION_BODY
from tests.factories import make_attempt, make_order

def fuzz(examples: int) -> settings:
    return settings(max_examples=examples, deadline=None, derandomize=True, database=None,
                    suppress_health_check=list(HealthCheck))
sent: dict[str, int] = {}

scalars = (st.none() | st.booleans() | st.integers(min_value=-(10**40), max_value=10**40)
           | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=20))
json_values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4)
                           | st.dictionaries(st.text(max_size=8), inner, max_size=4), max_leaves=12)
nasty_numbers = st.sampled_from([b"1" + b"0" * 400, b"-" + b"9" * 5000, b"1e999", b"-1e400", b"NaN", b"Infinity",
                                 b"1.5", b"0.0000001", b"9223372036854775808", b"-9223372036854775809"])


def _encode(value) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode("utf-8", errors="surrogatepass")


@st.composite
def damaged(draw, base: dict) -> bytes:
    """A body derived from ``base`` (a valid body of the endpoint), damaged one way."""
    fields = list(base)
    kind = draw(st.sampled_from(["types", "types", "nested", "truncated", "numbers", "utf8", "duplicates",
                                 "random", "bytes"]))
    if kind == "types":
        body = dict(base)
        for name in draw(st.lists(st.sampled_from(fields), min_size=1, max_size=4)):
            body[name] = draw(json_values)
        return _encode(body)
    if kind == "nested":
        depth = draw(st.sampled_from([30, 33, 100, 5_000, 60_000]))
        opener, closer = draw(st.sampled_from([(b"[", b"]"), (b'{"a":', b"}")]))
        closed = draw(st.booleans())
        return b'{"order_id": ' + opener * depth + b"1" + (closer * depth if closed else b"") + b"}"
    if kind == "truncated":
        raw = _encode(base)
        return raw[:draw(st.integers(min_value=0, max_value=len(raw) - 1))]
    if kind == "numbers":
        raw = _encode({**base, draw(st.sampled_from(fields)): "NUMBER"})
        return raw.replace(b'"NUMBER"', draw(nasty_numbers))
    if kind == "utf8":
        raw = _encode(base)
        cut = draw(st.integers(min_value=0, max_value=len(raw)))
        return raw[:cut] + draw(st.sampled_from([b"\xff", b"\xc3", b"\xed\xa0\x80", b"\x00", b"\\ud800"])) + raw[cut:]
    if kind == "duplicates":
        name = draw(st.sampled_from(fields))
        raw = _encode(base)
        return raw[:-1] + b", " + _encode(name) + b": " + _encode(draw(json_values)) + b"}"
    if kind == "random":
        return _encode(draw(json_values))
    return draw(st.binary(max_size=300))


@pytest.fixture
def fuzz_app(make_app):
    return make_app(RATELIMIT_ENABLED=False, RETURN_URL_ALLOWLIST=list(ALLOWLIST),
                    ADMIN_PASSWORD_HASH_METHOD="scrypt:1024:8:1")


def _check(response, target: str) -> None:
    sent[target] = sent.get(target, 0) + 1
    assert response.status_code < 500, (target, response.status_code, response.get_data(as_text=True)[:300])


def _signed(base: dict, server_key: str) -> dict:
    body = dict(base)
    if all(isinstance(body.get(name), str) for name in ("order_id", "status_code", "gross_amount")):
        body["signature_key"] = signature_for(body["order_id"], body["status_code"], body["gross_amount"], server_key)
    return body


def test_notifications_never_answer_5xx(fuzz_app, monkeypatch):
    client = fuzz_app.test_client()
    with fuzz_app.app_context():
        server_key = shop_settings.current().server_key
        attempt = make_attempt(make_order())
        base = {"transaction_time": "2026-11-21 10:00:00", "transaction_status": "settlement",
                "transaction_id": "9aed5972-5b6a-401e-894b-a32c91ed1a3a", "status_message": "midtrans payment notification",
                "status_code": "200", "payment_type": "qris", "order_id": attempt.midtrans_order_id,
                "merchant_id": "G812345678", "gross_amount": f"{attempt.gross_amount}.00", "fraud_status": "accept",
                "currency": "IDR", "settlement_time": "2026-11-21 10:00:05"}
    # Midtrans is unreachable from tests: its status API answers as Midtrans would about the
    # attempt (a body matched only by transaction_id is always re-read from it).
    monkeypatch.setattr(verification, "read_status", lambda settings, ident: dict(base))

    @fuzz(1100)
    @given(body=damaged(base), sign=st.booleans())
    def run(body, sign):
        if sign:
            try:
                body = _encode(_signed(json.loads(body), server_key))
            except (ValueError, TypeError, AttributeError, RecursionError):
                pass
        _check(client.post("/webhooks/midtrans", data=body, content_type="application/json"), "notifications")

    run()
    assert sent["notifications"] >= 1100


def test_checkout_session_api_never_answers_5xx(fuzz_app):
    client = fuzz_app.test_client()
    with fuzz_app.app_context():
        token = api_keys.create("fuzz", actor="test")[1]
    counter = iter(range(10**9))

    @fuzz(700)
    @given(body=damaged(SESSION_BODY))
    def run(body):
        response = client.post("/api/v1/checkout-sessions", data=body, content_type="application/json",
                               headers={"Authorization": f"Bearer {token}", "Idempotency-Key": f"fuzz-{next(counter)}"})
        _check(response, "api")

    run()
    assert sent["api"] >= 700


ADMIN_FORMS = {
    "/admin/settings": ["environment", "shop_name", "logo_text", "qris_enabled", "snap_enabled", "snap_methods",
                        "qris_expiry_minutes", "order_expiry_minutes", "return_url_allowlist",
                        "verify_with_status_api", "sandbox_merchant_id", "sandbox_client_key", "sandbox_server_key",
                        "production_server_key", "production_forget_server_key"],
    "/admin/payment-links/new": ["amount", "description", "items", "expires_in_minutes", "reference",
                                 "customer_name", "customer_email"],
}
form_values = (st.binary(max_size=40) | st.sampled_from([b"9" * 5000, b"-1", b"1e999", b"Rp 1.000.000.000.000",
                                                         b"\x00", b"\xff\xfe", b"=cmd()", b"simulator", b"production",
                                                         b"x | 10000000000000000000000 | 1"]))


@st.composite
def admin_forms(draw):
    path = draw(st.sampled_from(sorted(ADMIN_FORMS)))
    pairs = draw(st.lists(st.tuples(st.sampled_from(ADMIN_FORMS[path]) | st.text(max_size=5), form_values),
                          max_size=10))
    body = "&".join(f"{quote_from_bytes(name.encode('utf-8', 'surrogatepass'))}={quote_from_bytes(value)}"
                    for name, value in pairs)
    return path, body.encode()


def test_admin_forms_never_answer_5xx(fuzz_app):
    create_owner(fuzz_app)
    client = fuzz_app.test_client()
    sign_in(client, fuzz_app)

    @fuzz(300)
    @given(form=admin_forms(), fragment=st.integers(min_value=0, max_value=9))
    def run(form, fragment):
        path, body = form
        # Mostly as htmx sends them (the fragment is cheaper to render); the full page too.
        headers = {"HX-Request": "true"} if fragment else {}
        response = client.post(path, data=body, content_type="application/x-www-form-urlencoded", headers=headers)
        _check(response, "admin")

    run()
    assert sent["admin"] >= 300
    # Still signed in: every body was judged by the forms, not by the login page.
    assert client.get("/admin/settings").status_code == 200
