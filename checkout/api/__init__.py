"""The checkout-session API for the shop's backend (/api/v1)."""
from flask import Blueprint

bp = Blueprint("api", __name__)

from checkout.api import routes  # noqa: E402,F401
