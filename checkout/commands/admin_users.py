"""`flask admin ...`: owner accounts and stored secrets.

    flask admin create owner@example.com                 # password prompted twice
    printf '%s\n' "$PASSWORD" | flask admin create owner@example.com --password-stdin
    flask admin set-password owner@example.com
    flask admin rotate-keys                             # after adding a new CHECKOUT_ENCRYPTION_KEY
"""
from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

from checkout.errors import DomainError

cli = AppGroup("admin", help="Shop owner accounts and stored secrets.")


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        line = sys.stdin.readline()
        return line[:-1] if line.endswith("\n") else line
    return click.prompt("Password", hide_input=True, confirmation_prompt="Repeat the password")


def _fail(exc: DomainError) -> None:
    raise click.ClickException(exc.message)


@cli.command("create")
@click.argument("email")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of standard input.")
def create(email: str, password_stdin: bool) -> None:
    """Create an owner account that can sign in at /admin/login."""
    from checkout.admin.services import accounts

    password = _read_password(password_stdin)
    try:
        user = accounts.create_admin(email, password, actor="cli")
    except DomainError as exc:
        _fail(exc)
    click.echo(f"Created owner account {user.email}.")


@cli.command("set-password")
@click.argument("email")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of standard input.")
def set_password(email: str, password_stdin: bool) -> None:
    """Replace an owner's password (signs out every session of that account)."""
    from checkout.admin.services import accounts

    password = _read_password(password_stdin)
    try:
        user = accounts.set_password(email, password, actor="cli")
    except DomainError as exc:
        _fail(exc)
    click.echo(f"Password changed for {user.email}.")


@cli.command("rotate-keys")
def rotate_keys() -> None:
    """Re-encrypt stored secrets (Midtrans server keys, webhook secrets) under the newest key."""
    from checkout.admin.services.secrets_rotation import rotate_all
    from checkout.crypto import SecretUnreadable

    try:
        report = rotate_all(actor="cli")
    except SecretUnreadable:
        raise click.ClickException("A stored secret cannot be decrypted with the configured keys; nothing was "
                                   "changed. Keep the old key in CHECKOUT_ENCRYPTION_KEY (after the new one).") from None
    click.echo(f"Re-encrypted {report.server_keys} server key(s) and {report.webhook_secrets} webhook secret(s).")
