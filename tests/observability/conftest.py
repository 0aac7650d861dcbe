"""Fixtures for the operations tests."""
from __future__ import annotations

import pytest

from checkout.extensions import limiter


@pytest.fixture
def limited_app(make_app):
    """An app with an application-wide limit of ``limit`` on every route that is not exempt.

    Flask-Limiter keeps application limits on the shared extension object, so they are
    removed again afterwards; other tests must not inherit them.
    """

    def _make(limit: str, **config):
        return make_app(RATELIMIT_APPLICATION=limit, **config)

    yield _make
    limiter.limit_manager.set_application_limits([])
