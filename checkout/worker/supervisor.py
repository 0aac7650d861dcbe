"""Run jobs until told to stop, then stop within a grace period without losing work.

Each job runs in its own thread with its own app context (so its own database session)
and repeats: a *continuous* job (outbox, mail) runs again at once while it finds work
and idles briefly otherwise; a *periodic* job (reconciler, alert checks) runs every
``every`` seconds, measured from the start of its previous run.

On SIGTERM or SIGINT the stop event is set. Jobs check it between units of work (one
delivery, one mail, one reconciled attempt), so the unit in hand is finished and its
outcome recorded. If a unit is still running when the grace period ends (a slow shop
endpoint, a mail server that does not answer), the supervisor hands that job's claims
back (``Job.release``), so another worker can take them at once instead of waiting for
the lease to expire, and exits. Nothing claimed is lost either way: claims are leases
in the database, and deliveries are at least once.
"""
from __future__ import annotations

import logging
import os
import signal
import socket
import threading
import time
from dataclasses import dataclass
from typing import Callable

from flask import Flask

from checkout.extensions import db

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    name: str
    every: float  # seconds between the starts of two runs (continuous jobs: the idle wait)
    run: Callable[[threading.Event, str], bool]  # (stop, claimant) -> True if more work is waiting
    release: Callable[[str], int] | None = None  # hand back claims held by this claimant


def claimant_name(job: str) -> str:
    """Who holds a claim: host, process and job; fits the 64-character locked_by columns."""
    return f"{socket.gethostname()[:32]}:{os.getpid()}:{job}"[:64]


class Supervisor:
    def __init__(self, app: Flask, jobs: list[Job], *, grace: float = 8.0, echo: Callable[[str], None] = print,
                 name: str = "worker"):
        self.app = app
        self.name = name
        self.jobs = jobs
        self.grace = grace
        self.echo = echo
        self.stop = threading.Event()
        self._threads: dict[str, threading.Thread] = {}

    def run(self) -> int:
        """Run until SIGTERM/SIGINT (or ``stop`` is set); returns the number of jobs cut short."""
        previous = {sig: signal.signal(sig, self._signalled) for sig in (signal.SIGTERM, signal.SIGINT)}
        try:
            for job in self.jobs:
                thread = threading.Thread(target=self._loop, args=(job,), name=f"job-{job.name}", daemon=True)
                self._threads[job.name] = thread
                thread.start()
            # Only now, with the handlers in place, is it safe to be told to stop.
            self.echo(f"{self.name} running ({', '.join(job.name for job in self.jobs)}); SIGTERM or SIGINT stops it")
            while not self.stop.wait(0.5):
                pass
            return self._shut_down()
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def _signalled(self, signum, _frame) -> None:
        self.echo(f"received {signal.Signals(signum).name}; finishing the work in hand")
        self.stop.set()

    def _shut_down(self) -> int:
        deadline = time.monotonic() + self.grace
        for thread in self._threads.values():
            thread.join(max(0.0, deadline - time.monotonic()))
        cut_short = 0
        for job in self.jobs:
            if not self._threads[job.name].is_alive():
                continue
            cut_short += 1
            released = 0
            if job.release is not None:
                with self.app.app_context():
                    try:
                        released = job.release(claimant_name(job.name))
                    except Exception:  # noqa: BLE001 - leases expire on their own anyway
                        log.exception("could not release the claims of %s", job.name)
                    finally:
                        db.session.remove()
            self.echo(f"{job.name}: still busy after {self.grace:g} s; released {released} claim(s) for others")
        self.echo(f"{self.name} stopped")
        return cut_short

    def _loop(self, job: Job) -> None:
        claimant = claimant_name(job.name)
        while not self.stop.is_set():
            started = time.monotonic()
            more = False
            # A fresh app context per run: what a context caches (the settings in force, the
            # owner's keys) is read anew, so a change in the admin reaches a running worker.
            with self.app.app_context():
                try:
                    more = bool(job.run(self.stop, claimant))
                except Exception:  # noqa: BLE001 - a bad row or a database blip must not end the worker
                    db.session.rollback()
                    log.exception("job %s failed; it runs again on schedule", job.name)
                finally:
                    db.session.remove()
            if not more:
                self.stop.wait(max(0.0, job.every - (time.monotonic() - started)))
