from flask_babel import force_locale

from checkout.payments.labels import STATUS_LABELS, status_label
from checkout.payments.states import OrderStatus, PaymentStatus


def test_every_status_has_a_label():
    assert {s.value for s in PaymentStatus} | {s.value for s in OrderStatus} <= set(STATUS_LABELS)


def test_labels_are_translated(ctx):
    with force_locale("id"):
        assert status_label("paid") == "dibayar"
        assert status_label("partially_refunded") == "dikembalikan sebagian"
    with force_locale("en"):
        assert status_label("challenged") == "under review"
    assert status_label("something_new") == "something new"


# ---- every code a person can meet has one label, in both languages ----------------------

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from flask_babel import LazyString

from checkout.admin.forms import FLAG_CHOICES, METHOD_CHOICES, SNAP_METHOD_CHOICES
from checkout.admin.services.webhook_health import OUTCOMES as HEALTH_OUTCOMES
from checkout.notifications.recording import OUTCOMES
from checkout.payments.labels import LABELS, label
from checkout.payments.review import DECISIONS
from checkout.simulator.charges import METHODS as CORE_METHODS
from checkout.simulator.snap_sessions import METHODS as SNAP_METHODS

ROOT = Path(__file__).resolve().parents[2]
RECORDED = re.compile(r'(?:audit\.record|_record)\(\s*[^,()]+(?:\([^)]*\))?\s*,\s*"([a-z_]+\.[a-z_]+)"')
CONSTANT = re.compile(r'^[A-Z_]+ = "([a-z_]+\.[a-z_]+)"$', re.M)
FLAGS_SET = re.compile(r'"(paid_late|amount_mismatch|duplicate_payment|reversed|[a-z]+_flag)"')


def _source() -> str:
    return "\n".join(path.read_text() for path in (ROOT / "checkout").rglob("*.py")
                     if "simulator" not in path.parts)


def audit_actions_in_the_code() -> set[str]:
    """Every action the code records: literal ones, module constants handed to
    audit.record (accounts.LOGIN...), and the f-strings' expansions."""
    source = _source()
    found = set(RECORDED.findall(source))
    found |= {action for action in CONSTANT.findall(source) if action.split(".")[0] in ("admin", "admin_user")}
    found |= {f"payment.{decision}" for decision in DECISIONS}
    # The timeline's own entries (checkout/admin/services/timeline.py).
    found |= {"order.created", "attempt.created", "notification.received"}
    found |= {f"refund.{status}" for status in ("requested", "succeeded", "failed")}
    return found


def codes() -> dict[str, set[str]]:
    return {
        "status": {s.value for s in PaymentStatus} | {s.value for s in OrderStatus},
        "method": ({"qris", "snap"} | set(CORE_METHODS) | {m["payment_type"] for m in SNAP_METHODS.values()} | set(SNAP_METHODS)
                   | {c.value for c in SNAP_METHOD_CHOICES} | {c.value for c in METHOD_CHOICES if c.value}),
        "flag": {"paid_late", "amount_mismatch", "duplicate_payment", "reversed"}
                | {c.value for c in FLAG_CHOICES if c.value not in ("", "attention", "challenged")},
        "action": audit_actions_in_the_code(),
        "outcome": set(OUTCOMES) | set(HEALTH_OUTCOMES),
        "gateway_status": {"pending", "authorize", "capture", "settlement", "deny", "cancel", "expire", "failure",
                           "refund", "partial_refund", "chargeback", "partial_chargeback"},
        "fraud": {"accept", "challenge", "deny"},
        "environment": {"simulator", "sandbox", "production"},
    }


def _catalog() -> dict[str, str]:
    with (ROOT / "translations/id/LC_MESSAGES/messages.po").open("rb") as handle:
        return {m.id: m.string for m in read_po(handle) if m.id and isinstance(m.id, str)}


def test_the_code_base_is_scanned_for_what_it_writes():
    actions = audit_actions_in_the_code()
    # The scan finds the actions of every part (a broken pattern would find none and pass).
    assert {"admin.login", "payment.transition", "payment_link.created", "api_key.created", "settings.changed",
            "webhooks.test_sent", "refund.requested", "payment.approve"} <= actions
    assert {"gopay", "bank_transfer", "cstore", "echannel", "credit_card"} <= codes()["method"]


@pytest.mark.parametrize("kind", sorted(LABELS))
def test_every_code_has_a_translated_label_in_both_languages(ctx, kind):
    catalog = _catalog()
    problems = []
    for code in sorted(codes()[kind]):
        entry = LABELS[kind].get(code)
        if entry is None:
            problems.append(f"{kind} {code!r}: no label")
            continue
        for language in ("id", "en"):
            with force_locale(language):
                text = label(kind, code)
            # A code's marks (snake_case, dotted names) never reach a person; and Indonesian
            # never shows the English code word ("paid" is English, "dibayar" is not).
            if re.search(r"[a-z]_[a-z]|^[a-z_]+\.[a-z_]+$", text) or (
                    language == "id" and isinstance(entry, LazyString) and text in (code, code.replace("_", " "))):
                problems.append(f"{kind} {code!r} in {language}: a raw code ({text!r})")
        if isinstance(entry, LazyString):  # brand names (GoPay) are the same in every language
            msgid = entry._args[0]
            if not catalog.get(msgid):
                problems.append(f"{kind} {code!r}: {msgid!r} has no Indonesian translation")
            else:
                with force_locale("id"):
                    if label(kind, code) != catalog[msgid]:
                        problems.append(f"{kind} {code!r}: the compiled catalog is stale")
    assert problems == []


def test_filters_badges_and_the_csv_use_the_same_labels(ctx):
    from checkout.admin.csv_export import HEADER, header

    with force_locale("id"):
        assert dict((c.value, str(c.label)) for c in FLAG_CHOICES)["duplicate_payment"] == label("flag", "duplicate_payment")
        assert dict((c.value, str(c.label)) for c in METHOD_CHOICES)["bank_transfer"] == label("method", "bank_transfer")
        titles = header()
    assert len(titles) == len(HEADER) and not [t for t in titles if "_" in t]
    assert titles[0] == "Referensi"
