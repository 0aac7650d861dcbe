"""API routes."""
from checkout.api import bp  # noqa: F401
