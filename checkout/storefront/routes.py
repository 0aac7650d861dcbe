"""Routes for customers. Thin: they parse, call a service, render."""
from checkout.storefront import bp  # noqa: F401
