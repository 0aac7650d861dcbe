"""Every checkout route as a full page and as an htmx fragment; bad links; the picture."""
from datetime import timedelta

import pytest

from checkout.extensions import db
from checkout.models import ShopSettings
from checkout.payments.states import OrderStatus
from checkout.payments.transitions import GatewayReport, apply_gateway_status, close_order
from checkout.timeutil import utcnow
from tests.factories import make_attempt, make_order
from tests.storefront.conftest import HX, assert_csp_clean, refresh


def is_page(response):
    return "<html" in response.text and 'id="payment"' in response.text and "</html>" in response.text


def is_fragment(response):
    return response.text.lstrip().startswith('<section id="payment"') and "<html" not in response.text


def test_the_page_shows_merchant_items_total_and_methods(client, order, pay_url):
    response = client.get(pay_url)
    assert response.status_code == 200 and is_page(response)
    text = response.text
    for expected in ("Toko Demo", "Kopi Susu", "Roti Bakar", "Rp 150.000", order.reference,
                     "Pay with QRIS", "Other payment methods", f'action="{pay_url}/qris"', f'action="{pay_url}/snap"'):
        assert expected in text
    assert 'hx-trigger' not in text  # nothing to poll before a method is chosen
    assert response.headers["Cache-Control"] == "no-store"
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]


def test_the_page_as_a_fragment(client, order, pay_url):
    response = client.get(pay_url, headers=HX)
    assert is_fragment(response)


def test_settings_decide_the_methods(client, ctx, order, pay_url):
    db.session.add(ShopSettings(id=1, shop_name="Warung Sari", logo_text="WS", qris_enabled=False))
    db.session.commit()
    text = client.get(pay_url).text
    assert "Warung Sari" in text and "WS" in text
    assert "Pay with QRIS" not in text and "Other payment methods" in text


def test_the_orders_allowed_methods_apply(client, ctx):
    order = make_order(allowed_methods=["qris"])
    text = client.get(f"/pay/{order.public_id}").text
    assert "Pay with QRIS" in text and "Other payment methods" not in text


def test_above_the_qris_limit_qris_is_not_offered_and_the_page_says_why(client, ctx):
    order = make_order(items=[("Sepeda Lipat", 12_500_000, 1)])
    text = client.get(f"/pay/{order.public_id}").text
    assert "Pay with QRIS" not in text
    assert "QRIS accepts payments between Rp 1 and Rp 10.000.000" in text
    refused = client.post(f"/pay/{order.public_id}/qris", headers=HX)
    assert refused.status_code == 422 and is_fragment(refused) and "QRIS accepts payments" in refused.text


@pytest.mark.parametrize("headers", [HX, {}], ids=["fragment", "page"])
def test_choosing_qris(client, order, pay_url, fake_gateway, headers):
    response = client.post(f"{pay_url}/qris", headers=headers)
    if headers:
        assert response.status_code == 200 and is_fragment(response)
        text = response.text
    else:
        assert response.status_code == 303 and response.headers["Location"].endswith(pay_url)
        text = client.get(pay_url).text
    assert f'src="{pay_url}/attempts/1/qr.png"' in text
    assert 'alt="QRIS code to pay Rp 150.000 to Toko Demo"' in text
    assert 'hx-trigger="every 3s, submit, checkout:poll"' in text and f'hx-get="{pay_url}/status?have=qris.1.0"' in text
    assert "data-expires-at=" in text and "WIB" in text  # the expiry as text without JavaScript
    assert "Cancel this payment" in text


def test_reopening_the_link_shows_the_same_qr(client, order, pay_url, fake_gateway):
    client.post(f"{pay_url}/qris", headers=HX)
    client.post(f"{pay_url}/qris", headers=HX)
    reopened = client.get(pay_url).text
    assert f"{pay_url}/attempts/1/qr.png" in reopened and "attempts/2" not in reopened
    assert fake_gateway.count("charge") == 1


