"""The return-URL allowlist compares scheme, host, port and path segments, never raw strings."""
from __future__ import annotations

import pytest

from checkout.api.return_urls import is_allowed

ALLOW = ["https://shop.example.com/return", "https://other.example.com", "http://127.0.0.1:8000/"]


@pytest.mark.parametrize("url", [
    "https://shop.example.com/return",
    "https://shop.example.com/return/ok?order=1",
    "https://SHOP.example.com/return/ok",
    "https://shop.example.com:443/return/ok",
    "https://other.example.com/anything",
    "https://other.example.com",
    "http://127.0.0.1:8000/done",
])
def test_allowed(url):
    assert is_allowed(url, ALLOW)


@pytest.mark.parametrize("url", [
    "https://shop.example.com.evil.io/return/ok",
    "https://shop.example.com@evil.io/return/ok",
    "https://evil.io/?https://shop.example.com/return",
    "http://shop.example.com/return/ok",
    "https://shop.example.com:8443/return/ok",
    "https://shop.example.com/returns-evil",
    "https://shop.example.com/",
    "https://shop.example.com/return/../admin",
    "https://shop.example.com/return/%2e%2e/admin",
    "https://shop.example.com\\@evil.io/return",
    "https://shop.example.com/return/ok\n",
    "javascript://shop.example.com/return/%0aalert(1)",
    "//shop.example.com/return/ok",
    "/return/ok",
    "http://127.0.0.1:8001/done",
    "",
    "https://[::1/return",
])
def test_refused(url):
    assert not is_allowed(url, ALLOW)


def test_nothing_is_allowed_with_an_empty_allowlist():
    assert not is_allowed("https://shop.example.com/return", [])


def test_the_allowlist_saved_in_the_admin_counts_too(make_app):
    from checkout import api_keys
    from checkout.extensions import db
    from checkout.models import ShopSettings
    from tests.api.helpers import Api, session_body

    app = make_app()
    with app.app_context():
        db.session.add(ShopSettings(id=1, return_url_allowlist=["https://shop.example.com/return"]))
        db.session.commit()
        _, token = api_keys.create("k", actor="test")
    assert Api(app.test_client(), token).post("/checkout-sessions", session_body()).status_code == 201
