"""Standard Webhooks signatures: the published test vector, and our own verifier round-trip."""
from __future__ import annotations

import base64
import time

import pytest

from checkout.outbox import signing
from tests.outbox.verifier import verify


def test_the_standard_webhooks_test_vector():
    signature = signing.sign("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330,
                             b'{"test": 2432232314}')
    assert signature == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def test_secrets_are_whsec_base64_of_32_bytes():
    secret = signing.new_secret()
    assert secret.startswith("whsec_")
    assert len(base64.b64decode(secret[len("whsec_"):])) == 32
    assert signing.new_secret() != secret


def test_independent_verifier_accepts_ours_and_refuses_tampering():
    secret, body = signing.new_secret(), b'{"type":"checkout.session.paid"}'
    headers = signing.headers(secret, "evt_1", int(time.time()), body)
    assert verify(secret, headers, body)
    assert not verify(secret, headers, body + b" ")
    assert not verify(signing.new_secret(), headers, body)
    assert not verify(secret, {**headers, "webhook-id": "evt_2"}, body)
    old = signing.headers(secret, "evt_1", int(time.time()) - 3600, body)
    assert not verify(secret, old, body)


def test_our_verify_helper_matches():
    secret, body, now = signing.new_secret(), b"{}", int(time.time())
    headers = signing.headers(secret, "evt_1", now, body)
    signing.verify(secret, {**headers, "webhook-signature": "v1,bogus " + headers["webhook-signature"]}, body, now=now)
    with pytest.raises(signing.InvalidSignature):
        signing.verify(secret, headers, body, now=now + 600)
    with pytest.raises(signing.InvalidSignature):
        signing.verify(secret, {}, body, now=now)