def test_the_qr_picture(client, order, pay_url, fake_gateway):
    client.post(f"{pay_url}/qris", headers=HX)
    response = client.get(f"{pay_url}/attempts/1/qr.png")
    assert response.status_code == 200 and response.mimetype == "image/png"
    assert response.data.startswith(b"\x89PNG\r\n\x1a\n")
    assert response.headers["Cache-Control"] == "private, max-age=86400, immutable"


def test_a_qr_recorded_without_picture_is_drawn_once(client, order, pay_url):
    attempt = make_attempt(order, qr_string="00020101021226ABCDEF6304ABCD", gateway_answered_at=utcnow())
    first = client.get(f"{pay_url}/attempts/1/qr.png")
    assert first.status_code == 200
    assert refresh(attempt).qr_png == first.data


@pytest.mark.parametrize("path", [
    "/pay/AAAAAAAAAAAAAAAAAAAAAA",             # well formed, unknown
    "/pay/not-a-token",                        # too short
    "/pay/AAAAAAAAAAAAAAAAAAAAAA'--",          # tampered
    "/pay/AAAAAAAAAAAAAAAAAAAAAA/status",
    "/pay/AAAAAAAAAAAAAAAAAAAAAA/return",
    "/pay/AAAAAAAAAAAAAAAAAAAAAA/attempts/1/qr.png",
])
def test_unknown_links_get_the_friendly_404(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert "We could not find that page" in response.text and "card--glow" in response.text
    assert "Traceback" not in response.text


def test_unknown_links_404_for_posts_too(client):
    for action in ("qris", "snap", "cancel"):
        assert client.post(f"/pay/AAAAAAAAAAAAAAAAAAAAAA/{action}").status_code == 404


def test_a_qr_of_another_attempt_number_is_404(client, order, pay_url, fake_gateway):
    client.post(f"{pay_url}/qris", headers=HX)
    assert client.get(f"{pay_url}/attempts/2/qr.png").status_code == 404


@pytest.mark.parametrize("headers", [HX, {}], ids=["fragment", "page"])
def test_choosing_snap_redirects_to_midtrans(client, order, pay_url, fake_gateway, headers):
    response = client.post(f"{pay_url}/snap", headers=headers)
    if headers:
        assert response.status_code == 200
        assert response.headers["HX-Redirect"].startswith("https://snap.example/v2/vtweb/")
    else:
        assert response.status_code == 303
        assert response.headers["Location"].startswith("https://snap.example/v2/vtweb/")
    assert "HX-Request" in response.headers["Vary"]


def test_the_return_url_ignores_what_its_query_claims(client, order, pay_url, fake_gateway):
    client.post(f"{pay_url}/snap")
    response = client.get(f"{pay_url}/return?order_id=x&status_code=200&transaction_status=settlement")
    assert response.status_code == 303 and response.headers["Location"].endswith(pay_url)
    page = client.get(pay_url).text
    assert "Waiting for your payment" in page and "Payment received" not in page
    assert refresh(order).status == "open"


def test_the_return_url_as_fragment(client, order, pay_url):
    response = client.get(f"{pay_url}/return", headers=HX)
    assert response.headers["HX-Redirect"].endswith(pay_url)


@pytest.mark.parametrize("headers", [HX, {}], ids=["fragment", "page"])
def test_the_status_route(client, order, pay_url, headers):
    response = client.get(f"{pay_url}/status", headers=headers)
    assert response.status_code == 200
    assert is_fragment(response) if headers else is_page(response)


def test_midtrans_unavailable_says_so_and_offers_a_retry(client, order, pay_url, fake_gateway):
    from tests.storefront.conftest import unavailable

    fake_gateway.fail_next = [unavailable()]
    response = client.post(f"{pay_url}/qris", headers=HX)
    assert response.status_code == 503 and is_fragment(response)
    assert "not answering right now" in response.text and "Try again" in response.text
    assert "Try again" in client.get(pay_url).text  # reopening shows the retry too
    retried = client.post(f"{pay_url}/qris", headers=HX)
    assert retried.status_code == 200 and "attempts/1/qr.png" in retried.text


def test_midtrans_unavailable_without_javascript_is_a_full_page(client, order, pay_url, fake_gateway):
    from tests.storefront.conftest import unavailable

    fake_gateway.fail_next = [unavailable()]
    response = client.post(f"{pay_url}/qris")
    assert response.status_code == 503 and is_page(response) and "not answering right now" in response.text


def states_html(client, fake_gateway):
    """The page in every state a customer can meet, for the checks below."""
    pages = {}
    order = make_order(success_url="https://shop.example/ok", cancel_url="https://shop.example/back")
    url = f"/pay/{order.public_id}"
    pages["choose"] = client.get(url).text
    client.post(f"{url}/qris", headers=HX)
    pages["qris"] = client.get(url).text
    pages["qris_fragment"] = client.get(f"{url}/status", headers=HX).text
    attempt = refresh(order).attempts[0]
    apply_gateway_status(attempt.id, GatewayReport(transaction_status="expire"), actor="test")
    pages["attempt_expired"] = client.get(url).text
    client.post(f"{url}/snap")
    pages["snap"] = client.get(url).text
    fake_gateway.pick_method(refresh(order).attempts[1].midtrans_order_id)
    fake_gateway.settle(refresh(order).attempts[1].midtrans_order_id, payment_type="bank_transfer")
    pages["paid"] = client.get(url).text
    cancelled = make_order(cancel_url="https://shop.example/back")
    close_order(cancelled.id, OrderStatus.CANCELLED, actor="test")  # the shop cancelled it
    pages["cancelled"] = client.get(f"/pay/{cancelled.public_id}").text
    expired = make_order(expires_in=timedelta(seconds=-1))
    pages["expired"] = client.get(f"/pay/{expired.public_id}").text
    pages["shop"] = client.get("/").text
    pages["404"] = client.get("/pay/AAAAAAAAAAAAAAAAAAAAAA").text
    return pages


def test_no_inline_scripts_styles_or_handlers_anywhere(eager_client, fake_gateway):
    pages = states_html(eager_client, fake_gateway)
    assert "Payment received" in pages["paid"] and "Bank transfer" in pages["paid"]
    assert "The QR code has expired" in pages["attempt_expired"] or "This QR code has expired" in pages["attempt_expired"]
    assert "Get a new QR code" in pages["attempt_expired"]
    assert "Payment cancelled" in pages["cancelled"] and "This payment link has expired" in pages["expired"]
    for name, html in pages.items():
        assert_csp_clean(html)
        assert "Traceback" not in html, name
    for name in ("paid", "cancelled", "expired", "attempt_expired", "choose"):
        assert "hx-trigger" not in pages[name], name  # final fragments stop polling
    for name in ("qris", "snap"):
        assert 'hx-trigger="every 3s, submit, checkout:poll"' in pages[name], name


def test_scripts_are_static_files_loaded_deferred(client, order, pay_url):
    import re

    text = client.get(pay_url).text
    for name in ("countdown", "focus", "summary"):
        assert re.search(rf'<script src="/static/js/{name}\.js\?v=[0-9a-f]{{12}}" defer></script>', text), name
    assert 'aria-live="polite"' in text and 'id="announcer"' in text
    for url in re.findall(r'(?:src|href)="(/static/[^"]+)"', text):
        assert client.get(url).status_code == 200, url


def test_every_form_works_without_javascript(eager_client, fake_gateway):
    import re

    pages = states_html(eager_client, fake_gateway)
    for html in pages.values():
        for form in re.findall(r"<form\b[^>]*>", html):
            # Actions POST; the poll is a GET form whose button reloads the status page.
            assert ('method="post"' in form or 'class="poll" method="get"' in form) and "action=" in form, form
        for tag in re.findall(r"<[a-z]+\b[^>]*hx-(?:get|post)=[^>]*>", html):
            assert tag.startswith(("<a ", "<form ")), tag
