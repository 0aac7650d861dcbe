"""The jobs ``flask worker`` runs, and how often. Adding a periodic job is one entry here.

* ``outbox``: webhook deliveries to the shop (continuous).
* ``mail``: queued e-mail (continuous; only with SMTP_URL set).
* ``reconcile``: the reconciler, every WORKER_RECONCILE_EVERY_SECONDS (60).
* ``alert-checks``: notifications gone quiet, failing endpoints, every
  WORKER_ALERT_CHECKS_EVERY_SECONDS (60).
* ``daily-summary``: the owner's summary of yesterday, queued once a day from 07:00 WIB
  when switched on in Settings (checked every 10 minutes).
* ``housekeeping``: purging old Idempotency-Key records and rejected notifications past
  NOTIFICATION_RETENTION_DAYS, hourly.
"""
from __future__ import annotations

import logging
import threading

from flask import current_app

from checkout.worker.supervisor import Job

log = logging.getLogger(__name__)
BATCH = 50


def outbox_job(idle_seconds: float) -> Job:
    from checkout.outbox import delivery

    def run(stop: threading.Event, claimant: str) -> bool:
        return delivery.deliver_due(worker=claimant, limit=BATCH, stop=stop).attempted >= BATCH

    return Job("outbox", idle_seconds, run, delivery.release_claims)


def mail_job(idle_seconds: float) -> Job:
    from checkout.mail import sender

    def run(stop: threading.Event, claimant: str) -> bool:
        return sender.send_due(claimant, stop=stop, limit=BATCH).attempted >= BATCH

    return Job("mail", idle_seconds, run, sender.release_claims)


def reconcile_job(every: float, *, limit: int = 200, echo=None) -> Job:
    from checkout.payments.reconciler import reconcile

    def run(stop: threading.Event, _claimant: str) -> bool:
        # Leave a few seconds of each interval free so runs never pile up.
        reconcile(limit=limit, max_seconds=max(5.0, every - 5.0), stop=stop, echo=echo)
        return False

    # Reconciler claims are "asked at" timestamps, not leases: nothing to hand back.
    return Job("reconcile", every, run)


def alert_checks_job(every: float) -> Job:
    from checkout.alerts.checks import run_checks

    def run(_stop: threading.Event, _claimant: str) -> bool:
        result = run_checks()
        for line in result.opened:
            log.warning("alert check opened %s", line)
        return False

    return Job("alert-checks", every, run)


def daily_summary_job(every: float = 600.0) -> Job:
    def run(_stop: threading.Event, _claimant: str) -> bool:
        from checkout.admin.services.daily_summary import queue_mail

        if queue_mail():
            log.info("daily summary queued")
        return False

    return Job("daily-summary", every, run)


def housekeeping_job(every: float = 3600.0) -> Job:
    def run(_stop: threading.Event, _claimant: str) -> bool:
        from checkout.api.idempotency import purge
        from checkout.notifications.retention import purge_rejected

        purge()
        purged = purge_rejected()
        if purged:
            log.info("purged %d rejected notifications past their retention", purged)
        return False

    return Job("housekeeping", every, run)


def default_jobs() -> list[Job]:
    """Everything a production worker runs, from the app's config."""
    config = current_app.config
    idle = float(config.get("WORKER_IDLE_SECONDS", 1.0))
    jobs = [outbox_job(idle)]
    if config.get("SMTP_URL"):
        jobs.append(mail_job(idle))
    else:
        log.warning("SMTP_URL is not set: queued mail waits until it is")
    jobs += [reconcile_job(float(config.get("WORKER_RECONCILE_EVERY_SECONDS", 60))),
             alert_checks_job(float(config.get("WORKER_ALERT_CHECKS_EVERY_SECONDS", 60))),
             daily_summary_job(),
             housekeeping_job()]
    return jobs
