"""Admin pages for webhook endpoints: register (secret shown once), disable, attempts, resend."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from checkout.extensions import db
from checkout.models import WebhookDelivery, WebhookEndpoint
from checkout.outbox import delivery
from tests.admin.helpers import HX, create_owner, sign_in


@pytest.fixture
def app(make_app):
    return make_app(ADMIN_PASSWORD_HASH_METHOD="scrypt:1024:8:1")


@pytest.fixture
def admin(app):
    create_owner(app)
    client = app.test_client()
    sign_in(client, app)
    return client


def _secret(html: str) -> str:
    return html.split('id="new-endpoint-secret" type="text" readonly value="', 1)[1].split('"', 1)[0]


def test_pages_need_a_signed_in_owner(client):
    for path in ("/admin/webhook-endpoints", "/admin/webhook-endpoints/1"):
        assert client.get(path).status_code in (302, 303)


@pytest.mark.parametrize("headers", [{}, HX], ids=["page", "fragment"])
def test_list_page_and_fragment(admin, headers):
    response = admin.get("/admin/webhook-endpoints", headers=headers)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and 'id="webhook-endpoints"' in html
    assert ("<html" in html) == (not headers)


@pytest.mark.parametrize("headers", [{}, HX], ids=["page", "fragment"])
def test_register_shows_the_secret_once(app, admin, receiver, headers):
    response = admin.post("/admin/webhook-endpoints", headers=headers, data={
        "url": f"{receiver.url}/hooks", "events": ["checkout.session.paid"], "description": "orders"})
    assert response.status_code == 200
    secret = _secret(response.get_data(as_text=True))
    assert secret.startswith("whsec_")
    assert secret not in admin.get("/admin/webhook-endpoints").get_data(as_text=True)
    with app.app_context():
        endpoint = db.session.scalar(select(WebhookEndpoint))
        assert endpoint.events == ["checkout.session.paid"] and endpoint.description == "orders"


@pytest.mark.parametrize("headers", [{}, HX], ids=["page", "fragment"])
def test_register_refuses_bad_urls(admin, headers):
    response = admin.post("/admin/webhook-endpoints", data={"url": "ftp://x"}, headers=headers)
    assert response.status_code == 422 and 'id="endpoint-error"' in response.get_data(as_text=True)


@pytest.mark.parametrize("headers", [{}, HX], ids=["page", "fragment"])
def test_disable_and_enable(app, admin, receiver, headers):
    admin.post("/admin/webhook-endpoints", data={"url": f"{receiver.url}/hooks"})
    response = admin.post("/admin/webhook-endpoints/1/disable", headers=headers)
    assert response.status_code == (200 if headers else 303)
    with app.app_context():
        assert db.session.get(WebhookEndpoint, 1).disabled_at is not None
    admin.post("/admin/webhook-endpoints/1/enable", headers=headers)
    with app.app_context():
        assert db.session.get(WebhookEndpoint, 1).disabled_at is None
    assert admin.post("/admin/webhook-endpoints/9/disable", headers=headers).status_code == 404


@pytest.mark.parametrize("headers", [{}, HX], ids=["page", "fragment"])
def test_detail_shows_each_attempt_and_resends(app, admin, receiver, emit_event, headers):
    admin.post("/admin/webhook-endpoints", data={"url": f"{receiver.url}/hooks"})
    receiver.receiver.answers.append(500)
    with app.app_context():
        emit_event()
        delivery.deliver_due()
        delivery_id = db.session.scalar(select(WebhookDelivery.id))
    page = admin.get("/admin/webhook-endpoints/1", headers=headers)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'id="endpoint-deliveries"' in html
    assert ("<html" in html) == (not headers)
    assert "HTTP 500" in html and " ms" in html and "checkout.session.paid" in html
    resent = admin.post(f"/admin/webhook-endpoints/1/deliveries/{delivery_id}/resend", headers=headers)
    assert resent.status_code == (200 if headers else 303)
    with app.app_context():
        row = db.session.get(WebhookDelivery, delivery_id)
        assert row.status == "pending" and row.attempts == 0
        assert delivery.deliver_due().delivered == 1
    html = admin.get("/admin/webhook-endpoints/1").get_data(as_text=True)
    assert html.count('class="delivery-attempt"') == 2 and "HTTP 200" in html
    assert admin.get("/admin/webhook-endpoints/7").status_code == 404
    assert admin.post(f"/admin/webhook-endpoints/7/deliveries/{delivery_id}/resend").status_code == 404
