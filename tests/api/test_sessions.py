"""Creating, reading, listing and cancelling checkout sessions; bad input of every kind."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from checkout.extensions import db
from checkout.models import ApiKey, Order, OutboxEvent
from checkout.payments.states import OrderStatus
from tests.api.helpers import session_body
from tests.factories import make_order


def test_create_answers_201_with_the_session(app, api):
    response = api.post("/checkout-sessions", session_body(), key="create-1")
    assert response.status_code == 201, response.json
    session = response.json
    assert session["object"] == "checkout.session" and session["status"] == "open"
    assert session["reference"] == "SHOP-1001" and session["amount_total"] == 70_000
    assert session["url"] == f"http://checkout.test/pay/{session['id']}"
    assert session["items"][1] == {"sku": None, "name": "Roti Bakar", "unit_price": 20_000, "quantity": 1}
    assert session["allowed_methods"] == ["qris"] and session["metadata"] == {"cart": "c-77"}
    with app.app_context():
        order = db.session.scalar(select(Order).where(Order.public_id == session["id"]))
        key = db.session.scalar(select(ApiKey))
        assert order.api_key_id == key.id and order.success_url == "https://shop.example.com/return/ok"


def test_minimal_body(api):
    response = api.post("/checkout-sessions", {"items": [{"name": "Teh", "unit_price": 5000}], "total": 5000})
    assert response.status_code == 201
    assert response.json["reference"].startswith("ORD-")


def test_total_that_does_not_add_up_is_422_with_the_field(api):
    response = api.post("/checkout-sessions", session_body(total=69_999))
    assert response.status_code == 422
    assert response.json["error"]["code"] == "total_mismatch"
    assert "total" in response.json["error"]["fields"]


@pytest.mark.parametrize("changes, field", [
    ({"total": 70000.0}, "total"),
    ({"total": "70000"}, "total"),
    ({"total": None}, "total"),
    ({"items": []}, "items"),
    ({"items": [{"name": "X", "unit_price": 1.5}], "total": 2}, "items[0].unit_price"),
    ({"items": [{"name": "X", "unit_price": True}], "total": 1}, "items[0].unit_price"),
    ({"items": [{"name": "", "unit_price": 1}], "total": 1}, "items[0].name"),
    ({"items": [{"name": "X", "unit_price": 1, "quantity": 0}], "total": 0}, "items[0].quantity"),
    ({"items": [{"name": "X", "unit_price": 1, "colour": "red"}], "total": 1}, "items[0].colour"),
    ({"currency": "USD"}, "currency"),
    ({"allowed_methods": ["cash"]}, "allowed_methods"),
    ({"allowed_methods": []}, "allowed_methods"),
    ({"metadata": ["not", "an", "object"]}, "metadata"),
    ({"metadata": {"blob": "x" * 5000}}, "metadata"),
    ({"customer": {"email": "nope"}}, "customer.email"),
    ({"unexpected": 1}, "unexpected"),
])
def test_invalid_fields_are_422_naming_the_field(api, changes, field):
    response = api.post("/checkout-sessions", session_body(**changes))
    assert response.status_code == 422, response.json
    assert field in response.json["error"]["fields"], response.json


def test_business_rules_from_the_order_service(api):
    bad_reference = api.post("/checkout-sessions", session_body(reference="has spaces"))
    assert bad_reference.status_code == 422 and "reference" in bad_reference.json["error"]["fields"]
    bad_expiry = api.post("/checkout-sessions", session_body(expires_in_minutes=0))
    assert bad_expiry.status_code == 422 and "expires_in_minutes" in bad_expiry.json["error"]["fields"]
    assert api.post("/checkout-sessions", session_body()).status_code == 201
    duplicate = api.post("/checkout-sessions", session_body())
    assert duplicate.status_code == 422 and duplicate.json["error"]["code"] == "duplicate_reference"


def test_malformed_json_is_400(api):
    for raw in (b"{not json", b"", b"NaN", b"\xff\xfe"):
        response = api.client.post("/api/v1/checkout-sessions", data=raw, headers=api.headers(
            {"Content-Type": "application/json"}))
        assert response.status_code == 400, raw
        assert response.json["error"]["code"] == "invalid_json"


def test_a_body_that_is_not_an_object_is_422(api):
    response = api.post("/checkout-sessions", [1, 2, 3])
    assert response.status_code == 422


def test_oversize_body_is_413_json(api):
    blob = json.dumps(session_body(description="x" * (70 * 1024)))
    response = api.client.post("/api/v1/checkout-sessions", data=blob,
                               headers=api.headers({"Content-Type": "application/json"}))
    assert response.status_code == 413
    assert response.json["error"]["code"] == "payload_too_large"


def test_return_urls_off_the_allowlist_are_422(api):
    response = api.post("/checkout-sessions", session_body(
        success_url="https://shop.example.com.evil.io/return/ok", cancel_url="https://evil.io/"))
    assert response.status_code == 422
    assert response.json["error"]["code"] == "return_url_not_allowed"
    assert set(response.json["error"]["fields"]) == {"success_url", "cancel_url"}


def test_disabled_methods_are_refused(app, api):
    from checkout.models import ShopSettings

    with app.app_context():
        db.session.add(ShopSettings(id=1, qris_enabled=False))
        db.session.commit()
    response = api.post("/checkout-sessions", session_body(allowed_methods=["qris"]))
    assert response.status_code == 422 and response.json["error"]["code"] == "methods_unavailable"


def test_get_and_unknown_ids(api):
    created = api.post("/checkout-sessions", session_body()).json
    fetched = api.get(f"/checkout-sessions/{created['id']}")
    assert fetched.status_code == 200 and fetched.json == created
    missing = api.get("/checkout-sessions/does-not-exist")
    assert missing.status_code == 404 and missing.json["error"]["code"] == "session_not_found"
    assert api.post("/checkout-sessions/does-not-exist/cancel").status_code == 404


def test_unknown_routes_and_methods_are_json(api):
    assert api.get("/nothing-here").json["error"]["code"] == "not_found"
    response = api.client.delete("/api/v1/checkout-sessions", headers=api.headers())
    assert response.status_code == 405 and "error" in response.json
    assert set(response.headers["Allow"].split(", ")) >= {"GET", "POST"}


def test_unexpected_errors_are_json_500_without_details(api, monkeypatch):
    from checkout.payments import orders

    def explode(**_kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(orders, "create_order", explode)
    response = api.post("/checkout-sessions", session_body())
    assert response.status_code == 500
    assert response.json["error"]["code"] == "internal_error"
    assert "secret internals" not in response.get_data(as_text=True)


def test_list_filters_by_reference_and_paginates(app, api):
    ids = [api.post("/checkout-sessions", session_body(reference=f"SHOP-{n}")).json["id"] for n in range(5)]
    only = api.get("/checkout-sessions?reference=SHOP-3").json
    assert [s["id"] for s in only["data"]] == [ids[3]] and only["has_more"] is False
    first = api.get("/checkout-sessions?limit=2").json
    assert [s["id"] for s in first["data"]] == [ids[4], ids[3]] and first["has_more"] is True
    second = api.get(f"/checkout-sessions?limit=2&starting_after={ids[3]}").json
    assert [s["id"] for s in second["data"]] == [ids[2], ids[1]]
    last = api.get(f"/checkout-sessions?limit=2&starting_after={ids[1]}").json
    assert [s["id"] for s in last["data"]] == [ids[0]] and last["has_more"] is False
    assert api.get("/checkout-sessions?limit=0").status_code == 422
    assert api.get("/checkout-sessions?limit=abc").status_code == 422
    assert api.get("/checkout-sessions?starting_after=nope").status_code == 422
    assert api.get("/checkout-sessions?status=open").json["data"][0]["id"] == ids[4]


def test_cancel_an_open_session(app, api):
    created = api.post("/checkout-sessions", session_body()).json
    response = api.post(f"/checkout-sessions/{created['id']}/cancel", {"reason": "customer left"}, key="c-1")
    assert response.status_code == 200 and response.json["status"] == "cancelled"
    again = api.post(f"/checkout-sessions/{created['id']}/cancel")
    assert again.status_code == 200 and again.json["status"] == "cancelled"
    with app.app_context():
        assert db.session.scalars(select(OutboxEvent.type)).all() == ["checkout.session.cancelled"]


def test_cancelling_a_paid_session_is_409(app, api):
    with app.app_context():
        order = make_order(status=OrderStatus.PAID)
        public_id = order.public_id
    response = api.post(f"/checkout-sessions/{public_id}/cancel")
    assert response.status_code == 409
    assert response.json["error"]["code"] == "session_not_cancellable"
