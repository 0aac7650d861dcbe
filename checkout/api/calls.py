"""Per-call bookkeeping for the API: the audit trail entry and the language of messages.

Every authenticated call, read or write, is recorded as ``api.request`` under the key's
actor, with method, path, status and Idempotency-Key, so the owner can see which of the
shop's systems did what. State changes themselves are audited by the services with the
same actor.
"""
from __future__ import annotations

import logging

from flask import current_app, g, request
from flask_babel import force_locale

from checkout import api_keys, audit
from checkout.api.auth import PUBLIC_ENDPOINTS
from checkout.extensions import db

log = logging.getLogger(__name__)


def speak_the_callers_language() -> None:
    """Machines rarely send Accept-Language; without it, messages are in English."""
    language = request.accept_languages.best_match(current_app.config["LANGUAGES"]) or "en"
    g._api_locale = force_locale(language)
    g._api_locale.__enter__()


def forget_language(_exc=None) -> None:
    context = g.pop("_api_locale", None)
    if context is not None:
        context.__exit__(None, None, None)


def record_call(response):
    if request.endpoint in PUBLIC_ENDPOINTS:
        return response
    caller = g.get("_api_caller")
    if caller is None or response.status_code == 429:
        # Refused calls are logged, not audited: a flood must not become a flood of writes.
        log.info("API call refused (%s) %s %s from %s", response.status_code, request.method, request.path,
                 request.remote_addr)
        return response
    try:
        # Whatever a failed view left uncommitted must not ride along with the audit row.
        db.session.rollback()
        audit.record(caller.actor, "api.request", subject_type="api_key", subject_id=caller.prefix,
                     details={"method": request.method, "path": request.full_path.rstrip("?")[:300],
                              "status": response.status_code,
                              "idempotency_key": (request.headers.get("Idempotency-Key") or "")[:255] or None,
                              "replayed": bool(g.get("idempotent_replay"))})
        api_keys.touch(caller)
        db.session.commit()
    except Exception:  # noqa: BLE001 - the answer was decided; bookkeeping must not change it
        db.session.rollback()
        log.exception("could not record API call %s %s", request.method, request.path)
    return response
