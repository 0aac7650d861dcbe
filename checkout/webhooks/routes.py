"""POST /webhooks/midtrans."""
from checkout.webhooks import bp  # noqa: F401
