"""Where a customer may be sent back to: only URLs under one of the shop's allowlisted prefixes.

The comparison is structural, never a string prefix: scheme, host and port must be equal
and the path must sit under the allowlisted path at a segment boundary. So with the
prefix ``https://shop.example.com`` these are refused:
``https://shop.example.com.evil.io/``, ``https://shop.example.com@evil.io/``,
``http://shop.example.com/`` and ``https://shop.example.com:8443/``; with
``https://shop.example.com/return`` so is ``https://shop.example.com/returns-evil``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable
from urllib.parse import unquote, urlsplit

MAX_URL_LENGTH = 2000
DEFAULT_PORTS = {"http": 80, "https": 443}
# Whitespace, control characters and backslashes are read differently by different URL
# parsers (browsers turn "\" into "/"), which is how allowlists get bypassed.
_UNSAFE = re.compile(r"[\x00-\x20\x7f\\]")


@dataclass(frozen=True)
class _Parts:
    scheme: str
    host: str
    port: int
    path: str


def _parse(url: str) -> _Parts | None:
    if not isinstance(url, str) or not url or len(url) > MAX_URL_LENGTH or _UNSAFE.search(url):
        return None
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or not parts.hostname or "@" in parts.netloc:
        return None
    path = parts.path or "/"
    segments = unquote(path).split("/")
    if any(segment in (".", "..") for segment in segments):
        return None
    return _Parts(scheme, parts.hostname.lower().rstrip("."), port or DEFAULT_PORTS[scheme], path)


def _under(path: str, prefix: str) -> bool:
    if prefix in ("", "/") or path == prefix:
        return True
    if prefix.endswith("/"):
        return path.startswith(prefix)
    return path.startswith(prefix + "/")


def is_allowed(url: str, allowlist: Iterable[str]) -> bool:
    """True when ``url`` is an absolute http(s) URL under one of the allowlisted prefixes."""
    target = _parse(url)
    if target is None:
        return False
    for entry in allowlist:
        prefix = _parse(entry)
        if prefix is None:
            continue
        if (target.scheme, target.host, target.port) == (prefix.scheme, prefix.host, prefix.port) \
                and _under(target.path, prefix.path):
            return True
    return False
