"""Every string the alerts show (admin page, e-mails) is in the Indonesian catalog, translated."""
from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
SOURCES = {"checkout/alerts": "python", "checkout/admin": "python", "templates/admin": "jinja2"}


def test_alert_strings_are_translated():
    with (ROOT / "translations" / "id" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle, locale="id")
    missing = []
    for folder, method in SOURCES.items():
        pattern = "**.py" if method == "python" else "**.html"
        for filename, _line, message, _comments, _context in extract_from_dir(
                ROOT / folder, method_map=[(pattern, method)],
                options_map={pattern: {"extensions": "jinja2.ext.i18n"}} if method == "jinja2" else None):
            if "alert" not in filename and "dashboard" not in filename and "_nav" not in filename:
                continue
            key = message if isinstance(message, str) else message[0]
            entry = catalog.get(key)
            if entry is None or not (entry.string if isinstance(entry.string, str) else entry.string[0]):
                missing.append((filename, key))
    assert missing == []
