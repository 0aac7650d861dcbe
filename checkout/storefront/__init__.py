"""Customer pages: the checkout link, its fragments, and the demo shop."""
from flask import Blueprint

bp = Blueprint("storefront", __name__)

from checkout.storefront import demo, fast_poll, routes  # noqa: E402,F401

# The status poll's "nothing changed" is answered in front of Flask (see fast_poll).
bp.record_once(lambda state: fast_poll.install(state.app))
