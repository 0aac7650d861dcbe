"""`flask payments ...`."""
import click
from flask.cli import AppGroup

from checkout.commands.worker import grace_option

cli = AppGroup("payments", help="payments commands")


@cli.command("reconcile")
@click.option("--limit", default=200, show_default=True, help="At most this many attempts (and orders) per run.")
@click.option("--max-seconds", default=50.0, show_default=True,
              help="Stop asking Midtrans after this long, so a cron run ends before the next one starts.")
@click.option("--every", type=click.FloatRange(min=1), default=None,
              help="Keep running: one pass every this many seconds until SIGTERM or SIGINT.")
@grace_option
def reconcile_command(limit: int, max_seconds: float, every: float | None, grace: float | None) -> None:
    """Ask Midtrans about payments with no news, apply the answers, close expired orders.

    Once (for cron), or with --every as a long-running process. Safe on several machines
    at once. Prints one line per change and a summary. A single run also purges rejected
    notifications past their retention (the worker does that on its own schedule).
    """
    from checkout.notifications.retention import purge_rejected
    from checkout.payments.reconciler import reconcile

    if every is None:
        reconcile(limit=limit, max_seconds=max_seconds, echo=click.echo)
        purged = purge_rejected()
        if purged:
            click.echo(f"purged {purged} rejected notifications")
        return
    from checkout.commands.worker import run_supervised
    from checkout.worker.jobs import reconcile_job

    run_supervised([reconcile_job(every, limit=limit, echo=click.echo)], grace, name="reconciler")
