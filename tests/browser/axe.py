"""axe-core (installed from the npm registry into node_modules/) run inside a Playwright page.

The source is evaluated over the DevTools protocol, which the page's Content-Security-Policy
does not govern, so pages keep their real CSP while they are checked.
"""
from __future__ import annotations

from pathlib import Path

import pytest

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
RULES = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]}}


def violations(page) -> list[dict]:
    """axe's violations on the page as it is now: [{"id", "help", "targets"}]."""
    if not AXE.exists():
        pytest.skip("axe-core is not installed (npm ci)")
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE.read_text(encoding="utf-8") + "\n;0")
    return page.evaluate(
        """async (options) => (await window.axe.run(document, options)).violations.map(
               v => ({id: v.id, help: v.help, targets: v.nodes.map(n => n.target.join(' '))}))""",
        RULES,
    )


def assert_accessible(page, label: str = "") -> None:
    found = violations(page)
    assert found == [], f"axe-core violations {label}: {found}"
