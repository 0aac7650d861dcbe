"""Admin routes."""
from checkout.admin import bp  # noqa: F401
