"""Alert tests run against a real SMTP server and the simulator, both on 127.0.0.1."""
from __future__ import annotations

import pytest

from checkout.extensions import db
from checkout.mail import sender
from checkout.models import MailMessage
from tests.support.smtp_server import SmtpServer

OWNER = "owner@toko.example"


@pytest.fixture
def smtp():
    server = SmtpServer()
    server.up()
    yield server
    server.down()


@pytest.fixture
def app(make_app, smtp, simulator):
    return make_app(SMTP_URL=smtp.url, ALERT_EMAILS=[OWNER], MAIL_FROM="Toko <toko@toko.example>",
                    MIDTRANS_API_BASE_URL=simulator.url, SMTP_TIMEOUT_SECONDS=3)


@pytest.fixture
def send_mail(ctx):
    """Run the worker's mail job once, as `flask worker` would; returns its stats."""
    def _send():
        return sender.send_due("test-worker")
    return _send


def queued(category="alert"):
    db.session.expire_all()
    return MailMessage.query.filter_by(category=category).order_by(MailMessage.id).all()


# The mails are written in Indonesian and English: make sure the catalog is compiled.
from tests.admin.test_admin_indonesian import compiled_translations  # noqa: E402,F401
