"""Helpers for notification tests: the server key in force and a signed-delivery poster."""
from __future__ import annotations

import json

import pytest

from checkout import shop_settings
from checkout.extensions import db
from checkout.models import Notification

URL = "/webhooks/midtrans"
MIDTRANS_HEADERS = {"Content-Type": "application/json", "User-Agent": "Veritrans"}


@pytest.fixture
def server_key(ctx):
    """The key of the environment in force (the simulator's, derived from SECRET_KEY)."""
    return shop_settings.current().server_key


@pytest.fixture
def deliver(client):
    """POST a body (dict -> JSON, bytes as they are) the way Midtrans does."""

    def _deliver(body, headers=None, **kwargs):
        data = json.dumps(body).encode() if isinstance(body, (dict, list)) else body
        return client.post(URL, data=data, headers={**MIDTRANS_HEADERS, **(headers or {})}, **kwargs)

    return _deliver


def last_notification() -> Notification:
    db.session.expire_all()
    return db.session.scalars(db.select(Notification).order_by(Notification.id.desc())).first()
