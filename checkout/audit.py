"""Writing to the audit trail. Callers own the transaction: an audit row commits with the
change it describes, or not at all."""
from __future__ import annotations

from flask import has_request_context, request

from checkout.extensions import db
from checkout.models import AuditEvent


def record(actor: str, action: str, *, subject_type: str | None = None, subject_id: object = None,
           before: str | None = None, after: str | None = None, details: dict | None = None) -> AuditEvent:
    event = AuditEvent(
        actor=actor[:120],
        action=action,
        subject_type=subject_type,
        subject_id=None if subject_id is None else str(subject_id),
        before=before,
        after=after,
        details=details or None,
        ip=request.remote_addr if has_request_context() else None,
    )
    db.session.add(event)
    return event
