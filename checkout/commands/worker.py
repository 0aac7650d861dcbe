"""`flask worker`: the one long-running background process (outbox, mail, reconciler, alert checks)."""
from __future__ import annotations

import logging

import click
from flask import current_app
from flask.cli import with_appcontext

from checkout.worker.jobs import default_jobs
from checkout.worker.supervisor import Supervisor

# Its life-cycle lines go through the one logging setup: JSON lines in production.
log = logging.getLogger("checkout.worker")


def grace_option(function):
    return click.option("--grace", type=click.FloatRange(min=0.5), default=None,
                        help="Seconds to finish the work in hand after SIGTERM before handing claims back "
                             "(default WORKER_SHUTDOWN_GRACE_SECONDS, 8).")(function)


def run_supervised(jobs, grace: float | None, *, name: str = "worker") -> None:
    grace = grace if grace is not None else float(current_app.config.get("WORKER_SHUTDOWN_GRACE_SECONDS", 8.0))
    Supervisor(current_app._get_current_object(), jobs, grace=grace, echo=log.info, name=name).run()


@click.command("worker")
@grace_option
@with_appcontext
def cli(grace: float | None) -> None:
    """Run every background job on its schedule until SIGTERM or SIGINT.

    Safe to run on several machines at once: every job claims its work in the database.
    """
    run_supervised(default_jobs(), grace)
