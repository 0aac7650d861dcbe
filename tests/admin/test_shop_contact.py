"""The shop's contact for customers: saved in Settings, validated, shown on the checkout."""
from __future__ import annotations

from checkout.extensions import db
from checkout.models import ShopSettings
from tests.admin.helpers import settings_form
from tests.factories import make_order


def _save(admin, **overrides):
    return admin.post("/admin/settings", data=settings_form(**overrides))


def test_a_whatsapp_number_is_saved_and_shown_to_customers(admin, app):
    assert 'name="shop_contact"' in admin.get("/admin/settings").text
    assert _save(admin, shop_contact=" 0812-3456-7890 ").status_code == 303
    with app.app_context():
        assert db.session.get(ShopSettings, 1).shop_contact == "0812-3456-7890"
        public_id = make_order().public_id
    page = app.test_client().get(f"/pay/{public_id}?lang=en").text
    assert 'href="https://wa.me/6281234567890"' in page and "+62 812 3456 7890" in page


def test_an_email_address_is_accepted(admin, app):
    assert _save(admin, shop_contact="halo@toko.example").status_code == 303
    with app.app_context():
        assert db.session.get(ShopSettings, 1).shop_contact == "halo@toko.example"


def test_anything_else_is_refused_with_a_reason(admin, app):
    response = _save(admin, shop_contact="call us")
    assert response.status_code == 422 and "Enter a WhatsApp number" in response.text


def test_an_empty_contact_shows_nothing(admin, app):
    assert _save(admin, shop_contact="").status_code == 303
    with app.app_context():
        assert db.session.get(ShopSettings, 1).shop_contact is None
