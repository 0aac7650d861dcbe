"""`flask` commands, one module per group."""
from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    from checkout.commands import admin_users, api_keys, notifications, orders, outbox, payments, webhooks, worker

    for module in (orders, payments, admin_users, api_keys, webhooks, outbox, notifications, worker):
        app.cli.add_command(module.cli)
