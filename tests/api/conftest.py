"""Fixtures for API tests: an app with a return-URL allowlist, a key, and a JSON client."""
from __future__ import annotations

import pytest

from checkout import api_keys
from tests.api.helpers import ALLOWLIST, Api


@pytest.fixture
def app(make_app):
    return make_app(RETURN_URL_ALLOWLIST=list(ALLOWLIST))


@pytest.fixture
def make_key(app):
    def _make(name="shop-backend"):
        with app.app_context():
            key, token = api_keys.create(name, actor="test")
            return key.id, token

    return _make


@pytest.fixture
def token(make_key):
    return make_key()[1]


@pytest.fixture
def api(client, token):
    return Api(client, token)
