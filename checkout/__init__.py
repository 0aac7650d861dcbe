"""Self-hosted Midtrans checkout. ``create_app`` wires things together and does no I/O."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Mapping

from flask import Flask

from checkout import observability
from checkout.config import CONFIGS, DEFAULT_APP_ENV, SIMULATOR_MOUNT, check_app_env, check_production, from_environment

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app from the environment, overridden by ``config`` (tests pass theirs).

    Without an APP_ENV the app is production (see ``checkout.config.DEFAULT_APP_ENV``).
    """
    settings = {**from_environment(), **(config or {})}
    app_env = check_app_env(settings.get("APP_ENV") or DEFAULT_APP_ENV)
    app = Flask(
        __name__,
        instance_path=settings.get("INSTANCE_PATH") or str(PROJECT_ROOT / "instance"),
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    app.config.from_object(CONFIGS[app_env])
    app.config.update(settings)
    app.config["APP_ENV"] = app_env
    if not app.config.get("SQLALCHEMY_DATABASE_URI") or app.config["SQLALCHEMY_DATABASE_URI"] == "sqlite:///checkout.sqlite3":
        app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + os.path.join(app.instance_path, "checkout.sqlite3")
    if not app.config.get("SECRET_KEY") and app_env != "production":
        # Development only: the setup script writes a random SECRET_KEY into .env.
        app.config["SECRET_KEY"] = "development-only-not-secret"
    check_production(app.config)

    _init_extensions(app)
    _register_blueprints(app)
    _register_commands(app)
    _mount_simulator(app)
    observability.init_app(app)  # last: its request observer wraps everything above
    return app


def _init_extensions(app: Flask) -> None:
    from checkout import database, models  # noqa: F401  (pragmas; every table registered)
    from checkout import error_pages, i18n, security, templating
    from checkout.mail import smtp_url as mail_setup
    from checkout.extensions import babel, csrf, db, htmx, limiter, migrate

    db.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"))
    csrf.init_app(app)
    htmx.init_app(app)
    limiter.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale,
                   default_translation_directories=str(PROJECT_ROOT / "translations"))
    security.init_app(app)
    templating.init_app(app)
    error_pages.init_app(app)
    mail_setup.init_app(app)


def _register_blueprints(app: Flask) -> None:
    from checkout.admin import bp as admin_bp
    from checkout.api import bp as api_bp
    from checkout.storefront import bp as storefront_bp
    from checkout.webhooks import bp as webhooks_bp

    app.register_blueprint(storefront_bp)
    app.register_blueprint(admin_bp, url_prefix="/admin")
    app.register_blueprint(webhooks_bp, url_prefix="/webhooks")
    app.register_blueprint(api_bp, url_prefix="/api/v1")


def _register_commands(app: Flask) -> None:
    from checkout.commands import register

    register(app)


def _mount_simulator(app: Flask) -> None:
    """With no Midtrans keys the app pays against its own simulator, served in-process."""
    if not app.config.get("SIMULATOR_MOUNTED"):
        return
    from werkzeug.middleware.dispatcher import DispatcherMiddleware

    from checkout.simulator import create_app as create_simulator

    simulator_config = {
        "SIMULATOR_DATABASE": os.path.join(app.instance_path, "simulator.sqlite3"),
        **app.config.get("SIMULATOR_CONFIG", {}),
    }
    app.extensions["simulator"] = simulator = create_simulator(simulator_config)
    app.wsgi_app = DispatcherMiddleware(app.wsgi_app, {SIMULATOR_MOUNT: simulator})
