"""Turning a checkout's state into what its templates need: texts, links, the offer."""
from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from flask import url_for
from flask_babel import lazy_gettext as _l

from checkout import shop_settings
from checkout.storefront import checkout_status as cs
from checkout.payments.method_rules import Offer, offer_for
from checkout.timeutil import utcnow

# Midtrans payment_type -> what the receipt calls it.
PAYMENT_TYPES = {
    "qris": _l("QRIS"),
    "gopay": "GoPay",
    "shopeepay": "ShopeePay",
    "credit_card": _l("Card"),
    "bank_transfer": _l("Bank transfer (virtual account)"),
    "echannel": _l("Mandiri Bill"),
    "cstore": _l("Convenience store"),
    "akulaku": "Akulaku",
    "kredivo": "Kredivo",
}
# Midtrans Snap method names -> a short label for "what Snap offers".
SNAP_LABELS = {
    "credit_card": _l("cards"),
    "gopay": "GoPay",
    "shopeepay": "ShopeePay",
    "other_qris": "QRIS",
    "bca_va": "BCA VA",
    "bni_va": "BNI VA",
    "bri_va": "BRI VA",
    "permata_va": "Permata VA",
    "echannel": "Mandiri",
    "indomaret": "Indomaret",
    "alfamart": "Alfamart",
    "akulaku": "Akulaku",
    "kredivo": "Kredivo",
}
OFFER_KINDS = {cs.CHOOSE, cs.ATTEMPT_EXPIRED, cs.ATTEMPT_FAILED, cs.UNANSWERED, cs.QRIS, cs.SNAP}


def with_session_id(url: str | None, public_id: str) -> str | None:
    """The shop's return URL with ``session_id=<public_id>`` added (http(s) only)."""
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "session_id"]
    query.append(("session_id", public_id))
    return urlunsplit(parts._replace(query=urlencode(query)))


def return_link(state: cs.CheckoutState) -> str | None:
    """Where the shop wants the customer after a final state, if it said so."""
    order = state.order
    if state.kind == cs.PAID:
        return with_session_id(order.success_url, order.public_id)
    if state.kind in (cs.CANCELLED, cs.EXPIRED):
        return with_session_id(order.cancel_url, order.public_id)
    return None


def payment_label(attempt) -> str:
    if attempt is None:
        return ""
    if attempt.payment_type and attempt.payment_type in PAYMENT_TYPES:
        return str(PAYMENT_TYPES[attempt.payment_type])
    return "QRIS" if attempt.method == "qris" else str(_l("Midtrans payment page"))


def iso_utc(moment) -> str:
    return moment.replace(microsecond=0).isoformat() + "Z"


def payment_context(state: cs.CheckoutState, *, notice: str | None = None, notice_kind: str = "error",
                    retry_after: int | None = None) -> dict:
    """Everything ``storefront/_payment.html`` reads."""
    order, attempt = state.order, state.attempt
    public_id = order.public_id
    status_url = url_for("storefront.status", public_id=public_id)
    context = {
        "state": state,
        "kind": state.kind,
        "order": order,
        "attempt": attempt,
        "notice": notice,
        "notice_kind": notice_kind,
        "retry_after": retry_after,
        "status_url": status_url,
        "poll_url": f"{status_url}?have={state.key}",
        "page_url": url_for("storefront.pay", public_id=public_id),
        "qris_action": url_for("storefront.start_qris", public_id=public_id),
        "snap_action": url_for("storefront.start_snap", public_id=public_id),
        "cancel_action": url_for("storefront.cancel", public_id=public_id),
        "return_link": return_link(state),
        "offer": None,
        "alternative": None,
        "receipt": None,
    }
    if state.kind in OFFER_KINDS:
        offer = offer_for(order, shop_settings.current())
        context["offer"] = offer
        context["snap_labels"] = ", ".join(str(SNAP_LABELS.get(m, m)) for m in offer.snap_methods)
        if state.kind == cs.QRIS:
            context["alternative"] = Offer(qris=False, qris_reason=None, snap_methods=offer.snap_methods, snap_reason=None)
        elif state.kind == cs.SNAP:
            context["alternative"] = Offer(qris=offer.qris, qris_reason=None, snap_methods=(), snap_reason=None)
    if state.kind == cs.QRIS and attempt is not None:
        context["qr_src"] = url_for("storefront.qr_png", public_id=public_id, number=attempt.number)
        context["expires_iso"] = iso_utc(attempt.expires_at)
        context["now_iso"] = iso_utc(utcnow())
    if state.kind == cs.PAID:
        receipt = cs.receipt_attempt(state)
        context["receipt"] = receipt
        context["receipt_method"] = payment_label(receipt)
    return context
