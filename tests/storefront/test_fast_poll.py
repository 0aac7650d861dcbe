"""The poll's fast lane answers exactly what the route would, and only when nothing is due."""
from datetime import timedelta

import pytest

from checkout.extensions import db
from checkout.models import PaymentAttempt
from checkout.storefront import checkout_status as cs
from checkout.payments.qris_checkout import start_qris
from checkout.storefront.fast_poll import FastPoll
from checkout.timeutil import utcnow
from tests.factories import make_order
from tests.storefront.conftest import HX, english


def quiet_qr(order):
    """A live QR that was just checked (and heard a pending notification): nothing is due."""
    attempt = start_qris(order)
    row = db.session.get(PaymentAttempt, attempt.id)
    row.last_notification_at = row.last_checked_at = utcnow()
    db.session.commit()
    return attempt


@pytest.fixture
def slow_client(make_app):
    app = make_app(FAST_POLL=False)
    assert not isinstance(app.wsgi_app, FastPoll)
    return english(app.test_client())


def test_the_fast_lane_is_installed(app):
    assert any(isinstance(layer, FastPoll) for layer in [app.wsgi_app, getattr(app.wsgi_app, "app", None)])


def test_same_answer_and_headers_as_the_route(client, slow_client, order, fake_gateway):
    quiet_qr(order)
    url = f"/pay/{order.public_id}/status?have=qris.1.0"
    fast, slow = client.get(url, headers=HX), slow_client.get(url, headers=HX)
    assert fast.status_code == slow.status_code == 204
    assert fast.data == slow.data == b""
    for name in ("Vary", "X-Content-Type-Options", "Referrer-Policy", "X-Frame-Options", "Cache-Control"):
        assert set(fast.headers[name].split(", ")) == set(slow.headers[name].split(", ")), name
    assert "Set-Cookie" not in fast.headers


def test_changes_and_due_work_go_to_flask(client, order, fake_gateway):
    attempt = quiet_qr(order)
    assert client.get(f"/pay/{order.public_id}/status?have=choose.0.0", headers=HX).status_code == 200
    # A check due (the last one is older than the interval), though a pending notification
    # came: Flask claims it and asks Midtrans.
    db.session.get(PaymentAttempt, attempt.id).last_checked_at = utcnow() - timedelta(seconds=11)
    db.session.commit()
    calls = fake_gateway.count("status")
    assert client.get(f"/pay/{order.public_id}/status?have=qris.1.0", headers=HX).status_code == 204
    assert fake_gateway.count("status") == calls + 1


def test_an_order_past_its_expiry_is_closed_not_skipped(client, ctx, fake_gateway):
    order = make_order(expires_in=timedelta(seconds=-1))
    response = client.get(f"/pay/{order.public_id}/status?have=choose.0.0", headers=HX)
    assert response.status_code == 200 and "This payment link has expired" in response.text


def test_not_for_pages_history_restores_or_unknown_links(client, order, fake_gateway):
    quiet_qr(order)
    url = f"/pay/{order.public_id}/status?have=qris.1.0"
    assert client.get(url).status_code == 200  # no HX-Request: the whole page
    restore = client.get(url, headers={**HX, "HX-History-Restore-Request": "true"})
    assert restore.status_code == 200
    assert client.get("/pay/AAAAAAAAAAAAAAAAAAAAAA/status?have=qris.1.0", headers=HX).status_code == 404


def test_needs_work_rules(ctx):
    now = utcnow()
    base = cs.Snapshot(order_id=1, order_status="open", order_expires_at=now + timedelta(hours=1), attempt_id=1,
                       number=1, status="pending", method="qris", answered_at=now, expires_at=now,
                       notified_at=None, checked_at=None, check_failures=0, transaction_id="t")
    assert cs.needs_work(base, now, 10)  # never checked
    assert not cs.needs_work(base._replace(checked_at=now - timedelta(seconds=5)), now, 10)
    assert cs.needs_work(base._replace(checked_at=now - timedelta(seconds=10)), now, 10)
    # A (pending) notification is no news that the customer paid: the checks go on.
    assert cs.needs_work(base._replace(notified_at=now), now, 10)
    assert not cs.needs_work(base._replace(notified_at=now, checked_at=now), now, 10)
    # A final one ends the attempt, and with it the checks.
    assert not cs.needs_work(base._replace(notified_at=now, status="paid"), now, 10)
    assert not cs.needs_work(base._replace(answered_at=None), now, 10)
    assert not cs.needs_work(base._replace(order_status="paid"), now, 10)
    closed_attempt = base._replace(status="expired")
    assert not cs.needs_work(closed_attempt, now, 10)
    assert cs.needs_work(closed_attempt._replace(order_expires_at=now - timedelta(seconds=1)), now, 10)


def test_a_poll_that_falls_through_reads_the_link_once(client, order, fake_gateway, monkeypatch):
    quiet_qr(order)
    reads = []
    real_snapshot = cs.snapshot
    monkeypatch.setattr(cs, "snapshot", lambda public_id: reads.append(public_id) or real_snapshot(public_id))
    response = client.get(f"/pay/{order.public_id}/status?have=choose.0.0", headers=HX)
    assert response.status_code == 200 and 'id="payment"' in response.text
    assert reads == [order.public_id]
