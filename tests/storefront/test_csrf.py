"""With CSRF on (as in production) the checkout's forms carry their token; forged posts fail."""
import re

import pytest

from tests.factories import make_order
from tests.storefront.conftest import HX, english


@pytest.fixture
def guarded(make_app, fake_gateway):
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        yield english(app.test_client())


def test_the_pages_form_works_without_javascript(guarded):
    order = make_order()
    page = guarded.get(f"/pay/{order.public_id}").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = guarded.post(f"/pay/{order.public_id}/qris", data={"csrf_token": token})
    assert response.status_code == 303


def test_htmx_sends_the_token_in_a_header(guarded):
    order = make_order()
    page = guarded.get(f"/pay/{order.public_id}").text
    token = re.search(r'"X-CSRFToken": "([^"]+)"', page).group(1)
    response = guarded.post(f"/pay/{order.public_id}/qris", headers={**HX, "X-CSRFToken": token})
    assert response.status_code == 200 and "Scan to pay" in response.text


def test_a_forged_post_is_refused_with_the_glowing_page(guarded):
    order = make_order()
    for action in ("qris", "snap", "cancel", "check"):
        response = guarded.post(f"/pay/{order.public_id}/{action}")
        assert response.status_code == 400 and "card--glow" in response.text
    assert guarded.post("/buy", data={"product": "kopi-gayo"}).status_code == 400
