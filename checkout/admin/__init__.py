"""The shop owner's pages."""
from flask import Blueprint

bp = Blueprint("admin", __name__)

from checkout.admin import routes  # noqa: E402,F401
from checkout.admin import api_keys, webhook_endpoints  # noqa: E402,F401
