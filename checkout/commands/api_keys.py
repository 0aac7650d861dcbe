"""`flask api-keys ...`: keys for the shop's backend, and idempotency housekeeping."""
from __future__ import annotations

from datetime import timedelta

import click
from flask.cli import AppGroup

from checkout import api_keys
from checkout.errors import DomainError
from checkout.timeutil import format_jakarta, utcnow

cli = AppGroup("api-keys", help="API keys for the shop's backend.")


@cli.command("create")
@click.argument("name")
@click.option("--scope", "scopes", multiple=True, type=click.Choice(api_keys.SCOPES),
              help="What the key may do; repeat for several. Default: all of read, write, refund.")
@click.option("--expires-in-days", type=click.IntRange(1, 5 * 365), default=None,
              help="The key stops working after this many days. Default: it does not expire.")
def create(name: str, scopes: tuple[str, ...], expires_in_days: int | None) -> None:
    """Create a key. The key itself is printed once, as the last line."""
    expires_at = utcnow() + timedelta(days=expires_in_days) if expires_in_days else None
    try:
        key, token = api_keys.create(name, actor="cli", scopes=scopes or api_keys.SCOPES, expires_at=expires_at)
    except DomainError as exc:
        raise click.ClickException(exc.message) from None
    until = f"expires {format_jakarta(key.expires_at)}" if key.expires_at else "does not expire"
    click.echo(f"Created API key {key.id} ({key.name}, prefix {key.prefix}, scopes {key.scopes.replace(' ', ',')}, "
               f"{until}). It is shown only now:")
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
    """List keys (never their secret part): id, prefix, name, scopes, state, expiry, last use."""
    now = utcnow()
    for key in api_keys.all_keys():
        if key.revoked_at:
            state = f"revoked {format_jakarta(key.revoked_at)}"
        elif key.expires_at and key.expires_at <= now:
            state = "expired"
        else:
            state = "active"
        expiry = f"expires {format_jakarta(key.expires_at)}" if key.expires_at else "no expiry"
        used = format_jakarta(key.last_used_at) if key.last_used_at else "never used"
        click.echo(f"{key.id}\t{key.prefix}\t{key.name}\t{key.scopes.replace(' ', ',')}\t{state}\t{expiry}\t{used}")


@cli.command("purge-idempotency")
@click.option("--hours", default=48, show_default=True, help="Keep records younger than this (at least 24).")
def purge_idempotency(hours: int) -> None:
    """Delete Idempotency-Key records older than --hours."""
    from checkout.api.idempotency import purge

    click.echo(f"Deleted {purge(timedelta(hours=hours))} idempotency records.")
