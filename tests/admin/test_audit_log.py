"""The audit log: filterable, paginated with htmx, append-only."""
from __future__ import annotations

import re
from datetime import datetime

import pytest
from sqlalchemy import delete, select, update

from checkout import audit
from checkout.admin.services.audit_trail import AuditTrailIsAppendOnly
from checkout.extensions import db
from checkout.models import AuditEvent
from tests.admin.helpers import HX


def _record(app, actor, action, *, subject_type=None, subject_id=None, at=None, **kwargs):
    with app.app_context():
        event = audit.record(actor, action, subject_type=subject_type, subject_id=subject_id, **kwargs)
        if at is not None:
            event.at = at
        db.session.commit()
        return event.id


def _ids(body: bytes) -> list[int]:
    return [int(n) for n in re.findall(r'<tr id="audit-(\d+)"', body.decode())]


def test_page_and_fragment(admin, app):
    _record(app, "admin:owner@example.com", "refund.requested", subject_type="payment_attempt", subject_id="ORD-1-1",
            details={"amount": 5000})
    page = admin.get("/admin/audit")
    assert page.status_code == 200 and b"<html" in page.data
    assert b"refund.requested" in page.data and b"amount: 5000" in page.data
    fragment = admin.get("/admin/audit", headers=HX)
    assert fragment.data.lstrip().startswith(b'<section id="audit-table"') and b"<html" not in fragment.data


def test_transitions_and_admin_actions_appear_with_actor_before_and_after(admin, app):
    _record(app, "midtrans:notification", "payment.transition", subject_type="payment_attempt", subject_id="ORD-9-1",
            before="pending", after="paid")
    body = admin.get("/admin/audit").data.decode()
    row = re.search(r'<tr id="audit-\d+">(.*?)</tr>', body, re.S).group(1)
    assert "midtrans:notification" in row and "payment.transition" in row
    assert '"Before">pending</td>' in row and '"After">paid</td>' in row
    assert "Payment status changed" in row  # the action in words; its code under "Technical details"
    assert 'href="/admin/transactions/ORD-9-1"' in row


def test_filters(admin, app):
    a = _record(app, "admin:owner@example.com", "settings.changed", subject_type="settings", subject_id="shop",
                at=datetime(2026, 3, 10, 16, 30))  # 23:30 WIB, 10 March
    b = _record(app, "midtrans:notification", "payment.transition", subject_type="payment_attempt",
                subject_id="ORD-77-1", at=datetime(2026, 3, 10, 17, 30))  # 00:30 WIB, 11 March
    c = _record(app, "anonymous", "admin.login_failed", subject_type="admin_user", subject_id="x@example.com",
                at=datetime(2026, 3, 12, 3, 0))

    def ids(**args):
        return set(_ids(admin.get("/admin/audit", query_string=args, headers=HX).data))

    assert ids() >= {a, b, c}
    assert ids(actor="owner@") == {a}
    assert ids(action="transition") == {b}
    assert ids(subject="ORD-77") == {b}
    assert ids(subject="x@example.com") == {c}
    assert c in ids(subject="admin_user") and b not in ids(subject="admin_user")
    assert ids(date_from="2026-03-10", date_to="2026-03-10") == {a}
    assert ids(date_from="2026-03-11", date_to="2026-03-12") == {b, c}
    bad = admin.get("/admin/audit", query_string={"date_from": "2026-03-12", "date_to": "2026-03-01"}, headers=HX)
    assert bad.status_code == 422 and b"Some filters are not valid" in bad.data


def test_htmx_pagination_newest_first(admin, app):
    with app.app_context():
        for number in range(60):
            audit.record("system:reconciler", "order.transition", subject_type="order", subject_id=f"ORD-{number}")
        db.session.commit()
    first = admin.get("/admin/audit", query_string={"actor": "reconciler"})
    assert len(_ids(first.data)) == 50
    body = first.data.decode()
    link = re.search(r'<a class="pager__link" href="([^"]+)" hx-get="\1" hx-target="#audit-table"[^>]*hx-push-url="true" rel="next"',
                     body).group(1).replace("&amp;", "&")
    assert "actor=reconciler" in link
    second = admin.get(link, headers=HX)
    assert len(_ids(second.data)) == 10
    assert max(_ids(second.data)) < min(_ids(first.data))


def test_no_route_edits_or_deletes_audit_entries(app):
    for rule in app.url_map.iter_rules():
        if "audit" in rule.rule:
            assert rule.methods <= {"GET", "HEAD", "OPTIONS"}, rule
    # The collection itself refuses writes.
    client = app.test_client()
    assert client.post("/admin/audit").status_code == 405
    assert client.delete("/admin/audit").status_code == 405


def test_the_orm_refuses_to_change_or_delete_audit_events(app):
    event_id = _record(app, "cli", "admin_user.created", subject_type="admin_user", subject_id="o@example.com")
    with app.app_context():
        event = db.session.get(AuditEvent, event_id)
        event.action = "tampered"
        with pytest.raises(AuditTrailIsAppendOnly):
            db.session.commit()
        db.session.rollback()
        event = db.session.get(AuditEvent, event_id)
        db.session.delete(event)
        with pytest.raises(AuditTrailIsAppendOnly):
            db.session.commit()
        db.session.rollback()
        with pytest.raises(AuditTrailIsAppendOnly):
            db.session.execute(update(AuditEvent).values(actor="someone else"))
        with pytest.raises(AuditTrailIsAppendOnly):
            db.session.execute(delete(AuditEvent))
        db.session.rollback()
        assert db.session.scalar(select(AuditEvent.action).where(AuditEvent.id == event_id)) == "admin_user.created"


def test_every_admin_action_is_audited(admin, app, monkeypatch):
    """Login, failed login, settings (field names only), payment link, logout."""
    from tests.admin.helpers import english_client, settings_form

    client = english_client(app)
    client.post("/admin/login", data={"email": "owner@example.com", "password": "wrong wrong wrong"})
    client.post("/admin/login", data={"email": "owner@example.com", "password": "correct horse battery staple"})
    client.post("/admin/settings", data=settings_form(shop_name="Audited"))
    client.post("/admin/payment-links/new", data={"amount": "1000", "description": "x"})
    client.post("/admin/logout")
    with app.app_context():
        actions = [e.action for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]
    for expected in ("admin.login_failed", "admin.login", "settings.changed", "order.created", "payment_link.created",
                     "admin.logout"):
        assert expected in actions
