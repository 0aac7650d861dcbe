"""Starting a Snap payment: server-side creation, one live Snap page, local expiry."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from checkout.errors import InvalidRequest, PaymentUnavailable
from checkout.extensions import db
from checkout.models import PaymentAttempt, ShopSettings
from checkout.payments.snap_checkout import start_snap
from checkout.payments.states import PaymentStatus
from checkout.timeutil import utcnow
from tests.factories import make_attempt, make_order
from tests.storefront.conftest import refresh, unavailable


def test_snap_is_created_on_the_server_as_an_attempt(order, fake_gateway):
    attempt = start_snap(order)
    (_name, payload), = fake_gateway.calls
    assert payload["transaction_details"] == {"order_id": f"{order.reference}-1", "gross_amount": 150_000}
    assert payload["callbacks"]["finish"] == f"http://checkout.test/pay/{order.public_id}/return"
    assert payload["enabled_payments"][0] == "credit_card"
    assert payload["expiry"]["unit"] == "minute" and payload["expiry"]["start_time"].endswith("+0700")
    assert payload["expiry"]["duration"] in (24 * 60 - 1, 24 * 60)  # the order's remaining time
    assert sum(i["price"] * i["quantity"] for i in payload["item_details"]) == 150_000
    attempt = refresh(attempt)
    assert attempt.method == "snap" and attempt.status == PaymentStatus.PENDING
    assert attempt.snap_token and attempt.redirect_url.startswith("https://snap.example/")
    assert attempt.gateway_answered_at is not None


def test_snap_expiry_follows_the_order(ctx, fake_gateway):
    order = make_order(expires_in=timedelta(minutes=90))
    attempt = start_snap(order)
    duration = fake_gateway.calls[0][1]["expiry"]["duration"]
    assert duration in (89, 90)
    assert attempt.expires_at <= order.expires_at


def test_snap_expiry_is_capped_at_a_day(ctx, fake_gateway):
    start_snap(make_order(expires_in=timedelta(days=3)))
    assert fake_gateway.calls[0][1]["expiry"]["duration"] == 24 * 60


def test_enabled_payments_come_from_the_settings(ctx, fake_gateway):
    db.session.add(ShopSettings(id=1, snap_methods=["gopay", "bca_va"]))
    db.session.commit()
    start_snap(make_order())
    assert fake_gateway.calls[0][1]["enabled_payments"] == ["gopay", "bca_va"]


def test_a_second_press_resumes_the_same_snap_page(order, fake_gateway):
    first = start_snap(order)
    second = start_snap(refresh(order))
    assert second.id == first.id and fake_gateway.count("create_snap") == 1


def test_a_live_qr_is_cancelled_at_midtrans_before_snap(order, fake_gateway):
    from checkout.payments.qris_checkout import start_qris

    qr = start_qris(order)
    snap = start_snap(refresh(order))
    assert fake_gateway.count("cancel") == 1
    assert refresh(qr).status == PaymentStatus.CANCELLED
    assert snap.number == 2 and snap.method == "snap"


def test_a_qr_paid_meanwhile_wins_over_switching(order, fake_gateway):
    from checkout.payments.qris_checkout import start_qris

    qr = start_qris(order)
    fake_gateway.settle(qr.midtrans_order_id)
    assert start_snap(refresh(order)) is None
    assert refresh(qr).status == PaymentStatus.PAID
    assert fake_gateway.count("create_snap") == 0


def test_unavailable_snap_leaves_the_attempt_for_a_retry(order, fake_gateway):
    fake_gateway.fail_next = [unavailable()]
    with pytest.raises(PaymentUnavailable):
        start_snap(order)
    (attempt,) = db.session.scalars(select(PaymentAttempt)).all()
    assert attempt.status == PaymentStatus.PENDING and attempt.gateway_answered_at is None
    retried = start_snap(refresh(order))
    assert retried.id == attempt.id and retried.redirect_url
    assert [c[1]["transaction_details"]["order_id"] for c in fake_gateway.calls if c[0] == "create_snap"] == \
        [attempt.midtrans_order_id] * 2


def test_snap_disabled_is_refused(ctx, fake_gateway):
    db.session.add(ShopSettings(id=1, snap_enabled=False))
    db.session.commit()
    with pytest.raises(InvalidRequest):
        start_snap(make_order())
    assert fake_gateway.calls == []


def test_an_unused_expired_snap_page_is_replaced(order, fake_gateway):
    old = make_attempt(order, method="snap", gateway_answered_at=utcnow(), redirect_url="https://snap.example/old",
                       expires_in=timedelta(minutes=-1))
    fake_gateway.transactions[old.midtrans_order_id] = {"status": None}
    new = start_snap(refresh(order))
    assert refresh(old).status == PaymentStatus.EXPIRED
    assert new.number == 2
