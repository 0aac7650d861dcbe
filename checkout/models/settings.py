"""The shop owner's settings: one row of typed columns, and Midtrans keys per environment."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Integer, String, Text, text
from sqlalchemy import false as sa_false
from sqlalchemy.orm import Mapped, mapped_column

from checkout.extensions import db
from checkout.timeutil import utcnow

APP_PAYMENT_METHODS = ("gopay", "shopeepay")
DEFAULT_SNAP_METHODS = [
    "credit_card", "gopay", "shopeepay", "bca_va", "bni_va", "bri_va",
    "permata_va", "echannel", "indomaret", "alfamart",
]


class ShopSettings(db.Model):
    """A single row (id = 1). Missing row means "all defaults"."""

    __tablename__ = "shop_settings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    shop_name: Mapped[str] = mapped_column(String(80), default="Toko Demo")
    logo_text: Mapped[str] = mapped_column(String(8), default="TD")
    # How customers reach the shop: a WhatsApp number or an e-mail address (None: not shown).
    shop_contact: Mapped[str | None] = mapped_column(String(120))
    environment: Mapped[str] = mapped_column(String(16), default="simulator")
    qris_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    snap_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    snap_methods: Mapped[list] = mapped_column(db.JSON, default=lambda: list(DEFAULT_SNAP_METHODS))
    qris_expiry_minutes: Mapped[int] = mapped_column(Integer, default=15)
    order_expiry_minutes: Mapped[int] = mapped_column(Integer, default=24 * 60)
    return_url_allowlist: Mapped[list] = mapped_column(db.JSON, default=list)
    verify_with_status_api: Mapped[bool | None] = mapped_column(Boolean)  # None: by environment
    # The owner's daily summary (checkout/admin/services/daily_summary.py): off until asked for.
    daily_summary: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sa_false())
    # E-wallet apps ("gopay", "shopeepay") offered as "Pay in the ... app" on phones: a Core
    # API charge whose deeplink opens the app on the phone that shows the checkout.
    app_payments: Mapped[list] = mapped_column(db.JSON, default=list, server_default=text("'[]'"))
    alert_emails: Mapped[list | None] = mapped_column(db.JSON)  # owner alerts; ALERT_EMAILS wins
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class MidtransCredentials(db.Model):
    __tablename__ = "midtrans_credentials"

    environment: Mapped[str] = mapped_column(String(16), primary_key=True)
    merchant_id: Mapped[str | None] = mapped_column(String(32))
    client_key: Mapped[str | None] = mapped_column(String(100))
    server_key_encrypted: Mapped[str | None] = mapped_column(Text)
    server_key_hint: Mapped[str | None] = mapped_column(String(40))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
