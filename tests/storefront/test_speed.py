"""Fingerprinted static files with a year-long cache, and compression where it is safe."""
import gzip
import hashlib
import re
from pathlib import Path

import brotli
import pytest

from checkout.payments.qris_checkout import start_qris
from checkout.static_files import IMMUTABLE, fingerprints
from tests.storefront.conftest import HX

ROOT = Path(__file__).resolve().parents[2]
BROWSER = {"Accept-Encoding": "gzip, deflate, br, zstd"}


def static_urls(html: str) -> list[str]:
    return re.findall(r'(?:src|href)="(/static/[^"]+)"', html)


def test_every_static_url_carries_its_content_hash(client, pay_url):
    urls = static_urls(client.get(pay_url).text)
    assert len(urls) >= 6  # css, favicon, htmx, three scripts
    for url in urls:
        path, version = re.fullmatch(r"/static/(.+)\?v=([0-9a-f]{12})", url).groups()
        assert hashlib.sha256((ROOT / "static" / path).read_bytes()).hexdigest()[:12] == version


def test_fingerprinted_files_are_cached_for_a_year(client, pay_url):
    for url in static_urls(client.get(pay_url).text):
        response = client.get(url)
        assert response.status_code == 200 and response.headers["Cache-Control"] == IMMUTABLE, url


def test_stale_or_missing_versions_get_a_short_cache(client):
    assert client.get("/static/css/app.css").headers["Cache-Control"] == "public, max-age=300"
    stale = client.get("/static/css/app.css?v=000000000000")
    assert stale.status_code == 200 and "immutable" not in stale.headers["Cache-Control"]


def test_hashes_are_computed_once_per_app(app, monkeypatch):
    with app.test_request_context():
        first = fingerprints(app)
        monkeypatch.setattr("checkout.static_files._scan", lambda folder: pytest.fail("scanned twice"))
        assert fingerprints(app) is first


def test_the_checkout_page_is_compressed(client, pay_url):
    plain = client.get(pay_url, headers={"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in plain.headers
    squeezed = client.get(pay_url, headers=BROWSER)
    assert squeezed.headers["Content-Encoding"] == "br" and "Accept-Encoding" in squeezed.headers["Vary"]
    assert len(squeezed.data) < len(plain.data) / 2
    # Same page, bar the per-request CSRF token's signature.
    assert re.sub(rb'[\w.-]{40,}', b"T", brotli.decompress(squeezed.data)) == re.sub(rb'[\w.-]{40,}', b"T", plain.data)
    zipped = client.get(pay_url, headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["Content-Encoding"] == "gzip" and gzip.decompress(zipped.data).startswith(b"<!doctype html>")


def test_static_files_are_compressed(client):
    response = client.get("/static/vendor/htmx.min.js", headers=BROWSER)
    assert response.headers["Content-Encoding"] == "br"
    assert brotli.decompress(response.get_data()) == (ROOT / "static/vendor/htmx.min.js").read_bytes()


def test_the_poll_204_is_left_alone(client, ctx, order, pay_url, fake_gateway):
    start_qris(order)
    key = re.search(r'status\?have=([\w.]+)', client.get(pay_url).text).group(1)
    fast = client.get(f"{pay_url}/status?have={key}", headers={**HX, **BROWSER})
    assert fast.status_code == 204 and fast.data == b""
    assert "Content-Encoding" not in fast.headers and "Accept-Encoding" not in fast.headers.get("Vary", "")


def test_the_route_204_is_left_alone_too(make_app, ctx, order, pay_url, fake_gateway):
    slow = make_app(FAST_POLL=False).test_client()
    start_qris(order)
    key = re.search(r'status\?have=([\w.]+)', slow.get(pay_url).text).group(1)
    answer = slow.get(f"{pay_url}/status?have={key}", headers={**HX, **BROWSER})
    assert answer.status_code == 204 and answer.data == b""
    assert "Content-Encoding" not in answer.headers and "Accept-Encoding" not in answer.headers.get("Vary", "")


def test_the_poll_fragment_is_compressed_when_it_changes(client, ctx, order, pay_url, fake_gateway):
    start_qris(order)
    answer = client.get(f"{pay_url}/status?have=choose.0.0", headers={**HX, **BROWSER})
    assert answer.status_code == 200 and answer.headers["Content-Encoding"] == "br"
    assert brotli.decompress(answer.data).lstrip().startswith(b'<section id="payment"')


def test_admin_pages_are_never_compressed(client):
    """BREACH: they carry the CSRF token and echo what was typed (search, forms)."""
    for url in ("/admin/login", "/admin/login?next=%2Fadmin%2Ftransactions%3Fq%3Dabc"):
        response = client.get(url, headers=BROWSER)
        assert response.mimetype == "text/html" and "Content-Encoding" not in response.headers, url


def test_json_is_compressed(client):
    response = client.get("/api/v1/openapi.json", headers=BROWSER)
    assert response.headers["Content-Encoding"] == "br"
