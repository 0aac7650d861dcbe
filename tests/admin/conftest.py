"""Fixtures for the admin pages: an owner account and clients signed in as it."""
from __future__ import annotations

import pytest

from tests.admin.helpers import OWNER_EMAIL, OWNER_PASSWORD, create_owner, sign_in


# Still scrypt, with a small work factor: the suite hashes passwords hundreds of times.
FAST_HASH = "scrypt:1024:8:1"


@pytest.fixture
def app(make_app):
    return make_app(ADMIN_PASSWORD_HASH_METHOD=FAST_HASH)


@pytest.fixture
def client(app):
    """Speaks English, so assertions can quote the (source) texts."""
    test_client = app.test_client()
    test_client.set_cookie("lang", "en")
    return test_client


@pytest.fixture
def owner(app):
    """The owner account (email, password) in the test database."""
    with app.app_context():
        create_owner(app)
    return OWNER_EMAIL, OWNER_PASSWORD


@pytest.fixture
def admin(app, owner):
    """A test client signed in as the owner (session written directly: fast)."""
    client = app.test_client()
    sign_in(client, app)
    return client
