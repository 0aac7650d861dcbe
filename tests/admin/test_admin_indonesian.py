"""The owner's admin pages speak Indonesian too: no English labels mixed in, every message translated."""
from __future__ import annotations

import html
import os
import uuid
from pathlib import Path

import pytest

from checkout.payments.states import OrderStatus, PaymentStatus
from tests.factories import make_attempt, make_order

ROOT = Path(__file__).resolve().parents[2]
CATALOG = ROOT / "translations" / "id" / "LC_MESSAGES" / "messages.po"


@pytest.fixture(scope="module", autouse=True)
def compiled_translations():
    """Compile the Indonesian catalog if the .mo is missing or stale (it is not committed).
    Written atomically: xdist workers may race."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    mo = CATALOG.with_suffix(".mo")
    if not mo.exists() or mo.stat().st_mtime < CATALOG.stat().st_mtime:
        with CATALOG.open("rb") as handle:
            catalog = read_po(handle, locale="id")
        temporary = mo.with_name(f".messages.{os.getpid()}.{uuid.uuid4().hex}.mo")
        with temporary.open("wb") as handle:
            write_mo(handle, catalog)
        os.replace(temporary, mo)


@pytest.fixture
def reference(app):
    """A paid order, so the transaction list and detail have something to show."""
    with app.app_context():
        order = make_order(items=[("Kopi", 25_000, 2)], status=OrderStatus.PAID)
        make_attempt(order, status=PaymentStatus.PAID, paid_amount=50_000, payment_type="qris")
        return order.reference


@pytest.fixture
def indonesian_admin(admin):
    admin.set_cookie("lang", "id")  # sign_in() pins English for the other admin tests
    return admin


def text(response) -> str:
    assert response.status_code == 200, response.status_code
    return html.unescape(response.get_data(as_text=True))


# path -> (Indonesian that must appear, English that must not)
PAGES = {
    "/admin/": (["Dasbor", "Dibayar hari ini", "Menunggu pembayaran", "Tingkat keberhasilan", "Transaksi",
                 "Pengaturan", "Log audit", "Tautan pembayaran", "Kunci API", "Keluar"],
                ["Paid today", "Success rate", "Waiting for payment", "Sign out", "Audit log", "Settings"]),
    "/admin/transactions": (["Ekspor CSV", "Referensi", "Pelanggan", "Dibayar", "Bersih", "1 transaksi"],
                            ["Export CSV", "Reference", "Customer", "1 transaction", "Needs attention"]),
    "/admin/settings": (["Lingkungan Midtrans", "Kunci server", "Kunci klien", "Simpan pengaturan", "Uji koneksi",
                         "Metode pembayaran", "Nama toko"],
                        ["Save settings", "Server key", "Client key", "Test connection", "Shop name"]),
    "/admin/audit": (["Pelaku", "Tindakan", "Subjek", "Entri tidak dapat diubah atau dihapus"],
                     ["Actor", "Every admin action", "No entries match"]),
    "/admin/webhook-health": (["Status webhook", "URL notifikasi", "Kirim notifikasi uji", "24 jam terakhir"],
                              ["Webhook health", "Last notification", "Send test notification", "Last 24 hours"]),
    "/admin/payment-links/new": (["Tautan pembayaran baru", "Buat tautan pembayaran", "Untuk apa pembayaran ini?"],
                                 ["New payment link", "Create payment link", "What is it for?"]),
    "/admin/api-keys": (["Kunci API", "Buat kunci", "Belum ada kunci.", "Deskripsi API (OpenAPI)"],
                        ["API keys", "Create key", "No keys yet.", "API description"]),
    "/admin/webhook-endpoints": (["Daftarkan endpoint", "Deskripsi", "Belum ada endpoint."],
                                 ["Register endpoint", "Description", "No endpoints yet."]),
}


@pytest.mark.parametrize("path", list(PAGES))
def test_admin_pages_are_in_indonesian(indonesian_admin, reference, path):
    body = text(indonesian_admin.get(path))
    present, absent = PAGES[path]
    assert '<html lang="id">' in body
    assert [word for word in present if word not in body] == []
    assert [label for label in absent if label in body] == []


def test_lang_parameter_switches_the_admin_to_indonesian(admin):
    body = text(admin.get("/admin/settings", query_string={"lang": "id"}))
    assert "Simpan pengaturan" in body and "Save settings" not in body


def test_transaction_detail_is_in_indonesian(indonesian_admin, reference):
    body = text(indonesian_admin.get(f"/admin/transactions/{reference}"))
    assert "Percobaan pembayaran" in body and "Pengembalian dana" in body and "Periksa ulang status sekarang" in body
    assert "Payment attempts" not in body and "Re-check status now" not in body


def test_sign_in_page_is_in_indonesian(app):
    client = app.test_client()
    client.set_cookie("lang", "id")
    body = text(client.get("/admin/login"))
    assert "Masuk" in body and "Kata sandi" in body
    assert "Sign in" not in body and "Password" not in body


def test_english_is_still_available(admin):
    body = text(admin.get("/admin/"))  # the admin fixture pins English
    assert "Paid today" in body and "Dibayar hari ini" not in body


def test_every_message_has_an_indonesian_translation():
    from babel.messages.pofile import read_po

    with CATALOG.open("rb") as handle:
        catalog = read_po(handle, locale="id")
    messages = [message for message in catalog if message.id]
    assert len(messages) > 300
    untranslated = [message.id for message in messages
                    if not (all(message.string) if isinstance(message.string, tuple) else message.string)]
    assert untranslated == []
    assert [message.id for message in messages if message.fuzzy] == []


def test_every_wtforms_message_has_an_indonesian_translation():
    """WTForms ships no Indonesian catalog; ours holds every message of its wtforms.pot
    (checkout/form_messages.py reads them from there)."""
    from babel.messages.pofile import read_po
    from wtforms.i18n import messages_path

    with open(os.path.join(messages_path(), "wtforms.pot"), "rb") as handle:
        wtforms_ids = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(handle) if m.id}
    with CATALOG.open("rb") as handle:
        ours = {m.id if isinstance(m.id, str) else m.id[0]: m.string for m in read_po(handle) if m.id}
    assert len(wtforms_ids) > 30
    missing = sorted(i for i in wtforms_ids if not (all(ours[i]) if isinstance(ours.get(i), tuple) else ours.get(i)))
    assert missing == []


def test_wtforms_own_messages_are_indonesian_in_the_admin(indonesian_admin, app):
    from tests.admin.helpers import HX

    body = html.unescape(indonesian_admin.post("/admin/payment-links/new", headers=HX, data={
        "description": "", "amount": "1000", "expires_in_minutes": "0"}).get_data(as_text=True))
    assert "Isian ini wajib diisi." in body and "Angka harus antara 1 dan 43200." in body
    assert "This field is required." not in body and "Number must be between" not in body
    login = app.test_client()
    login.set_cookie("lang", "id")
    body = html.unescape(login.post("/admin/login", data={"email": "", "password": ""}).get_data(as_text=True))
    assert "This field is required." not in body
    filters = html.unescape(indonesian_admin.get("/admin/transactions", query_string={"date_from": "kemarin"})
                            .get_data(as_text=True))
    assert "Bukan tanggal yang valid." in filters and "Not a valid date value." not in filters
