"""The background worker: expires pending transactions and delivers notifications.

One daemon thread per process loops: expire what is past its expiry (so the expire
notification goes out even if nobody reads the transaction), then claim due deliveries
and hand them to a few daemon sender threads. It starts lazily, on the first request
the simulator serves in a process (after a fork, too), never at import or app creation,
and ends with :meth:`Worker.stop` or when the worker itself is garbage (its app is gone).

Several processes may run this loop against one store. Work is claimed atomically:
inside one ``BEGIN IMMEDIATE`` transaction a delivery is picked and marked
``claimed_by``/``claimed_until`` with a conditional update, so exactly one process sends
it; a claim that outlives a crashed process simply lapses. Expiry needs no claim: the
status change itself is conditional (see ``ledger.transition``).

Deliveries of one transaction to one URL go one at a time, oldest due first, so the
order Midtrans produced them in is the order they are sent in, unless a retry or the
out-of-order fault says otherwise, as happens in real life.
"""
from __future__ import annotations

import logging
import os
import queue
import random
import socket
import threading
import uuid
import weakref
from dataclasses import dataclass

from . import clock, delivery
from .store import Store, write

log = logging.getLogger(__name__)

_IDLE_CHECK_SECONDS = 1.0  # how often an idle sender checks that its worker still exists

_CLAIMABLE = """
SELECT d.id, d.url, d.payload, d.attempts FROM deliveries d
WHERE d.state = 'due' AND d.due_at <= :now
  AND (d.claimed_until IS NULL OR d.claimed_until < :now)
  AND NOT EXISTS (
      SELECT 1 FROM deliveries o
      WHERE o.transaction_id = d.transaction_id AND o.url = d.url AND o.id != d.id AND o.state = 'due'
        AND (o.claimed_until >= :now
             OR (o.due_at <= :now AND (o.due_at < d.due_at OR (o.due_at = d.due_at AND o.id < d.id)))))
ORDER BY d.due_at, d.id
LIMIT :limit
"""


@dataclass(frozen=True)
class WorkerSettings:
    poll_interval: float = 0.5
    delivery_timeout: float = 15.0
    time_scale: float = 1.0
    senders: int = 4


