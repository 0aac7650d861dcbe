"""Fingerprinted static files: ``static_url("css/app.css")`` -> ``/static/css/app.css?v=<hash>``.

The hash is of the file's content, so a URL names one version of a file forever and the
browser may keep it for a year (``Cache-Control: public, max-age=31536000, immutable``):
a deploy that changes a file changes its URL. Hashes are computed once per process, on
first use (``create_app`` does no I/O), from every file under ``static/``; a request never
reads a file to build a URL. A request whose ``v`` is not the file's current hash (a page
cached from before a deploy) gets the file without the year-long promise.
"""
from __future__ import annotations

import hashlib
import os
import threading

from flask import Flask, Response, current_app, request, url_for

IMMUTABLE = "public, max-age=31536000, immutable"
# Unfingerprinted or stale static URLs: let browsers reuse them briefly, then revalidate.
SHORT = "public, max-age=300"
_HASH_LENGTH = 12

_lock = threading.Lock()


def fingerprints(app: Flask) -> dict[str, str]:
    """{path under static/ (with "/"): content hash}, computed once per app."""
    table = app.extensions.get("static_fingerprints")
    if table is None:
        with _lock:
            table = app.extensions.get("static_fingerprints")
            if table is None:
                table = app.extensions["static_fingerprints"] = _scan(app.static_folder)
    return table


def _scan(folder: str | None) -> dict[str, str]:
    table: dict[str, str] = {}
    if not folder or not os.path.isdir(folder):
        return table
    for root, _dirs, files in os.walk(folder):
        for name in files:
            path = os.path.join(root, name)
            with open(path, "rb") as handle:
                digest = hashlib.sha256(handle.read()).hexdigest()[:_HASH_LENGTH]
            table[os.path.relpath(path, folder).replace(os.sep, "/")] = digest
    return table


def static_url(filename: str) -> str:
    """The URL of a static file with its content hash (no hash for a file that is missing)."""
    digest = fingerprints(current_app).get(filename)
    if digest is None:
        return url_for("static", filename=filename)
    return url_for("static", filename=filename, v=digest)


def _cache_headers(response: Response) -> Response:
    if request.endpoint != "static" or response.status_code not in (200, 304):
        return response
    filename = (request.view_args or {}).get("filename", "")
    version = request.args.get("v")
    fresh = version is not None and fingerprints(current_app).get(filename) == version
    response.headers["Cache-Control"] = IMMUTABLE if fresh else SHORT
    return response


def init_app(app: Flask) -> None:
    app.jinja_env.globals["static_url"] = static_url
    app.after_request(_cache_headers)
