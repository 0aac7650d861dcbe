"""The one logging setup: JSON lines on stdout in production, readable text in development.

``configure(level, fmt)`` installs a single handler on the root logger (idempotent: every
``create_app`` and every ``flask`` command calls it through ``init_app``). Each record gets
the request id, order reference and attempt id of the current context (see ``context``).
gunicorn's own loggers propagate into the same handler (``gunicorn_logconfig``), and its
access lines become JSON objects with method, path, status and duration fields.

Secrets never reach a log call in the first place (the Midtrans client logs paths only,
keys are never formatted into messages); the access line leaves out the query string and
every header except the user agent and the request id.
"""
from __future__ import annotations

import logging
import sys

from pythonjsonlogger.json import JsonFormatter

from checkout.observability import context

FORMATS = ("json", "text")
TEXT_FORMAT = "%(asctime)s %(levelname)s [%(name)s] %(message)s%(context_suffix)s"
# A line per connection (urllib3) or per plugin loaded (alembic): nothing anyone acts on.
QUIET_LOGGERS = ("urllib3", "alembic.runtime.plugins")


class StdoutHandler(logging.StreamHandler):
    """The process's real standard output (file descriptor 1), even where ``sys.stdout`` is
    swapped for a buffer (click's test runner, output capture): log lines never mix into a
    command's own output."""

    _checkout = True

    def __init__(self) -> None:
        super().__init__(sys.__stdout__ or sys.stdout)


class ContextFilter(logging.Filter):
    """Copies the current request id, order reference and attempt id onto each record."""

    def filter(self, record: logging.LogRecord) -> bool:
        for key, value in context.fields().items():
            if getattr(record, key, None) is None:
                setattr(record, key, value)
        if record.name == "gunicorn.access" and isinstance(record.args, dict):
            _access_fields(record)
        return True


def _access_fields(record: logging.LogRecord) -> None:
    atoms = record.args
    record.request_id = atoms.get("{x-request-id}o") or atoms.get("{checkout.request_id}e") or record.request_id
    record.http = {
        "method": atoms.get("m"),
        "path": atoms.get("U"),
        "status": _int(atoms.get("s")),
        "duration_seconds": round((atoms.get("D") or 0) / 1_000_000, 6),
        "bytes": atoms.get("B"),
        "remote_addr": atoms.get("h"),
        "user_agent": (atoms.get("a") or "")[:200],
    }
    record.msg, record.args = "%s %s %s", (atoms.get("m"), atoms.get("U"), atoms.get("s"))


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return value


class CheckoutJsonFormatter(JsonFormatter):
    """One JSON object per line: time, level, logger, message, context, and any extras."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("timestamp", "time")
        kwargs.setdefault("json_ensure_ascii", False)
        super().__init__("%(message)s", *args, **kwargs)

    def add_fields(self, log_record, record, message_dict) -> None:
        super().add_fields(log_record, record, message_dict)
        log_record["level"] = record.levelname
        log_record["logger"] = record.name
        log_record["process"] = record.process
        for key in ("request_id", "order_reference", "attempt_id"):
            value = getattr(record, key, None)
            if value is not None:
                log_record[key] = value
            else:
                log_record.pop(key, None)


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__(TEXT_FORMAT)

    def format(self, record: logging.LogRecord) -> str:
        parts = [f"{key}={getattr(record, key)}" for key in ("request_id", "order_reference", "attempt_id")
                 if getattr(record, key, None) is not None]
        record.context_suffix = (" [" + " ".join(parts) + "]") if parts else ""
        return super().format(record)


def formatter(fmt: str) -> logging.Formatter:
    return CheckoutJsonFormatter() if fmt == "json" else TextFormatter()


def make_handler(fmt: str) -> logging.Handler:
    handler = StdoutHandler()
    handler.setFormatter(formatter(fmt))
    handler.addFilter(ContextFilter())
    return handler


def configure(level: str = "INFO", fmt: str = "text") -> None:
    """Install the one root handler (replacing an earlier one of ours) at ``level``."""
    if fmt not in FORMATS:
        raise ValueError(f"LOG_FORMAT must be one of {', '.join(FORMATS)}")
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_checkout", False):
            root.removeHandler(handler)
    root.addHandler(make_handler(fmt))
    root.setLevel(level.upper())
    quiet = max(logging.WARNING, root.level)
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(quiet)


def gunicorn_logconfig(level: str = "INFO", fmt: str = "json") -> dict:
    """gunicorn's ``logconfig_dict``: its error and access loggers write through our handler."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "root": {"level": level.upper(), "handlers": ["checkout"]},
        "loggers": {
            "gunicorn.error": {"level": level.upper(), "handlers": [], "propagate": True},
            "gunicorn.access": {"level": "INFO", "handlers": [], "propagate": True},
        },
        "handlers": {"checkout": {"()": make_handler, "fmt": fmt}},
        "formatters": {},
    }
