"""Jinja filters and globals shared by every template."""
from __future__ import annotations

from flask import Flask, g, has_request_context
from flask_babel import get_locale

from checkout.money import format_rupiah
from checkout.payments.labels import label, status_label
from checkout.static_files import static_url
from checkout.timeutil import format_jakarta, format_jakarta_for


def init_app(app: Flask) -> None:
    app.jinja_env.filters["rupiah"] = format_rupiah
    # Dates people read: Jakarta time, month names in the page's language (Babel).
    app.jinja_env.filters["wib"] = lambda moment: format_jakarta_for(moment, get_locale() or "id")
    app.jinja_env.filters["status_label"] = status_label
    # {{ code|label("method") }}: the one label for every code a person reads (payments/labels.py).
    app.jinja_env.filters["label"] = lambda code, kind: label(kind, code)
    # base.html reads the request's language for <html lang> and the language switch.
    app.jinja_env.globals["get_locale"] = get_locale
    app.jinja_env.globals["claim_autofocus"] = claim_autofocus

    @app.context_processor
    def _globals():
        from checkout import shop_settings

        return {
            "shop": _LazySettings(shop_settings.current),
            # Pages only: e-mails are rendered outside a request, where no URL can be built.
            "htmx_url": static_url("vendor/htmx.min.js") if has_request_context() else None,
        }


def claim_autofocus() -> bool:
    """True the first time a request asks: only one field of a page may take autofocus."""
    if not has_request_context() or g.get("autofocus_claimed"):
        return False
    g.autofocus_claimed = True
    return True


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
