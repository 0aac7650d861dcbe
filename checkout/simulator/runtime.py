"""Per-app state and per-request access to it.

``create_app`` puts one :class:`Simulator` in ``app.extensions``; request code reaches
it through :func:`current`, its settings through :func:`settings` and a request-scoped
SQLite connection through :func:`db` (closed at teardown).
"""
from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from flask import current_app, g

from .settings import Settings
from .store import Store
from .worker import Worker

EXTENSION = "midtrans_simulator"


@dataclass
class Simulator:
    settings: Settings
    store: Store
    worker: Worker

    def ensure_worker(self) -> None:
        if self.settings.background:
            self.worker.ensure_started()

    def stop(self) -> None:
        """Stop this process's background worker (tests call it at teardown)."""
        self.worker.stop()


def current() -> Simulator:
    return current_app.extensions[EXTENSION]


def settings() -> Settings:
    return current().settings


def db() -> sqlite3.Connection:
    if "_simulator_db" not in g:
        g._simulator_db = current().store.connect()
    return g._simulator_db


def close_db(_exc: BaseException | None = None) -> None:
    conn = g.pop("_simulator_db", None)
    if conn is not None:
        conn.close()
