"""checkout.mail: enqueue writes in the caller's transaction; SMTP_URL parsing; claims."""
from __future__ import annotations

import pytest

from checkout import mail
from checkout.config import ConfigError
from checkout.extensions import db
from checkout.mail import sender
from checkout.mail.smtp_url import describe, mail_settings
from checkout.models import MailMessage


def test_enqueue_does_not_commit(ctx):
    message = mail.enqueue("a@x.example", "Hello\nthere", "Body", category="test")
    assert message.subject == "Hello there" and message.to_addresses == ["a@x.example"]
    db.session.rollback()  # the caller's transaction fails: no mail
    assert MailMessage.query.count() == 0


def test_enqueue_dedupe_key_makes_repeats_no_ops(ctx):
    assert mail.enqueue(["a@x.example", " b@x.example "], "S", "T", category="test", dedupe_key="k1") is not None
    assert mail.enqueue("a@x.example", "S", "T", category="test", dedupe_key="k1") is None
    db.session.commit()
    assert mail.enqueue("a@x.example", "S", "T", category="test", dedupe_key="k1") is None
    db.session.commit()
    [row] = MailMessage.query.all()
    assert row.to_addresses == ["a@x.example", "b@x.example"]
    assert mail.enqueue([], "S", "T", category="test") is None


def test_claims_are_exclusive_and_released(ctx):
    mail.enqueue("a@x.example", "S", "T", category="test")
    db.session.commit()
    taken = sender.claim_next("worker-a")
    assert taken is not None and sender.claim_next("worker-b") is None
    assert sender.release_claims("worker-b") == 0
    assert sender.release_claims("worker-a") == 1
    assert sender.claim_next("worker-b").id == taken.id


@pytest.mark.parametrize("url, expected", [
    ("smtp://user:p%40ss@mail.example.com:587", dict(MAIL_SERVER="mail.example.com", MAIL_PORT=587,
                                                     MAIL_USERNAME="user", MAIL_PASSWORD="p@ss",
                                                     MAIL_USE_TLS=True, MAIL_USE_SSL=False)),
    ("smtps://mail.example.com", dict(MAIL_PORT=465, MAIL_USE_TLS=False, MAIL_USE_SSL=True, MAIL_USERNAME=None)),
    ("smtp://127.0.0.1:25?starttls=off", dict(MAIL_PORT=25, MAIL_USE_TLS=False, MAIL_USE_SSL=False)),
])
def test_smtp_url(url, expected):
    settings = mail_settings(url)
    assert {key: settings[key] for key in expected} == expected


def test_bad_smtp_url_never_echoes_the_password():
    with pytest.raises(ConfigError) as error:
        mail_settings("http://user:hunter2@mail.example.com")
    assert "hunter2" not in str(error.value)
    assert describe("smtp://user:hunter2@mail.example.com:587") == "smtp://mail.example.com:587"


def test_backoff_grows_and_is_bounded():
    waits = [sender.backoff(n).total_seconds() for n in range(1, sender.MAX_ATTEMPTS + 3)]
    assert waits[0] < 40 and waits[-1] <= 43200 * 1.1
    assert sum(sender.SCHEDULE) < 3 * 86400
