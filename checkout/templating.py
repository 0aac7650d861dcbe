"""Jinja filters and globals shared by every template."""
from __future__ import annotations

from flask import Flask, url_for
from flask_babel import get_locale

from checkout.money import format_rupiah
from checkout.payments.labels import status_label
from checkout.timeutil import format_jakarta

# Must match package.json; the setup script installs exactly this build into static/vendor.
HTMX_VERSION = "2.0.11"


def init_app(app: Flask) -> None:
    app.jinja_env.filters["rupiah"] = format_rupiah
    app.jinja_env.filters["wib"] = format_jakarta
    app.jinja_env.filters["status_label"] = status_label
    # base.html reads the request's language for <html lang> and the language switch.
    app.jinja_env.globals["get_locale"] = get_locale

    @app.context_processor
    def _globals():
        from checkout import shop_settings

        return {
            "shop": _LazySettings(shop_settings.current),
            "htmx_url": url_for("static", filename="vendor/htmx.min.js", v=HTMX_VERSION),
        }


class _LazySettings:
    """Reads the settings only if a template actually uses them (error pages may not)."""

    def __init__(self, loader):
        self._loader = loader
        self._value = None

    def __getattr__(self, name):
        if self._value is None:
            try:
                self._value = self._loader()
            except Exception:  # an error page must render even when the database is down
                self._value = _FALLBACK
        return getattr(self._value, name)


class _Fallback:
    shop_name = "Checkout"
    logo_text = ""
    is_simulator = False


_FALLBACK = _Fallback()
