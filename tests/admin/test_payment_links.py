"""Creating a payment link: an order and its checkout URL to copy."""
from __future__ import annotations

import re
from urllib.parse import quote
from datetime import timedelta

import pytest
from sqlalchemy import select

from checkout.extensions import db
from checkout.models import AuditEvent, Order
from tests.admin.helpers import HX


def _orders(app):
    with app.app_context():
        orders = list(db.session.scalars(select(Order)))
        for order in orders:
            _ = order.items
        return orders


def test_form_page_and_fragment(admin):
    page = admin.get("/admin/payment-links/new")
    assert page.status_code == 200 and b"<html" in page.data and b'id="payment-link"' in page.data
    fragment = admin.get("/admin/payment-links/new", headers=HX)
    assert fragment.data.lstrip().startswith(b'<section id="payment-link"') and b"<html" not in fragment.data


def test_create_with_htmx_shows_the_url_to_copy(admin, app):
    response = admin.post("/admin/payment-links/new", headers=HX,
                          data={"amount": "150.000", "description": "Custom cake", "expires_in_minutes": "90"})
    assert response.status_code == 200
    [order] = _orders(app)
    assert order.total_amount == 150_000 and order.description == "Custom cake"
    assert [(i.name, i.unit_price, i.quantity) for i in order.items] == [("Custom cake", 150_000, 1)]
    assert abs((order.expires_at - order.created_at) - timedelta(minutes=90)) < timedelta(seconds=2)
    url = f"http://checkout.test/pay/{order.public_id}"
    body = response.data.decode()
    assert re.search(rf'<input[^>]*id="payment-link-url"[^>]*readonly value="{re.escape(url)}"', body)
    assert 'data-copy="#payment-link-url"' in body  # the Copy button (shown by admin.js)
    with app.app_context():
        [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "payment_link.created"))
        assert event.actor == "admin:owner@example.com" and event.subject_id == order.reference


def test_create_without_javascript_redirects_to_the_result(admin, app):
    response = admin.post("/admin/payment-links/new", data={"amount": "25000", "description": "Kopi"})
    assert response.status_code == 303
    [order] = _orders(app)
    assert response.headers["Location"] == f"/admin/payment-links/{order.reference}"
    page = admin.get(response.headers["Location"]).data.decode()
    assert "Payment link for Rp 25.000 created" in page and f"/pay/{order.public_id}" in page
    assert f'href="/admin/transactions/{order.reference}"' in page


def _rows(*rows):
    data = {}
    for index, (name, price, quantity) in enumerate(rows):
        data.update({f"items-{index}-name": name, f"items-{index}-price": price, f"items-{index}-quantity": quantity})
    return data


def test_items_make_up_the_amount(admin, app):
    response = admin.post("/admin/payment-links/new", headers=HX, data={
        "description": "Breakfast", "reference": "INV-2026-001", "customer_name": "Ani",
        "customer_email": "ani@example.com", **_rows(("Kopi Susu", "25.000", "2"), ("Roti Bakar", "20000", ""), ("", "", "1"))})
    assert response.status_code == 200, response.data
    [order] = _orders(app)
    assert order.total_amount == 70_000 and order.reference == "INV-2026-001"
    assert [(i.name, i.unit_price, i.quantity) for i in order.items] == [("Kopi Susu", 25_000, 2), ("Roti Bakar", 20_000, 1)]
    assert order.customer_email == "ani@example.com"


def test_rows_are_added_and_removed_without_javascript(admin, app):
    base = {"description": "Breakfast", **_rows(("Kopi", "25000", "1"))}
    more = admin.post("/admin/payment-links/new", data={**base, "add_item": "1"})
    assert more.status_code == 200 and b"<html" in more.data
    body = more.data.decode()
    assert 'name="items-0-name"' in body and 'value="Kopi"' in body and 'name="items-1-name"' in body
    assert "field__error" not in body  # adding a row is not a submit: nothing is judged yet
    fewer = admin.post("/admin/payment-links/new", headers=HX, data={
        **base, **_rows(("Kopi", "25000", "1"), ("Teh", "5000", "2")), "remove_item": "0"})
    body = fewer.data.decode()
    assert fewer.status_code == 200 and 'value="Teh"' in body and 'value="Kopi"' not in body
    assert _orders(app) == []


