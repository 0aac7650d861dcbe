"""``Idempotency-Key`` for API POSTs, settled in the database so any number of workers agree.

The record is inserted *first*, committed, as "in progress" (``response_status`` NULL);
the unique (api_key_id, key) constraint makes exactly one request the owner. Then:

* the owner runs the view and stores its answer (any status below 500), or deletes the
  record after a 5xx or a crash so that a retry can run;
* a duplicate with the same body waits up to ``IDEMPOTENCY_WAIT_SECONDS`` for the owner
  and replays its answer byte for byte, or answers 409 ``idempotency_in_progress``;
* a duplicate with a different body (or on another endpoint) gets 409
  ``idempotency_key_reused``.

An in-progress record older than ``IDEMPOTENCY_STALE_SECONDS`` is taken over: its owner
died between the insert and the answer. Records are purged after 48 hours.
"""
from __future__ import annotations

import hashlib
import json
import logging
import re
import time
from dataclasses import dataclass
from datetime import timedelta
from functools import wraps

from flask import Response, current_app, g, request
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from checkout import json_bodies
from checkout.api import auth
from checkout.api.errors import ApiError, response_for
from checkout.extensions import db
from checkout.models import IdempotencyRecord
from checkout.timeutil import utcnow

log = logging.getLogger(__name__)

HEADER = "Idempotency-Key"
KEY_PATTERN = re.compile(r"^[\x21-\x7e]{1,255}$")
REPLAY_HEADER = "Idempotent-Replayed"
POLL_SECONDS = 0.05
RETENTION = timedelta(hours=48)


@dataclass(frozen=True)
class Replay:
    status: int
    body: str


def idempotent(view):
    """Decorate a POST view: one execution per (API key, Idempotency-Key)."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        key = request.headers.get(HEADER)
        if key is None:
            return _run(view, args, kwargs)
        if not KEY_PATTERN.match(key):
            raise ApiError(400, "invalid_idempotency_key",
                           "Idempotency-Key must be 1 to 255 visible ASCII characters.",
                           fields={HEADER: "Invalid."})
        caller = auth.caller()
        outcome = begin(caller.id, key, fingerprint())
        if isinstance(outcome, Replay):
            g.idempotent_replay = True
            response = Response(outcome.body, status=outcome.status, mimetype="application/json")
            response.headers[REPLAY_HEADER] = "true"
            return response
        try:
            response = _run(view, args, kwargs)
        except BaseException:
            db.session.rollback()
            forget(outcome)
            raise
        if response.status_code >= 500:
            db.session.rollback()
            forget(outcome)
        else:
            complete(outcome, response)
        return response

    return wrapper


def current_key() -> str | None:
    """The request's Idempotency-Key, for views that derive their own keys from it."""
    return request.headers.get(HEADER)


def fingerprint() -> str:
    """Method, path and body; JSON bodies are compared by content, not by whitespace."""
    raw = request.get_data(cache=True)
    try:
        parsed = json_bodies.parse(raw, max_bytes=len(raw))
        body = json.dumps(parsed, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    except json_bodies.UnreadableBody:
        body = raw
    digest = hashlib.sha256()
    for part in (request.method.encode(), request.path.encode(), body):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def begin(api_key_id: int, key: str, request_hash: str) -> int | Replay:
    """Own the key (returns the record id) or learn the first answer (returns a Replay)."""
    config = current_app.config
    deadline = time.monotonic() + float(config.get("IDEMPOTENCY_WAIT_SECONDS", 2.0))
    stale_after = timedelta(seconds=float(config.get("IDEMPOTENCY_STALE_SECONDS", 120)))
    while True:
        record = IdempotencyRecord(api_key_id=api_key_id, key=key, method=request.method,
                                   path=request.path[:255], request_hash=request_hash, created_at=utcnow())
        db.session.add(record)
        try:
            db.session.commit()
            return record.id
        except IntegrityError:
            db.session.rollback()
        existing = db.session.scalar(
            select(IdempotencyRecord)
            .where(IdempotencyRecord.api_key_id == api_key_id, IdempotencyRecord.key == key)
            .execution_options(populate_existing=True)
        )
        # End the read so the next look sees the owner's commit (SQLite reads a snapshot).
        db.session.rollback()
        if existing is None:
            continue  # the owner failed and let go between our insert and our read
        if existing.request_hash != request_hash:
            raise ApiError(409, "idempotency_key_reused",
                           "This Idempotency-Key was already used with a different request.",
                           fields={HEADER: "Reused with a different body or endpoint."})
        if existing.response_status is not None:
            return Replay(existing.response_status, existing.response_body or "")
        if existing.created_at < utcnow() - stale_after and _take_over(existing.id, existing.created_at):
            log.warning("idempotency record %s was abandoned; running the request again", existing.id)
            return existing.id
        if time.monotonic() >= deadline:
            raise ApiError(409, "idempotency_in_progress",
                           "A request with this Idempotency-Key is still being processed; retry shortly.",
                           headers={"Retry-After": "1"})
        time.sleep(POLL_SECONDS)


def complete(record_id: int, response: Response) -> None:
    db.session.execute(
        update(IdempotencyRecord).where(IdempotencyRecord.id == record_id)
        .values(response_status=response.status_code, response_body=response.get_data(as_text=True),
                completed_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def forget(record_id: int) -> None:
    """Let a retry run: the request failed without an answer worth repeating."""
    db.session.execute(
        delete(IdempotencyRecord)
        .where(IdempotencyRecord.id == record_id, IdempotencyRecord.response_status.is_(None))
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def purge(older_than: timedelta = RETENTION) -> int:
    """Delete records older than ``older_than`` (at least 24 hours are always kept). Commits."""
    older_than = max(older_than, timedelta(hours=24))
    rows = db.session.execute(
        delete(IdempotencyRecord).where(IdempotencyRecord.created_at < utcnow() - older_than)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return rows


def _take_over(record_id: int, seen_created_at) -> bool:
    rows = db.session.execute(
        update(IdempotencyRecord)
        .where(IdempotencyRecord.id == record_id, IdempotencyRecord.response_status.is_(None),
               IdempotencyRecord.created_at == seen_created_at)
        .values(created_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return rows == 1


def _run(view, args, kwargs) -> Response:
    """Run the view and turn whatever it raises into the JSON answer it stands for."""
    try:
        result = view(*args, **kwargs)
    except Exception as exc:  # noqa: BLE001 - every failure becomes a JSON answer
        return response_for(exc)
    return current_app.make_response(result)
