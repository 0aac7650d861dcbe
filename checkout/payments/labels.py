"""What people read instead of codes: one translated label for every status, method, flag,
audit action and notification outcome, in one place.

``label(kind, code)`` is the one function templates (the ``label`` filter), forms (filter
choices), the CSV export and messages use. Codes stay in the database, the API and the
"Technical details" disclosures; a person reads the label. An unknown code is shown as it
is rather than hidden (tests/unit/test_labels.py fails when a code the code base writes has
no label). Brand names (GoPay, Indomaret) are plain strings: they are the same in every
language.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

STATUS_LABELS = {
    "open": _l("awaiting payment"),
    "pending": _l("pending"),
    "challenged": _l("under review"),
    "paid": _l("paid"),
    "paid_late": _l("paid late"),
    "expired": _l("expired"),
    "cancelled": _l("cancelled"),
    "failed": _l("failed"),
    "partially_refunded": _l("partially refunded"),
    "refunded": _l("refunded"),
}

# Our attempt methods (qris, snap) and Midtrans's payment_type / enabled_payments names.
METHOD_LABELS = {
    "qris": "QRIS",
    "snap": _l("Midtrans payment page"),
    "other_qris": _l("QRIS (other apps)"),
    "credit_card": _l("Credit or debit card"),
    "gopay": "GoPay",
    "shopeepay": "ShopeePay",
    "bank_transfer": _l("Bank transfer (virtual account)"),
    "bca_va": "BCA Virtual Account",
    "bni_va": "BNI Virtual Account",
    "bri_va": "BRI Virtual Account",
    "cimb_va": "CIMB Virtual Account",
    "permata_va": "Permata Virtual Account",
    "permata": "Permata Virtual Account",  # Midtrans's payment_type for Permata's own API
    "echannel": "Mandiri Bill",
    "cstore": _l("Convenience store"),
    "indomaret": "Indomaret",
    "alfamart": "Alfamart",
    "akulaku": "Akulaku",
    "kredivo": "Kredivo",
}

FLAG_LABELS = {
    "paid_late": _l("paid late"),
    "amount_mismatch": _l("amount mismatch"),
    "duplicate_payment": _l("paid twice"),
    "reversed": _l("reversed by Midtrans"),
}

# Audit actions, plus the entries only the timeline shows (attempt.created, refund.*).
ACTION_LABELS = {
    "admin.login": _l("Signed in"),
    "admin.login_failed": _l("Sign-in failed"),
    "admin.logout": _l("Signed out"),
    "admin_user.created": _l("Admin account created"),
    "admin_user.password_changed": _l("Password changed"),
    "alert.resolved": _l("Alert resolved"),
    "api.request": _l("Call from your shop's system"),
    "api_key.created": _l("API key created"),
    "api_key.revoked": _l("API key revoked"),
    "order.created": _l("Order created"),
    "order.transition": _l("Order status changed"),
    "attempt.created": _l("Customer started paying"),
    "payment.transition": _l("Payment status changed"),
    "payment.recheck": _l("Status checked with Midtrans"),
    "payment.cancel": _l("Cancellation asked"),
    "payment.approve": _l("Card payment approved"),
    "payment.deny": _l("Card payment denied"),
    "payment.expired_locally": _l("Payment expired"),
    "payment.flagged": _l("Marked for your attention"),
    "payment_link.created": _l("Payment link created"),
    "notification.received": _l("Message from Midtrans"),
    "refund.requested": _l("Refund asked"),
    "refund.succeeded": _l("Refund done"),
    "refund.failed": _l("Refund failed"),
    "secrets.rotated": _l("Encryption keys renewed"),
    "settings.changed": _l("Settings changed"),
    "settings.connection_tested": _l("Connection to Midtrans tested"),
    "settings.alert_emails_changed": _l("Alert addresses changed"),
    "webhooks.test_sent": _l("Test notification sent"),
    "webhook_endpoint.created": _l("Webhook endpoint added"),
    "webhook_endpoint.enabled": _l("Webhook endpoint switched on"),
    "webhook_endpoint.disabled": _l("Webhook endpoint switched off"),
    "webhook_delivery.resent": _l("Webhook sent again"),
}

# What happened to a notification from Midtrans (Notification.outcome).
OUTCOME_LABELS = {
    "received": _l("received, being processed"),
    "applied": _l("applied"),
    "duplicate": _l("repeat, already applied"),
    "ignored": _l("not needed"),
    "rejected": _l("refused"),
    "mismatch": _l("did not match the order"),
    "failed": _l("not processed yet, Midtrans will resend"),
}

# Midtrans's own transaction_status and fraud_status words, as the attempt card shows them.
GATEWAY_STATUS_LABELS = {
    "pending": _l("waiting for the customer"),
    "authorize": _l("card authorised"),
    "capture": _l("card charged"),
    "settlement": _l("money received"),
    "deny": _l("refused"),
    "cancel": _l("cancelled"),
    "expire": _l("expired"),
    "failure": _l("failed"),
    "refund": _l("refunded"),
    "partial_refund": _l("partly refunded"),
    "chargeback": _l("charged back"),
    "partial_chargeback": _l("partly charged back"),
}
FRAUD_LABELS = {
    "accept": _l("fraud check passed"),
    "challenge": _l("fraud check: review needed"),
    "deny": _l("fraud check refused it"),
}
ENVIRONMENT_LABELS = {
    "simulator": _l("simulator, no real money"),
    "sandbox": _l("Midtrans test account"),
    "production": _l("real money"),
}

LABELS = {
    "status": STATUS_LABELS,
    "method": METHOD_LABELS,
    "flag": FLAG_LABELS,
    "action": ACTION_LABELS,
    "outcome": OUTCOME_LABELS,
    "gateway_status": GATEWAY_STATUS_LABELS,
    "fraud": FRAUD_LABELS,
    "environment": ENVIRONMENT_LABELS,
}


def label(kind: str, code: object) -> str:
    """The label of ``code`` in the request's language; an unknown code as it is (with
    spaces for underscores) rather than hidden. ``kind`` is a key of ``LABELS``."""
    text = str(code or "")
    found = LABELS[kind].get(text)
    return str(found) if found is not None else text.replace("_", " ")


def lazy_label(kind: str, code: str):
    """The label still to be translated, for things built at import time (form choices)."""
    return LABELS[kind][code]


def status_label(status: object) -> str:
    """The translated label of a payment or order status."""
    return label("status", status)
