"""`flask outbox ...`: the worker that delivers webhooks to the shop."""
from __future__ import annotations

import signal
import threading

import click
from flask.cli import AppGroup

from checkout.outbox import delivery

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
def run(idle_seconds: float) -> None:
    """Deliver continuously until SIGTERM or SIGINT (finishes the delivery in hand first)."""
    from checkout.api.idempotency import purge

    stop = threading.Event()

    def _stop(signum, _frame):
        click.echo(f"received {signal.Signals(signum).name}; stopping after the current delivery")
        stop.set()

    previous = {sig: signal.signal(sig, _stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    click.echo("outbox worker running; SIGTERM or SIGINT stops it")
    try:
        delivery.run(stop, idle_seconds=idle_seconds, housekeeping=purge)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    click.echo("outbox worker stopped")