class Worker:
    def __init__(self, store: Store, settings: WorkerSettings, expire_due):
        """``expire_due(conn, now)`` expires whatever is past due (see ``operations``)."""
        self.store = store
        self.settings = settings
        self._expire_due = expire_due
        self._lock = threading.Lock()
        self._rng = random.Random()
        self._pid: int | None = None
        self._reset()

    def _reset(self) -> None:
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._jobs: queue.Queue = queue.Queue()
        self._inflight = 0
        self._inflight_lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._senders: list[threading.Thread] = []
        self._name = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"

    # --- lifecycle -----------------------------------------------------------------------

    def ensure_started(self) -> None:
        """Start this process's threads unless running (or stopped for good)."""
        if self._pid == os.getpid() and (self._thread is not None or self._stopping.is_set()):
            return
        with self._lock:
            if self._pid == os.getpid() and self._thread is not None:
                return
            if self._pid != os.getpid():
                self._reset()  # threads do not survive fork; start this process's own
            self._pid = os.getpid()
            me = weakref.ref(self)
            self._senders = [
                threading.Thread(target=_send_loop, args=(me, self._jobs), name=f"midtrans-sim-send-{number}",
                                 daemon=True)
                for number in range(self.settings.senders)
            ]
            for sender in self._senders:
                sender.start()
            self._thread = threading.Thread(target=_main_loop, args=(me, self._wake, self._stopping),
                                            name="midtrans-sim-worker", daemon=True)
            self._thread.start()

    def wake(self) -> None:
        self._wake.set()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop claiming work and wait (up to ``timeout``) for deliveries in flight."""
        self._stopping.set()
        self._wake.set()
        for _ in self._senders:
            self._jobs.put(None)
        for thread in [self._thread, *self._senders]:
            if thread is not None:
                thread.join(timeout)
        self._thread = None
        self._senders = []

    # --- one pass, usable synchronously ---------------------------------------------------

    def run_once(self) -> None:
        """Expire what is due and send what is due, inline. For tests and scripts."""
        now = clock.now()
        with self.store.connection() as conn:
            self._expire_due(conn, now)
            claimed = self._claim(conn, now, limit=100)
        for job in claimed:
            self._deliver(job)

    # --- the loop (see _main_loop and _send_loop) -------------------------------------------

    def _pass(self) -> float:
        """One pass of the loop; returns how long to sleep before the next."""
        wait = self.settings.poll_interval
        try:
            with self.store.connection() as conn:
                now = clock.now()
                self._expire_due(conn, now)
                free = self.settings.senders - self._inflight
                if free > 0:
                    for job in self._claim(conn, now, limit=free):
                        with self._inflight_lock:
                            self._inflight += 1
                        self._jobs.put(job)
                wait = self._until_next(conn, clock.now())
        except Exception:  # keep the loop alive; the next pass retries
            log.exception("simulator worker pass failed")
        return wait

    def _send(self, job: dict) -> None:
        try:
            self._deliver(job)
        except Exception:
            log.exception("simulator delivery failed")
        finally:
            with self._inflight_lock:
                self._inflight -= 1
            self._wake.set()

    def _claim(self, conn, now: float, limit: int) -> list[dict]:
        hold = self.settings.delivery_timeout * (delivery.MAX_FOLLOWED_REDIRECTS + 1) + 5
        params = {"now": now, "limit": limit}
        if not conn.execute(_CLAIMABLE, params).fetchone():
            return []  # the common case: nothing due, so no write lock taken
        with write(conn):
            rows = conn.execute(_CLAIMABLE, params).fetchall()
            claimed = []
            for row in rows:
                cursor = conn.execute(
                    """UPDATE deliveries SET claimed_by = ?, claimed_until = ?
                       WHERE id = ? AND state = 'due' AND (claimed_until IS NULL OR claimed_until < ?)""",
                    (self._name, now + hold, row["id"], now),
                )
                if cursor.rowcount == 1:
                    claimed.append(dict(row))
        return claimed

    def _deliver(self, job: dict) -> None:
        started = clock.now()
        attempt = delivery.post(job["url"], job["payload"].encode(), self.settings.delivery_timeout)
        finished = clock.now()
        attempts = job["attempts"] + 1
        if attempt.delivered:
            state, outcome, due_at = "delivered", "delivered", None
        elif attempts - 1 < delivery.retries_allowed(attempt):
            state, outcome = "due", "retry"
            due_at = finished + delivery.next_retry_delay(attempts, self.settings.time_scale, self._rng)
        else:
            state, outcome, due_at = "failed", "gave_up", None
        with self.store.connection() as conn, write(conn):
            conn.execute(
                """INSERT INTO delivery_attempts (delivery_id, url, started_at, duration, status_code, error, outcome)
                   VALUES (?, ?, ?, ?, ?, ?, ?)""",
                (job["id"], job["url"], started, finished - started, attempt.status_code, attempt.error, outcome),
            )
            conn.execute(
                """UPDATE deliveries SET state = ?, attempts = ?, due_at = COALESCE(?, due_at),
                       finished_at = ?, claimed_by = NULL, claimed_until = NULL
                   WHERE id = ? AND claimed_by = ?""",
                (state, attempts, due_at, None if state == "due" else finished, job["id"], self._name),
            )

    def _until_next(self, conn, now: float) -> float:
        row = conn.execute(
            """SELECT MIN(t) AS next FROM (
                   SELECT MIN(due_at) AS t FROM deliveries WHERE state = 'due' AND claimed_until IS NULL
                   UNION ALL
                   SELECT MIN(expires_at) FROM transactions WHERE status = 'pending')"""
        ).fetchone()
        if row is None or row["next"] is None or row["next"] <= now:
            # Nothing scheduled, or what is due waits on a busy sender, which wakes us.
            return self.settings.poll_interval
        return min(self.settings.poll_interval, row["next"] - now)


# The threads hold their worker only weakly, and only while working: when the app that owns
# the worker is gone (a test's simulator, say), its threads end instead of polling forever.

def _main_loop(ref: "weakref.ref[Worker]", wake: threading.Event, stopping: threading.Event) -> None:
    while not stopping.is_set():
        worker = ref()
        if worker is None:
            return
        wait = worker._pass()
        del worker
        wake.wait(wait)
        wake.clear()


def _send_loop(ref: "weakref.ref[Worker]", jobs: queue.Queue) -> None:
    while True:
        try:
            job = jobs.get(timeout=_IDLE_CHECK_SECONDS)
        except queue.Empty:
            if ref() is None:
                return
            continue
        worker = ref() if job is not None else None
        if worker is None:
            return
        worker._send(job)
        del worker
