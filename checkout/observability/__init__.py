"""Running it in production: logs, request ids, metrics and health probes.

``init_app`` is called once by ``create_app``, after everything else has wrapped the WSGI
app, so the request observer sits outermost. Module map:

* ``logs``: the one logging setup (JSON in production, text in development);
* ``context``: request id, order reference and attempt id carried by every line;
* ``middleware``: request ids and HTTP metrics around every request;
* ``metrics``: every Prometheus metric and its one-line recorder;
* ``exposition``: ``GET /metrics``;
* ``health``: ``GET /healthz`` and ``GET /readyz``.
"""
from __future__ import annotations

import os

from flask import Flask

# Read from the environment when the app is created; a value handed to create_app wins.
ENVIRONMENT_SETTINGS = ("LOG_LEVEL", "LOG_FORMAT", "METRICS_TOKEN", "REDIS_URL")


def init_app(app: Flask) -> None:
    from checkout.extensions import csrf, limiter
    from checkout.observability import exposition, health, logs, middleware

    for name in ENVIRONMENT_SETTINGS:
        if app.config.get(name) is None and os.environ.get(name):
            app.config[name] = os.environ[name]
    app.config.setdefault("LOG_LEVEL", "INFO")
    app.config.setdefault("LOG_FORMAT", "json" if app.config.get("APP_ENV") == "production" else "text")
    logs.configure(app.config["LOG_LEVEL"], app.config["LOG_FORMAT"])

    for blueprint in (health.bp, exposition.bp):
        app.register_blueprint(blueprint)
        limiter.exempt(blueprint)  # probes and scrapes are never rate limited
        csrf.exempt(blueprint)
    middleware.install(app)
