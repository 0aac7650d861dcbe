"""The simulator's app factory.

``create_app(config)`` wires blueprints, error handlers and the store; it performs no
I/O (the SQLite file and the background worker appear on the first request). It runs
standalone::

    flask --app checkout.simulator:create_app run --port 8900

or mounted inside another WSGI app, e.g. ``DispatcherMiddleware(main, {"/midtrans-simulator":
create_app(config)})``; every URL it hands out follows the mount point.
"""
from __future__ import annotations

import os

from flask import Flask

from . import api_cards, api_core, api_snap, clock, control, control_pages, errors, operations, runtime, snap_pages
from .settings import Settings
from .store import Store
from .worker import Worker, WorkerSettings

DATABASE_FILENAME = "midtrans-simulator.sqlite3"


def create_app(config: dict | None = None) -> Flask:
    """Build a simulator app. ``config`` keys are described in ``settings.Settings``."""
    app = Flask(__name__, static_folder=None)
    if config:
        app.config.update(config)
    settings = Settings.from_config(app.config)
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body_bytes
    app.json.sort_keys = False  # keep Midtrans's field order in answers

    database = settings.database or os.path.join(app.instance_path, DATABASE_FILENAME)
    store = Store(database, seed_faults=settings.faults)
    worker = Worker(
        store,
        WorkerSettings(
            poll_interval=settings.poll_interval,
            delivery_timeout=settings.delivery_timeout,
            time_scale=settings.time_scale,
        ),
        operations.expire_due,
    )
    app.extensions[runtime.EXTENSION] = runtime.Simulator(settings, store, worker)

    for blueprint in (api_core.bp, api_cards.bp, api_snap.bp, snap_pages.bp, control.bp, control_pages.bp):
        app.register_blueprint(blueprint)
    errors.register_error_handlers(app)
    app.add_template_filter(clock.jakarta, "jakarta")

    @app.before_request
    def _start_background_work() -> None:
        runtime.current().ensure_worker()

    @app.after_request
    def _nudge_worker(response):
        # Whatever this request queued (a notification, a claim released) goes out now,
        # not at the worker's next poll.
        runtime.current().worker.wake()
        return response

    app.teardown_appcontext(runtime.close_db)
    return app
