"""Hostile notification bodies: never a 500, always counted, kept short, purged in time."""
from __future__ import annotations

import json
from datetime import timedelta

import pytest

from checkout import shop_settings
from checkout.extensions import db
from checkout.models import Notification, PaymentAttempt
from checkout.notifications import processing
from checkout.notifications.recording import UNVERIFIED_BODY_BYTES
from checkout.notifications.retention import purge_rejected
from checkout.payments.states import PaymentStatus as P
from checkout.timeutil import utcnow
from tests.factories import make_attempt, make_order
from tests.webhooks.conftest import URL, last_notification
from tests.webhooks.payloads import notification

HOSTILE = {
    "deep": b"[" * 60_000,
    "deep_object": b'{"a":' * 5_000,
    "truncated": b'{"order_id": "ORD-1-1", "status_code": "2',
    "invalid_utf8": b'{"order_id": "\xff\xfe"}',
    "lone_surrogate": b'{"order_id": "\\udc00"}',
    "huge_number": b'{"gross_amount": ' + b"9" * 4_500 + b"}",
    "duplicate_keys": b'{"order_id": "A", "order_id": "B"}',
    "nan": b'{"gross_amount": NaN}',
}


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_bodies_are_a_400_never_a_500(ctx, deliver, name):
    response = deliver(HOSTILE[name])
    assert response.status_code == 400, response.get_data(as_text=True)[:200]
    assert response.json["error"]["code"] == "malformed_notification"
    note = last_notification()
    assert note.outcome == "rejected" and note.attempt_id is None
    assert len(note.raw_body.encode()) <= UNVERIFIED_BODY_BYTES


def test_a_notification_nested_inside_a_string_field_cannot_crash_matching(ctx, deliver, server_key):
    attempt = make_attempt(make_order())
    body = notification(attempt.midtrans_order_id, "settlement", gross=attempt.gross_amount, server_key=server_key,
                        extra={"metadata": "[" * 50_000})
    assert deliver(body).status_code == 200
    db.session.expire_all()
    assert db.session.get(PaymentAttempt, attempt.id).status == P.PAID


def test_every_unsigned_delivery_counts_toward_the_limit_whatever_it_was_answered(make_app, monkeypatch):
    app = make_app(WEBHOOK_REJECTED_RATE_LIMIT="3 per minute")
    client = app.test_client()

    def broken(delivery):
        raise RuntimeError("a bug")

    monkeypatch.setattr(processing, "_decide", broken)
    unsigned = notification("ORD-X-1", "settlement", gross=1000, server_key="SB-Mid-server-attacker")
    codes = [client.post(URL, json=unsigned).status_code for _ in range(5)]
    assert codes == [500, 500, 500, 429, 429]


def test_the_recursion_bomb_from_the_field_is_slowed_down(make_app):
    app = make_app(WEBHOOK_REJECTED_RATE_LIMIT="2 per minute")
    client = app.test_client()
    codes = [client.post(URL, data=b"[" * 60_000, content_type="application/json").status_code for _ in range(4)]
    assert codes == [400, 400, 429, 429]


def test_unverified_bodies_keep_4_kib_verified_ones_whole(ctx, deliver, server_key):
    attempt = make_attempt(make_order())
    forged = notification(attempt.midtrans_order_id, "settlement", gross=attempt.gross_amount,
                          server_key="SB-Mid-server-attacker", extra={"padding": "x" * 20_000})
    assert deliver(forged).status_code == 401
    stored = last_notification().raw_body
    assert len(stored.encode()) == UNVERIFIED_BODY_BYTES
    assert json.dumps(forged).startswith(stored)

    genuine = notification(attempt.midtrans_order_id, "settlement", gross=attempt.gross_amount,
                           server_key=server_key, extra={"padding": "y" * 20_000})
    raw = json.dumps(genuine)
    assert deliver(raw.encode()).status_code == 200
    note = last_notification()
    assert note.outcome == "applied" and note.raw_body == raw


def test_invalid_utf8_is_cut_to_4_kib_of_stored_text(ctx, deliver):
    assert deliver(b"\xff" * 10_000).status_code == 400
    stored = last_notification().raw_body
    assert 0 < len(stored.encode("utf-8")) <= UNVERIFIED_BODY_BYTES


def _notification(outcome: str, age: timedelta) -> int:
    note = Notification(raw_body="{}", outcome=outcome, received_at=utcnow() - age)
    db.session.add(note)
    db.session.commit()
    return note.id


def test_rejected_notifications_past_retention_are_purged(ctx):
    old_rejected = [_notification("rejected", timedelta(days=31)) for _ in range(3)]
    young_rejected = _notification("rejected", timedelta(days=29))
    old_verified = _notification("applied", timedelta(days=400))
    assert purge_rejected(batch=2) == 3
    db.session.expire_all()
    remaining = set(db.session.scalars(db.select(Notification.id)))
    assert remaining == {young_rejected, old_verified}
    assert not remaining & set(old_rejected)
    assert purge_rejected() == 0


def test_retention_days_come_from_the_configuration(make_app):
    app = make_app(NOTIFICATION_RETENTION_DAYS=7)
    with app.app_context():
        gone = _notification("rejected", timedelta(days=8))
        kept = _notification("rejected", timedelta(days=6))
        assert purge_rejected() == 1
        assert set(db.session.scalars(db.select(Notification.id))) == {kept}
        assert gone != kept


def test_purge_command_and_the_reconciler_both_purge(app, runner):
    with app.app_context():
        _notification("rejected", timedelta(days=45))
    result = runner.invoke(args=["notifications", "purge"])
    assert result.exit_code == 0 and "purged 1 rejected notifications" in result.output
    with app.app_context():
        _notification("rejected", timedelta(days=45))
    result = runner.invoke(args=["payments", "reconcile", "--max-seconds", "5"])
    assert result.exit_code == 0 and "purged 1 rejected notifications" in result.output
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Notification.id))) == 0
