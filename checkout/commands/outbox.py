"""`flask outbox ...`: the worker that delivers webhooks to the shop."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from checkout.commands.worker import grace_option, run_supervised
from checkout.outbox import delivery
from checkout.worker.jobs import housekeeping_job, outbox_job

cli = AppGroup("outbox", help="Deliver outbox events (webhooks to the shop).")


@cli.command("deliver-once")
@click.option("--limit", type=int, default=None, help="Stop after this many attempts.")
def deliver_once(limit: int | None) -> None:
    """Deliver what is due now and exit (safe to run from cron on several machines)."""
    stats = delivery.deliver_due(limit=limit)
    click.echo(f"delivered={stats.delivered} retrying={stats.failed} gave_up={stats.gave_up}")


@cli.command("run")
@click.option("--idle-seconds", type=float, default=1.0, show_default=True,
              help="Sleep this long when nothing is due.")
@grace_option
def run(idle_seconds: float, grace: float | None) -> None:
    """Deliver continuously until SIGTERM or SIGINT.

    The delivery in hand is finished and recorded; one still running after the grace
    period is handed back for another worker. `flask worker` runs this and more.
    """
    run_supervised([outbox_job(idle_seconds), housekeeping_job()], grace, name="outbox worker")
