"""`flask notifications ...`."""
import click
from flask.cli import AppGroup

cli = AppGroup("notifications", help="Midtrans notification commands")


@cli.command("purge")
def purge_command() -> None:
    """Delete rejected notifications older than NOTIFICATION_RETENTION_DAYS (30).

    Also run by `flask payments reconcile`; safe on several machines at once.
    """
    from checkout.notifications.retention import purge_rejected

    click.echo(f"purged {purge_rejected()} rejected notifications")
