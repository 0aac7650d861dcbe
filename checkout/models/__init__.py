"""One module per aggregate. Importing this package registers every table."""
from checkout.models.accounts import AdminUser
from checkout.models.alerts import Alert
from checkout.models.api import ApiKey, IdempotencyRecord
from checkout.models.audit import AuditEvent
from checkout.models.mail import MailMessage
from checkout.models.notifications import Notification
from checkout.models.orders import Order, OrderItem
from checkout.models.outbox import DeliveryAttempt, OutboxEvent, WebhookDelivery, WebhookEndpoint
from checkout.models.payments import PaymentAttempt, Refund
from checkout.models.settings import MidtransCredentials, ShopSettings

__all__ = [
    "AdminUser",
    "Alert",
    "ApiKey",
    "AuditEvent",
    "DeliveryAttempt",
    "IdempotencyRecord",
    "MailMessage",
    "MidtransCredentials",
    "Notification",
    "Order",
    "OrderItem",
    "OutboxEvent",
    "PaymentAttempt",
    "Refund",
    "ShopSettings",
    "WebhookDelivery",
    "WebhookEndpoint",
]
