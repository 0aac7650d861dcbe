"""Customer pages: the checkout link, its fragments, and the demo shop."""
from flask import Blueprint

bp = Blueprint("storefront", __name__)

from checkout.storefront import routes  # noqa: E402,F401
