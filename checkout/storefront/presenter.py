"""Turning a checkout's state into what its templates need: texts, links, the offer."""
from __future__ import annotations

import re
import unicodedata
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from flask import url_for
from flask_babel import lazy_gettext as _l

from checkout import shop_settings
from checkout.payments import qris_merchant
from checkout.payments.method_rules import Offer, offer_for
from checkout.shop_contact import parse_contact
from checkout.storefront import checkout_status as cs
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
OFFER_KINDS = {cs.CHOOSE, cs.ATTEMPT_EXPIRED, cs.ATTEMPT_FAILED, cs.UNANSWERED, cs.QRIS, cs.SNAP, cs.APP}
# Wallet apps a phone customer can pay in directly: the button's and the state's names.
APP_NAMES = {"gopay": "GoPay", "shopeepay": "ShopeePay"}


def qr_filename(shop_name: str, amount: int) -> str:
    """The saved QR picture's name, e.g. ``qris-toko-budi-150000.png`` (ASCII only, so
    every phone's gallery and every browser keeps it as is)."""
    slug = re.sub(r"[^a-z0-9]+", "-", unicodedata.normalize("NFKD", shop_name).encode("ascii", "ignore")
                  .decode().lower()).strip("-")[:40].strip("-")
    return f"qris-{slug or 'shop'}-{int(amount)}.png"


# Banks and stores as customers know them (pay_instructions stores Midtrans's codes).
BANK_NAMES = {"bca": "BCA", "bni": "BNI", "bri": "BRI", "cimb": "CIMB Niaga", "permata": "Permata",
              "mandiri": "Mandiri"}
STORE_NAMES = {"indomaret": "Indomaret", "alfamart": "Alfamart"}


def failure_text(attempt) -> str:
    """Why an attempt failed, in plain words (Midtrans's own messages are for the owner)."""
    status = (attempt.gateway_status or "").lower() if attempt is not None else ""
    if status == "deny" and attempt.payment_type == "credit_card":
        return str(_l("Your bank declined the card. Nothing was charged."))
    if status == "deny":
        return str(_l("The payment was declined. Nothing was charged."))
    if attempt is not None and attempt.failure_reason and attempt.gateway_answered_at and not attempt.transaction_id:
        return str(_l("Midtrans could not start this payment. Nothing was charged."))
    return str(_l("The payment did not go through. Nothing was charged."))


def retry_labels(attempt) -> dict:
    """Method-aware button labels after a failure: never "try QRIS again" after a card."""
    if attempt is not None and attempt.method == "qris":
        return {"qris_label": _l("Try QRIS again"), "snap_label": _l("Pay another way")}
    if attempt is not None and attempt.payment_type == "credit_card":
        return {"qris_label": _l("Pay with QRIS instead"), "snap_label": _l("Try another card or method")}
    return {"qris_label": _l("Pay with QRIS instead"), "snap_label": _l("Try another method")}


def instructions_view(attempt) -> dict | None:
    """A Snap payment's VA number, bill key or store code, ready for the template."""
    found = getattr(attempt, "pay_instructions", None) if attempt is not None else None
    if not found or not found.get("number"):
        return None
    kind = found.get("kind")
    view = dict(found)
    if kind == "store":
        view["place"] = STORE_NAMES.get(found.get("store") or "", (found.get("store") or "").title())
    else:
        view["place"] = BANK_NAMES.get(found.get("bank") or "", (found.get("bank") or "").upper())
    return view


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
    if attempt.method in APP_NAMES:
        return APP_NAMES[attempt.method]
    return "QRIS" if attempt.method == "qris" else str(_l("Midtrans payment page"))


def iso_utc(moment) -> str:
    return moment.replace(microsecond=0).isoformat() + "Z"


def leave_link(state: cs.CheckoutState) -> str | None:
    """The shop's "back to the cart" address while the order is still open."""
    if state.kind in (cs.PAID, cs.CANCELLED, cs.EXPIRED):
        return None
    return with_session_id(state.order.cancel_url, state.order.public_id)


def payment_context(state: cs.CheckoutState, *, notice: str | None = None, notice_kind: str = "error",
                    retry_after: int | None = None, confirm_cancel: bool = False) -> dict:
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
        "check_action": url_for("storefront.check_now", public_id=public_id),
        "confirm_cancel": confirm_cancel,
        "return_link": return_link(state),
        "leave_link": leave_link(state),
        "contact": parse_contact(shop_settings.current().shop_contact),
        "offer": None,
        "alternative": None,
        "receipt": None,
    }
    if state.kind in OFFER_KINDS:
        offer = offer_for(order, shop_settings.current())
        context["offer"] = offer
        context["snap_labels"] = ", ".join(str(SNAP_LABELS.get(m, m)) for m in offer.snap_methods)
        context["app_actions"] = [(APP_NAMES[wallet], url_for("storefront.start_app", public_id=public_id,
                                                              wallet=wallet)) for wallet in offer.apps]
        if state.kind == cs.UNANSWERED and attempt is not None and attempt.method in APP_NAMES:
            context["app_retry_action"] = url_for("storefront.start_app", public_id=public_id, wallet=attempt.method)
        if state.kind == cs.QRIS:
            context["alternative"] = Offer(qris=False, qris_reason=None, snap_methods=offer.snap_methods, snap_reason=None)
        elif state.kind == cs.APP:
            context["alternative"] = Offer(qris=offer.qris, qris_reason=None, snap_methods=offer.snap_methods,
                                           snap_reason=None)
            context["app_name"] = APP_NAMES.get(attempt.method, "") if attempt is not None else ""
        elif state.kind == cs.SNAP:
            context["alternative"] = Offer(qris=offer.qris, qris_reason=None, snap_methods=(), snap_reason=None)
    if state.kind == cs.ATTEMPT_FAILED:
        context["failure_text"] = failure_text(attempt)
        context.update(retry_labels(attempt))
    if state.kind == cs.SNAP:
        context["instructions"] = instructions_view(attempt)
    if state.kind in (cs.QRIS, cs.APP) and attempt is not None:
        context["expires_iso"] = iso_utc(attempt.expires_at)
        context["now_iso"] = iso_utc(utcnow())
    if state.kind == cs.QRIS and attempt is not None:
        in_code = qris_merchant.merchant(attempt.qr_string)
        context["qris_merchant"] = attempt.merchant_name or in_code.name
        context["qris_nmid"] = in_code.nmid
        context["qr_src"] = url_for("storefront.qr_png", public_id=public_id, number=attempt.number)
        context["qr_download"] = url_for("storefront.qr_download", public_id=public_id, number=attempt.number)
        context["qr_filename"] = qr_filename(shop_settings.current().shop_name, attempt.gross_amount)
    if state.kind == cs.PAID:
        receipt = cs.receipt_attempt(state)
        context["receipt"] = receipt
        context["receipt_method"] = payment_label(receipt)
    return context
