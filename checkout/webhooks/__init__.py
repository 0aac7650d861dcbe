"""Midtrans notifications."""
from flask import Blueprint

bp = Blueprint("webhooks", __name__)

from checkout.webhooks import routes  # noqa: E402,F401
