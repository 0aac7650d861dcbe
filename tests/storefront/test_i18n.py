"""Indonesian and English: chosen by the browser, switchable with ?lang=, remembered."""
import pytest

from tests.factories import make_order


@pytest.fixture
def order(app):
    # Made in its own app context: with one pushed for the whole test, requests would share
    # it and Flask-Babel would keep the first request's language.
    with app.app_context():
        return make_order().public_id


def page(client, order, **kwargs):
    return client.get(f"/pay/{order}", **kwargs)


def test_indonesian_browser_gets_indonesian(app, order):
    client = app.test_client()
    text = page(client, order, headers={"Accept-Language": "id-ID,id;q=0.9"}).text
    assert '<html lang="id">' in text
    assert "Bayar dengan QRIS" in text and "Pembayaran kepada" in text and "Rp 70.000" in text


def test_english_browser_gets_english(app, order):
    text = page(app.test_client(), order, headers={"Accept-Language": "en-US,en;q=0.9"}).text
    assert '<html lang="en">' in text and "Pay with QRIS" in text


def test_no_preference_falls_back_to_indonesian(app, order):
    assert "Bayar dengan QRIS" in page(app.test_client(), order).text


def test_lang_parameter_switches_and_is_remembered(app, order):
    client = app.test_client()
    switched = page(client, order, query_string={"lang": "en"}, headers={"Accept-Language": "id"})
    assert "Pay with QRIS" in switched.text
    assert "lang=en" in switched.headers["Set-Cookie"]
    # The cookie wins over the browser on the next page and on fragments.
    later = client.get(f"/pay/{order}/status", headers={"Accept-Language": "id", "HX-Request": "true"})
    assert "Pay with QRIS" in later.text
    back = page(client, order, query_string={"lang": "id"})
    assert "Bayar dengan QRIS" in back.text


def test_error_pages_speak_the_language_too(app):
    client = app.test_client()
    assert "Halaman tidak ditemukan" in client.get("/pay/AAAAAAAAAAAAAAAAAAAAAA").text
    assert "We could not find that page" in client.get("/pay/AAAAAAAAAAAAAAAAAAAAAA?lang=en").text


CUSTOMER_FACING = [
    "templates/base.html", "templates/errors/*.html", "templates/storefront/**/*.html",
    "checkout/storefront/*.py", "checkout/error_pages.py", "checkout/payments/method_rules.py",
    "checkout/payments/checkout_flow.py", "checkout/payments/qris_checkout.py",
    "checkout/payments/snap_checkout.py", "checkout/payments/cancellation.py",
    "checkout/payments/app_checkout.py", "checkout/receipt_mail.py", "templates/mail/*.html", "templates/mail/*.txt",
]


def test_every_customer_string_has_an_indonesian_translation():
    """Every message a customer can see (extracted like pybabel does) is translated."""
    from pathlib import Path

    from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_file
    from babel.messages.pofile import read_po

    root = Path(__file__).resolve().parents[2]
    with (root / "translations/id/LC_MESSAGES/messages.po").open("rb") as handle:
        translated = {m.id for m in read_po(handle) if m.id and m.string}
    keywords = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}
    found, missing = 0, set()
    for pattern in CUSTOMER_FACING:
        for path in root.glob(pattern):
            method = "jinja2" if path.suffix in (".html", ".txt") else "python"
            for _line, message, _comments, _context in extract_from_file(method, str(path), keywords=keywords):
                found += 1
                if message not in translated:
                    missing.add((path.name, message))
    assert found > 100
    assert not missing, sorted(missing)
