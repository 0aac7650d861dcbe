"""``/``: the demo shop in development, a plain page with the shop's name in production.

The demo shop (a few products whose "Buy" button opens a real checkout) exists so the
checkout can be tried end to end on the embedded default; every page says it is a demo.
Orders go through the same ``create_order`` as the API and the CLI. It is served only
when ``DEMO_SHOP`` is on, which production refuses: on a shop's own domain it would sell
goods that do not exist, with real money, on the shop's Midtrans account.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import abort, current_app, render_template, request, url_for
from flask_babel import lazy_gettext as _l

from checkout.errors import InvalidRequest
from checkout.htmx import redirect_to
from checkout.payments.orders import NewItem, create_order
from checkout.storefront import bp
from checkout.storefront.limits import demo_order


@dataclass(frozen=True)
class Product:
    sku: str
    name: str
    blurb: object  # a lazy translated string
    price: int


PRODUCTS = (
    Product("kopi-gayo", "Kopi Gayo 250 g", _l("Single-origin arabica from Aceh, roasted this week."), 85_000),
    Product("batik-tulis", "Selendang Batik Tulis", _l("Hand-drawn batik scarf from Solo."), 150_000),
    Product("sepeda-lipat", "Sepeda Lipat", _l("A folding bicycle: above the QRIS limit, so only other methods."),
            12_500_000),
)
_BY_SKU = {product.sku: product for product in PRODUCTS}


def demo_enabled() -> bool:
    return bool(current_app.config.get("DEMO_SHOP"))


@bp.get("/")
def shop():
    if not demo_enabled():
        return render_template("storefront/home.html")
    return render_template("storefront/shop.html", products=PRODUCTS)


@bp.post("/buy")
@demo_order
def buy():
    if not demo_enabled():
        abort(404)
    product = _BY_SKU.get(request.form.get("product", ""))
    if product is None:
        abort(404)
    try:
        order = create_order(items=[NewItem(product.name, product.price, 1, sku=product.sku)],
                             description=f"Demo: {product.name}", actor="customer")
    except InvalidRequest:
        abort(422)
    return redirect_to(url_for("storefront.pay", public_id=order.public_id))
