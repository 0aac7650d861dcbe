"""With the database unreachable, people get the calm 503 page and machines a 503 to retry."""
from __future__ import annotations

import pytest

from tests.observability.helpers import unreachable_database_app

PUBLIC_ID = "abcdefghijklmnop1234"
EN = {"Accept-Language": "en"}


@pytest.fixture
def client(tmp_path):
    return unreachable_database_app(tmp_path).test_client()


@pytest.mark.parametrize("method, path, headers", [
    ("GET", f"/pay/{PUBLIC_ID}", EN),
    ("GET", f"/pay/{PUBLIC_ID}/status?have=pending.1.0", {**EN, "HX-Request": "true"}),
    ("POST", f"/pay/{PUBLIC_ID}/qris", EN),
    ("POST", f"/pay/{PUBLIC_ID}/snap", EN),
])
def test_checkout_pages_answer_503_with_retry_after(client, method, path, headers):
    response = client.open(path, method=method, headers=headers)
    assert response.status_code == 503
    assert int(response.headers["Retry-After"]) > 0
    assert b"The payment service is unavailable right now" in response.data
    assert b"Traceback" not in response.data and b"psycopg" not in response.data


def test_the_status_fragment_is_a_fragment(client):
    response = client.get(f"/pay/{PUBLIC_ID}/status?have=pending.1.0", headers={**EN, "HX-Request": "true"})
    assert response.status_code == 503
    assert not response.data.lstrip().startswith(b"<!doctype")


def test_notifications_answer_503_so_midtrans_retries(client):
    response = client.post("/webhooks/midtrans", data=b'{"order_id": "ORDER-1-1"}', content_type="application/json")
    assert response.status_code == 503
    assert response.json["error"]["code"] == "temporarily_unavailable"


def test_the_api_answers_503_in_json(client):
    response = client.get("/api/v1/checkout-sessions", headers={"Authorization": "Bearer ck_live_whatever"})
    assert response.status_code == 503
    assert response.json["error"]["code"] == "database_unavailable"
    assert response.headers["Retry-After"]
