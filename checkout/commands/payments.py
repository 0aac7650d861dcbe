"""`flask payments ...`."""
import click
from flask.cli import AppGroup

cli = AppGroup("payments", help="payments commands")


@cli.command("reconcile")
@click.option("--limit", default=200, show_default=True, help="At most this many attempts (and orders) per run.")
@click.option("--max-seconds", default=50.0, show_default=True,
              help="Stop asking Midtrans after this long, so a cron run ends before the next one starts.")
def reconcile_command(limit: int, max_seconds: float) -> None:
    """Ask Midtrans about payments with no news, apply the answers, close expired orders.

    Safe to run from cron every minute and on several machines at once. Prints one line
    per change and a summary. Also purges rejected notifications past their retention.
    """
    from checkout.notifications.retention import purge_rejected
    from checkout.payments.reconciler import reconcile

    reconcile(limit=limit, max_seconds=max_seconds, echo=click.echo)
    purged = purge_rejected()
    if purged:
        click.echo(f"purged {purged} rejected notifications")