def test_the_result_offers_copy_whatsapp_share_and_a_qr(admin, app):
    admin.set_cookie("lang", "id")
    response = admin.post("/admin/payment-links/new", headers=HX, data={"amount": "50.000", "description": "Kue"})
    [order] = _orders(app)
    body = response.data.decode()
    url = f"http://checkout.test/pay/{order.public_id}"
    message = quote(f"Halo! Ini tautan pembayaran untuk Kue (Rp 50.000): {url}", safe="")
    assert f'href="https://wa.me/?text={message}"' in body
    assert 'data-share-url="' + url + '"' in body and "hidden>Bagikan…</button>" in body  # shown by admin.js
    assert f'src="/admin/payment-links/{order.reference}/qr.png"' in body
    png = admin.get(f"/admin/payment-links/{order.reference}/qr.png")
    assert png.status_code == 200 and png.mimetype == "image/png" and png.data.startswith(b"\x89PNG")
    assert admin.get("/admin/payment-links/NOPE/qr.png").status_code == 404


@pytest.mark.parametrize("data, message", [
    ({"description": "x", "amount": "-100"}, "Enter a whole number of rupiah"),
    ({"description": "x", "amount": "abc"}, "Enter a whole number of rupiah"),
    ({"description": "x", "amount": "0"}, "at least Rp 1"),
    ({"description": "x"}, "Enter an amount, or list the items."),
    ({"description": "", "amount": "1000"}, "This field is required."),
    ({"description": "x", "amount": "1000", **_rows(("Kopi", "500", "1"))}, "The items add up to 500"),
    ({"description": "x", **_rows(("Kopi", "free", "1"))}, "Enter a whole number of rupiah"),
    ({"description": "x", **_rows(("Kopi", "500", "0"))}, "A whole number from 1 to 999."),
    ({"description": "x", **_rows(("", "500", "1"))}, "Name the item."),
    ({"description": "x", **_rows(("Kopi", "", "2"))}, "Enter the price."),
    ({"description": "x", "amount": "1000", "expires_in_minutes": "0"}, "Number must be between"),
    ({"description": "x", "amount": "1000", "reference": "has spaces!"}, "letters, digits"),
    ({"description": "x", "amount": "200000000"}, "Between Rp 1 and Rp 100.000.000."),
])
def test_bad_input_gets_a_clear_message_and_creates_nothing(admin, app, data, message):
    fragment = admin.post("/admin/payment-links/new", headers=HX, data=data)
    assert fragment.status_code == 422
    body = fragment.data.decode()
    assert message in body
    assert fragment.data.lstrip().startswith(b'<section id="payment-link"')
    # The message sits at its field: the field says it is invalid and points at it.
    error_id = re.search(r'<p class="field__error" id="([^"]+)">[^<]*' + re.escape(message), body).group(1)
    assert re.search(r'<(input|textarea)[^>]*aria-describedby="[^"]*' + error_id + r'[^"]*"[^>]*aria-invalid="true"'
                     r'|<(input|textarea)[^>]*aria-invalid="true"[^>]*aria-describedby="[^"]*' + error_id, body)
    page = admin.post("/admin/payment-links/new", data=data)
    assert page.status_code == 422 and b"<html" in page.data
    assert page.data.decode().count("autofocus") == 1  # without JavaScript, the first problem has focus
    assert _orders(app) == []


def test_duplicate_reference_is_refused(admin, app):
    data = {"description": "x", "amount": "1000", "reference": "INV-1"}
    assert admin.post("/admin/payment-links/new", data=data).status_code == 303
    again = admin.post("/admin/payment-links/new", headers=HX, data=data)
    assert again.status_code == 422 and b"Already used" in again.data
    assert len(_orders(app)) == 1


def test_copy_button_script_is_a_static_file(admin):
    body = admin.get("/admin/payment-links/new").data.decode()
    assert '<script src="/static/js/admin.js' in body
    assert "<script>" not in body and "onclick" not in body and "hx-on" not in body and 'style="' not in body
    assert admin.get("/static/js/admin.js").status_code == 200


def test_the_row_template_for_javascript_names_fields_like_the_server(admin):
    body = admin.get("/admin/payment-links/new").data.decode()
    template = body[body.index('<template id="item-row-template">'):body.index("</template>")]
    for name in ("name", "price", "quantity"):
        assert f'name="items-__index__-{name}"' in template and f'name="items-0-{name}"' in body
    assert '<script src="/static/js/payment_link.js' in body
    assert admin.get("/static/js/payment_link.js").status_code == 200
