"""gunicorn settings for the checkout: ``gunicorn -c deploy/gunicorn.conf.py wsgi:app``.

Only what the app needs from its server; bind address, workers and threads stay on the
command line (or ``GUNICORN_CMD_ARGS``).

* Logs: gunicorn's error and access loggers write through the app's one handler
  (``checkout.observability.logs``): JSON lines on stdout in production, text otherwise
  (``LOG_FORMAT`` overrides), at ``LOG_LEVEL``. Access lines carry the request id the app
  returned in ``X-Request-ID``, method, path (no query string), status and duration.
* Metrics: with ``PROMETHEUS_MULTIPROC_DIR`` set, every worker writes its samples to that
  directory and ``/metrics`` sums them. At start the files of processes that no longer
  run are removed (so totals restart with the server, and a worker command sharing the
  directory keeps its own), and ``child_exit`` tells prometheus_client a worker is gone.
"""
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from checkout.observability import logs  # noqa: E402

_format = os.environ.get("LOG_FORMAT") or ("json" if os.environ.get("APP_ENV") == "production" else "text")
loglevel = os.environ.get("LOG_LEVEL", "INFO").lower()
logconfig_dict = logs.gunicorn_logconfig(os.environ.get("LOG_LEVEL", "INFO"), _format)


def on_starting(server):
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if directory:
        os.makedirs(directory, exist_ok=True)
        removed = _remove_dead_process_files(Path(directory))
        server.log.info("metrics: multiprocess directory %s (%d stale file(s) removed)", directory, removed)


def child_exit(server, worker):
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)


def _remove_dead_process_files(directory: Path) -> int:
    """Files are named ``<kind>_<pid>.db``; keep those of processes that still run."""
    removed = 0
    for path in directory.glob("*.db"):
        pid = path.stem.rsplit("_", 1)[-1]
        if pid.isdigit() and not _alive(int(pid)):
            path.unlink(missing_ok=True)
            removed += 1
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
