""""Test connection": does Midtrans accept the server key in force?

It asks the status API about an order id that cannot exist. Midtrans answers "not found"
to a key it accepts and 401 to one it does not, so nothing is created or changed there.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass

from flask_babel import gettext as _

from checkout import audit, shop_settings
from checkout.extensions import db
from checkout.midtrans.errors import GatewayAuthError, GatewayError, GatewayRejected, GatewayUnavailable
from checkout.timeutil import utcnow


@dataclass(frozen=True)
class ConnectionResult:
    outcome: str  # ok | refused | no_key | unreachable | error
    message: str
    environment: str
    api_base_url: str

    @property
    def ok(self) -> bool:
        return self.outcome == "ok"


def test_connection(*, actor: str) -> ConnectionResult:
    """Ask Midtrans once, describe the answer in plain words, audit it. Commits."""
    settings = shop_settings.current()
    environment = settings.environment
    base = settings.endpoints.api_base_url
    try:
        shop_settings.gateway(settings).status(f"connection-test-{secrets.token_hex(8)}")
    except GatewayAuthError as exc:
        if exc.code == "no_key":
            outcome, message = "no_key", _("No server key is set for the %(env)s environment. Save one first.",
                                           env=environment)
        else:
            outcome, message = "refused", _(
                "Midtrans refused the server key. Check that you copied the %(env)s server key (not the client key) "
                "from the Midtrans dashboard.", env=environment)
    except GatewayUnavailable:
        outcome, message = "unreachable", _("Midtrans could not be reached at %(url)s. Try again in a minute.", url=base)
    except GatewayRejected as exc:
        outcome, message = "error", _("Midtrans answered with an error: %(message)s", message=exc.message)
    except GatewayError as exc:
        outcome, message = "error", _("Midtrans answered unexpectedly: %(message)s", message=exc.message)
    else:
        outcome, message = "ok", _("Connected: Midtrans accepted the %(env)s server key.", env=environment)
    audit.record(actor, "settings.connection_tested", subject_type="settings", subject_id="midtrans",
                 details={"environment": environment, "outcome": outcome, "at": utcnow().isoformat()})
    db.session.commit()
    return ConnectionResult(outcome, message, environment, base)
