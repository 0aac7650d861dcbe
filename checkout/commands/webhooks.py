"""`flask webhooks ...`: the shop's endpoints for signed event deliveries."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from checkout.errors import DomainError
from checkout.outbox import endpoints
from checkout.outbox.events import EVENT_TYPES

cli = AppGroup("webhooks", help="Webhook endpoints of the shop's backend.")


def _events(values: tuple[str, ...]) -> list[str]:
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


@cli.command("add")
@click.argument("url")
@click.option("--events", "events", multiple=True,
              help="Event types (repeat or comma-separate); default all: " + ", ".join(EVENT_TYPES))
@click.option("--description", default=None)
def add(url: str, events: tuple[str, ...], description: str | None) -> None:
    """Register URL. Its signing secret is printed once, as the last line."""
    try:
        endpoint, secret = endpoints.add(url, events=_events(events), description=description, actor="cli")
    except DomainError as exc:
        raise click.ClickException(exc.message) from None
    click.echo(f"Registered endpoint {endpoint.id} for {', '.join(endpoint.events)}. Signing secret, shown only now:")
    click.echo(secret)


@cli.command("list")
def list_endpoints() -> None:
    """List endpoints with their delivery counts."""
    counts = endpoints.delivery_counts()
    for endpoint in endpoints.all_endpoints():
        state = "disabled" if endpoint.disabled_at else "enabled"
        c = counts.get(endpoint.id, {"pending": 0, "delivered": 0, "failed": 0})
        click.echo(f"{endpoint.id}\t{state}\t{endpoint.url}\t{','.join(endpoint.events)}\t"
                   f"delivered={c['delivered']} pending={c['pending']} failed={c['failed']}")


@cli.command("disable")
@click.argument("endpoint_id", type=int)
def disable(endpoint_id: int) -> None:
    """Stop delivering to an endpoint (its pending deliveries wait)."""
    try:
        endpoint = endpoints.set_enabled(endpoint_id, False, actor="cli")
    except DomainError as exc:
        raise click.ClickException(exc.message) from None
    click.echo(f"Disabled endpoint {endpoint.id} ({endpoint.url}).")


@cli.command("enable")
@click.argument("endpoint_id", type=int)
def enable(endpoint_id: int) -> None:
    """Deliver to a disabled endpoint again."""
    try:
        endpoint = endpoints.set_enabled(endpoint_id, True, actor="cli")
    except DomainError as exc:
        raise click.ClickException(exc.message) from None
    click.echo(f"Enabled endpoint {endpoint.id} ({endpoint.url}).")


@cli.command("resend")
@click.argument("delivery_id", type=int)
def resend(delivery_id: int) -> None:
    """Queue one delivery again now."""
    try:
        endpoints.resend(delivery_id, actor="cli")
    except DomainError as exc:
        raise click.ClickException(exc.message) from None
    click.echo(f"Delivery {delivery_id} queued.")
