"""Re-encrypting stored secrets under the newest encryption key.

To rotate: put a new Fernet key first in CHECKOUT_ENCRYPTION_KEY (keeping the old ones
after it), run ``flask admin rotate-keys``, then drop the old keys. MultiFernet decrypts
with any configured key and encrypts with the first.
"""
from __future__ import annotations

from dataclasses import dataclass

from cryptography.fernet import InvalidToken
from sqlalchemy import select

from checkout import audit, crypto
from checkout.extensions import db
from checkout.models import MidtransCredentials, WebhookEndpoint


@dataclass(frozen=True)
class RotationReport:
    server_keys: int
    webhook_secrets: int


def rotate_all(*, actor: str = "cli") -> RotationReport:
    """Re-encrypt every stored secret in one transaction. Commits. Raises
    crypto.SecretUnreadable (and changes nothing) if any secret cannot be decrypted."""
    try:
        return _rotate(actor)
    except (crypto.SecretUnreadable, InvalidToken):
        db.session.rollback()
        raise crypto.SecretUnreadable("a stored secret cannot be decrypted with the configured keys") from None


def _rotate(actor: str) -> RotationReport:
    server_keys = 0
    for creds in db.session.scalars(select(MidtransCredentials).where(MidtransCredentials.server_key_encrypted.is_not(None))):
        creds.server_key_encrypted = crypto.rotate(creds.server_key_encrypted)
        server_keys += 1
    webhook_secrets = 0
    for endpoint in db.session.scalars(select(WebhookEndpoint).where(WebhookEndpoint.secret_encrypted.is_not(None))):
        endpoint.secret_encrypted = crypto.rotate(endpoint.secret_encrypted)
        webhook_secrets += 1
    audit.record(actor, "secrets.rotated", subject_type="settings", subject_id="encryption",
                 details={"server_keys": server_keys, "webhook_secrets": webhook_secrets})
    db.session.commit()
    return RotationReport(server_keys, webhook_secrets)
