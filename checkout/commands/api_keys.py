"""`flask api-keys ...`: keys for the shop's backend, and idempotency housekeeping."""
from __future__ import annotations

from datetime import timedelta

import click
from flask.cli import AppGroup

from checkout import api_keys
from checkout.errors import DomainError
from checkout.timeutil import format_jakarta

cli = AppGroup("api-keys", help="API keys for the shop's backend.")


@cli.command("create")
@click.argument("name")
def create(name: str) -> None:
    """Create a key. The key itself is printed once, as the last line."""
    try:
        key, token = api_keys.create(name, actor="cli")
    except DomainError as exc:
        raise click.ClickException(exc.message) from None
    click.echo(f"Created API key {key.id} ({key.name}, prefix {key.prefix}). It is shown only now:")
    click.echo(token)


@cli.command("revoke")
@click.argument("key")
def revoke(key: str) -> None:
    """Revoke a key by id or by its visible prefix (ck_live_AbCd)."""
    try:
        found = api_keys.revoke(api_keys.find(key).id, actor="cli")
    except DomainError as exc:
        raise click.ClickException(exc.message) from None
    click.echo(f"Revoked API key {found.id} ({found.name}, prefix {found.prefix}).")


@cli.command("list")
def list_keys() -> None:
    """List keys (never their secret part)."""
    for key in api_keys.all_keys():
        state = f"revoked {format_jakarta(key.revoked_at)}" if key.revoked_at else "active"
        used = format_jakarta(key.last_used_at) if key.last_used_at else "never used"
        click.echo(f"{key.id}\t{key.prefix}\t{key.name}\t{state}\t{used}")


@cli.command("purge-idempotency")
@click.option("--hours", default=48, show_default=True, help="Keep records younger than this (at least 24).")
def purge_idempotency(hours: int) -> None:
    """Delete Idempotency-Key records older than --hours."""
    from checkout.api.idempotency import purge

    click.echo(f"Deleted {purge(timedelta(hours=hours))} idempotency records.")
