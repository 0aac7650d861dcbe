"""Parsing JSON that strangers send us: the one function every endpoint uses.

Notifications, the shop's API and the simulator all read bodies written by someone we do
not trust. ``parse`` checks the size and the nesting depth on the raw bytes *before*
the parser sees them (Python's parser recurses, so a body of 60,000 ``[`` would
otherwise end in a RecursionError, i.e. a 500), then parses strictly and turns every
failure into one exception, ``UnreadableBody``, that each endpoint maps to its own 400
(or 413 when ``too_large``).

Strict means: valid UTF-8 JSON; no duplicate keys (two parsers that disagree about which
copy wins are a classic way to smuggle a value past a check); no NaN/Infinity and no
number that overflows to infinity; no string holding an unpaired surrogate (not text at
all, and no database can store it). A NUL character is valid JSON text: each endpoint
decides about it where it validates fields (PostgreSQL cannot store it either).
"""
from __future__ import annotations

import json
import math
import re
import threading
from typing import Any

MAX_DEPTH = 32
_local = threading.local()
# Skip what cannot nest, then take one token: a JSON string (unrolled loop, possessive:
# linear time), a structural bracket, or a quote that opens a string which never ends.
_TOKENS = re.compile(rb'[^"\[\]{}]*+("[^"\\]*+(?:\\.[^"\\]*+)*+"|[\[\]{}]|")', re.DOTALL)
_SURROGATE = re.compile("[\ud800-\udfff]")
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


class UnreadableBody(ValueError):
    """The body is not acceptable JSON. ``reason`` is safe to show to the sender."""

    def __init__(self, reason: str, *, too_large: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.too_large = too_large


def parse(raw: bytes | str, *, max_bytes: int, max_depth: int = MAX_DEPTH) -> Any:
    """The JSON value in ``raw``; raises ``UnreadableBody`` for anything else.

    ``max_bytes`` and ``max_depth`` are checked before parsing. Never raises anything
    but ``UnreadableBody``, whatever the input.
    """
    if isinstance(raw, str):
        raw = raw.encode("utf-8", errors="surrogatepass")
    if len(raw) > max_bytes:
        raise UnreadableBody(f"body larger than {max_bytes} bytes", too_large=True)
    # Fewer opening brackets than the limit cannot nest deeper than it: skip the scan.
    if raw.count(b"[") + raw.count(b"{") > max_depth and nesting_depth(raw, stop_after=max_depth) > max_depth:
        raise UnreadableBody(f"nested deeper than {max_depth} levels")
    try:
        text = raw.decode("utf-8")
        value = _decoder().decode(text)
    except UnreadableBody:
        raise
    except (ValueError, RecursionError):  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        raise UnreadableBody("not valid JSON") from None
    if _SURROGATE_ESCAPE.search(raw):  # valid UTF-8 cannot hold a surrogate; only an escape can
        _check_strings(value)
    return value


def parse_object(raw: bytes | str, *, max_bytes: int, max_depth: int = MAX_DEPTH) -> dict:
    """Like ``parse``, and the value must be a JSON object."""
    value = parse(raw, max_bytes=max_bytes, max_depth=max_depth)
    if not isinstance(value, dict):
        raise UnreadableBody("not a JSON object")
    return value


def nesting_depth(raw: bytes, *, stop_after: int) -> int:
    """How deeply ``raw``'s arrays and objects nest (brackets inside strings do not count).

    Stops counting once the depth exceeds ``stop_after``; an unterminated string ends
    the scan (the body is invalid anyway, and nothing after it can nest).
    """
    depth = deepest = 0
    for token in _TOKENS.finditer(raw):
        symbol = token.group(1)
        if symbol in (b"[", b"{"):
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > stop_after:
                    break
        elif symbol in (b"]", b"}"):
            depth -= 1
        elif symbol == b'"':
            break
    return deepest


def _decoder() -> json.JSONDecoder:
    """This thread's strict decoder (building one per call costs more than the parse)."""
    decoder = getattr(_local, "decoder", None)
    if decoder is None:
        decoder = _local.decoder = json.JSONDecoder(object_pairs_hook=_object, parse_constant=_constant,
                                                    parse_float=_float)
    return decoder


def _object(pairs: list[tuple[str, Any]]) -> dict:
    value = dict(pairs)
    if len(value) != len(pairs):
        raise UnreadableBody("duplicate key in a JSON object")
    return value


def _constant(name: str):
    raise UnreadableBody(f"{name} is not valid JSON")


def _float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise UnreadableBody("number out of range")
    return value


def _check_strings(value: Any) -> None:
    """Reject strings that are not Unicode text (depth is bounded, so this terminates)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if _SURROGATE.search(item):
                raise UnreadableBody("text with an unpaired surrogate")
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
