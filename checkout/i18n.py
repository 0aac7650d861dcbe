"""Language: the customer's explicit choice (?lang=, remembered in a cookie), else the browser's."""
from __future__ import annotations

from flask import current_app, has_request_context, request

LANG_COOKIE = "lang"


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():
        # Services also run from the CLI, the reconciler and tests: no request, default language.
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    chosen = request.args.get("lang") or request.cookies.get(LANG_COOKIE)
    if chosen in languages:
        return chosen
    return request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]


def remember_choice(response):
    """Persist ?lang= so the next page (and every htmx fragment) speaks the same language."""
    chosen = request.args.get("lang")
    if chosen in current_app.config["LANGUAGES"]:
        response.set_cookie(LANG_COOKIE, chosen, max_age=365 * 24 * 3600, samesite="Lax", httponly=True)
    return response
