"""The demo shop at /: marked as a demo; Buy opens a real checkout link."""
import re

import pytest
from sqlalchemy import select

from checkout.models import Order
from tests.storefront.conftest import HX, assert_csp_clean


def test_lists_products_and_says_it_is_a_demo(client):
    response = client.get("/")
    assert response.status_code == 200
    assert "Demo shop" in response.text and "Nothing here is for sale" in response.text
    assert len(re.findall(r'name="product"', response.text)) >= 2
    assert "Rp 150.000" in response.text
    assert_csp_clean(response.text)


@pytest.mark.parametrize("headers", [HX, {}], ids=["fragment", "page"])
def test_buy_creates_an_order_and_opens_its_checkout(client, ctx, headers):
    response = client.post("/buy", data={"product": "batik-tulis"}, headers=headers)
    order = ctx.extensions["sqlalchemy"].session.scalar(select(Order))
    assert order.total_amount == 150_000 and order.items[0].name == "Selendang Batik Tulis"
    target = response.headers["HX-Redirect"] if headers else response.headers["Location"]
    assert (response.status_code == 303) != bool(headers)
    assert target.endswith(f"/pay/{order.public_id}")


def test_unknown_product_is_404(client):
    assert client.post("/buy", data={"product": "nope"}).status_code == 404
