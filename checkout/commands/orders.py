"""`flask orders ...`: orders from the command line (support desks, scripts, quick tests)."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from checkout.errors import InvalidRequest
from checkout.money import format_rupiah
from checkout.payments.orders import MAX_ITEM_NAME, NewItem, create_order
from checkout.sessions_view import checkout_url
from checkout.timeutil import format_jakarta

cli = AppGroup("orders", help="Create checkout links for orders.")


@cli.command("create")
@click.option("--amount", type=int, required=True, help="Total in whole rupiah, e.g. 150000.")
@click.option("--description", required=True, help="What is paid for; also the name of its single item.")
@click.option("--reference", default=None, help="Your own order reference (letters, digits, - _ ~ .).")
@click.option("--expires-in", "expires_in", type=click.IntRange(min=1), default=None,
              help="Minutes until the link expires (default: the shop setting).")
def create(amount: int, description: str, reference: str | None, expires_in: int | None) -> None:
    """Create an order with one item and print its checkout URL (the last line)."""
    name = description.strip()[:MAX_ITEM_NAME] or "Order"
    try:
        order = create_order(items=[NewItem(name, amount, 1)], description=description, reference=reference,
                             expires_in_minutes=expires_in, actor="cli")
    except InvalidRequest as error:
        details = "; ".join(f"{field}: {text}" for field, text in error.fields.items())
        raise click.ClickException(f"{error.message}{' (' + details + ')' if details else ''}") from None
    click.echo(f"Order {order.reference}: {format_rupiah(order.total_amount)}, open until {format_jakarta(order.expires_at)}")
    click.echo(checkout_url(order))
