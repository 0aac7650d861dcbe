"""Fixtures for outbox tests: a receiving endpoint on a socket, and an event to deliver."""
from __future__ import annotations

import pytest

from checkout.extensions import db
from checkout.outbox import endpoints
from checkout.outbox.events import emit
from tests.factories import make_order
from tests.outbox.receiver import start_receiver


@pytest.fixture
def receiver():
    server = start_receiver()
    yield server
    server.receiver.release.set()
    server.stop()


@pytest.fixture
def endpoint(ctx, receiver):
    """A registered endpoint pointing at the receiver: (endpoint id, signing secret)."""
    found, secret = endpoints.add(f"{receiver.url}/hooks", actor="test")
    return found.id, secret


@pytest.fixture
def emit_event(ctx):
    """Emit an event for a new order the way the core does (in the state-change transaction)."""

    def _emit(event_type="checkout.session.paid"):
        order = make_order()
        event = emit(event_type, order)
        db.session.commit()
        return event

    return _emit
