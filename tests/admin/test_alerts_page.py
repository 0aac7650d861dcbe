"""Admin → Alerts: the list with states, resolving, who is told; the dashboard's count."""
from __future__ import annotations

import html

from checkout.alerts import kinds, service
from checkout.extensions import db
from checkout.models import Alert, AuditEvent, ShopSettings
from tests.admin.helpers import HX


def open_one(app, subject="INV-7-1:paid_late", **details):
    with app.app_context():
        service.open_alert(kinds.PAYMENT_ATTENTION, subject, {"flag": "paid_late", "reference": "INV-7",
                                                             "midtrans_order_id": "INV-7-1", "amount": 150000,
                                                             **details})
        db.session.commit()
        return Alert.query.filter_by(subject=subject).one().id


def body(response, status=200):
    assert response.status_code == status, response.status_code
    return html.unescape(response.get_data(as_text=True))


def test_page_and_fragment(admin, app):
    alert_id = open_one(app)
    page = body(admin.get("/admin/alerts"))
    assert "<html" in page and 'id="alerts"' in page and 'aria-current="page"' in page
    assert "A payment needs attention" in page and "Rp 150.000" in page and "INV-7" in page
    assert f'action="/admin/alerts/{alert_id}/resolve"' in page
    fragment = admin.get("/admin/alerts", headers=HX)
    assert "<html" not in body(fragment) and body(fragment).lstrip().startswith('<section id="alerts"')
    assert fragment.headers["Vary"] == "HX-Request" or "HX-Request" in fragment.headers["Vary"]


def test_resolve_as_page_and_fragment(admin, app):
    first, second = open_one(app), open_one(app, "INV-8-1:paid_late")
    response = admin.post(f"/admin/alerts/{first}/resolve")
    assert response.status_code == 303 and response.headers["Location"].endswith("/admin/alerts")
    fragment = body(admin.post(f"/admin/alerts/{second}/resolve", headers=HX))
    assert "No open alerts. All is well." in fragment
    resolved = body(admin.get("/admin/alerts?status=resolved"))
    assert resolved.count("resolved ") >= 2 and "admin:owner@example.com" in resolved
    with app.app_context():
        assert {a.status for a in Alert.query} == {"resolved"}
        assert AuditEvent.query.filter_by(action="alert.resolved").count() == 2
    assert admin.post("/admin/alerts/999/resolve").status_code == 404


def test_recipients_are_saved_and_validated(admin, app):
    bad = body(admin.post("/admin/alerts/recipients", data={"emails": "owner@toko.example, nope"}, headers=HX), 422)
    assert "Not an e-mail address: nope" in bad and 'value="owner@toko.example, nope"' in bad
    assert admin.post("/admin/alerts/recipients", data={"emails": "a@toko.example; b@toko.example"}).status_code == 303
    with app.app_context():
        assert db.session.get(ShopSettings, 1).alert_emails == ["a@toko.example", "b@toko.example"]
    assert 'value="a@toko.example, b@toko.example"' in body(admin.get("/admin/alerts"))


def test_environment_wins_over_saved_recipients(make_app, owner):
    from tests.admin.helpers import create_owner, sign_in

    app = make_app(ALERT_EMAILS=["ops@toko.example"])
    create_owner(app)
    client = app.test_client()
    sign_in(client, app)
    page = body(client.get("/admin/alerts"))
    assert "Set by ALERT_EMAILS on the server: ops@toko.example" in page and 'name="emails"' not in page


def test_dashboard_counts_open_alerts(admin, app):
    assert 'id="open-alerts"' not in body(admin.get("/admin/"))
    open_one(app)
    assert '<a href="/admin/alerts">1 open alert</a>' in body(admin.get("/admin/"))
    open_one(app, "INV-9-1:paid_late")
    assert '<a href="/admin/alerts">2 open alerts</a>' in body(admin.get("/admin/"))
    admin.set_cookie("lang", "id")
    assert "2 peringatan terbuka" in body(admin.get("/admin/"))


def test_alerts_page_in_indonesian(admin, app):
    open_one(app)
    admin.set_cookie("lang", "id")
    page = body(admin.get("/admin/alerts"))
    assert "Pembayaran perlu perhatian" in page and "Tandai selesai" in page and "Siapa yang diberi tahu" in page
    assert "Mark resolved" not in page and "A payment needs attention" not in page


def test_needs_sign_in(client):
    assert client.get("/admin/alerts").status_code in (302, 303)
    assert client.post("/admin/alerts/1/resolve").status_code in (302, 303, 401, 403)
