"""POST /webhooks/midtrans: the notification URL pasted into the Midtrans dashboard.

Thin: read the delivery, hand it to ``checkout.notifications.receive``, answer.

Status codes: 200 for every delivery we verified (applied, duplicate, ignored, mismatch:
retrying would not change the answer), 400 malformed, 401 bad or missing signature,
413 oversize, 503 a temporary failure of ours (Midtrans retries it), 429 a flood of
rejected requests from one address. Never a redirect: Midtrans does not follow 301-303.

CSRF does not apply (Midtrans has no session, the signature is the authentication).
Rate limiting counts every delivery that is not well signed, per address, whatever it
was answered, and never applies to a well-signed delivery, so Midtrans is not slowed down by someone else's garbage even
when both arrive through one proxy address.
"""
from __future__ import annotations

from flask import current_app, jsonify
from flask_babel import gettext as _

from checkout import shop_settings
from checkout.error_pages import error_response
from checkout.extensions import csrf, db, limiter
from checkout.notifications import receive
from checkout.notifications.intake import current_delivery
from checkout.notifications.verification import is_well_signed
from checkout.webhooks import bp

csrf.exempt(bp)

REJECTED = {400: "malformed_notification", 401: "invalid_signature", 413: "payload_too_large"}


def _rejected_limit() -> str:
    return current_app.config.get("WEBHOOK_REJECTED_RATE_LIMIT", "30 per minute")


def _well_signed() -> bool:
    """Exempts genuine deliveries from the flood guard (runs before the view)."""
    try:
        delivery = current_delivery()
        return not delivery.oversize and is_well_signed(delivery.body, shop_settings.current().server_key)
    except Exception:  # the view answers properly; here, just do not exempt
        db.session.rollback()
        return False


@bp.post("/midtrans")
@bp.post("/midtrans/")  # a pasted trailing slash must not cost a redirect (Midtrans drops 301-303)
# Every delivery that is not well signed counts, whatever we answered it (a 500 or a 503
# included): the limit is on strangers' requests, not on a list of status codes.
@limiter.limit(_rejected_limit, exempt_when=_well_signed)
def midtrans_notification():
    result = receive(current_delivery())
    if result.accepted:
        return jsonify({"status": "ok", "outcome": result.outcome}), result.http_status
    if result.http_status in REJECTED:
        messages = {
            400: _("The notification body is not a JSON object."),
            401: _("The notification signature is missing or invalid."),
            413: _("That request is too large."),
        }
        return error_response(result.http_status, REJECTED[result.http_status], messages[result.http_status])
    if result.http_status == 503:
        return error_response(503, "temporarily_unavailable",
                              _("Temporarily unable to process the notification; please retry."))
    return error_response(result.http_status, "internal_error")
