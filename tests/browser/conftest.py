"""Playwright (sync API) driving Debian's Chromium; skipped with a reason when it is absent."""
from __future__ import annotations

import os

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install -y chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    """A fresh phone-sized English page that records CSP violations and page errors."""
    context = browser.new_context(locale="en-US", viewport={"width": 360, "height": 780})
    page = context.new_page()
    page.problems = []
    page.on("console", lambda msg: page.problems.append(msg.text)
            if msg.type == "error" and "Content Security Policy" in msg.text else None)
    page.on("pageerror", lambda error: page.problems.append(str(error)))
    yield page
    context.close()


AXE = os.path.join(os.path.dirname(__file__), "..", "..", "node_modules", "axe-core", "axe.min.js")


@pytest.fixture(scope="session")
def axe_source():
    """axe-core's build (npm dev dependency, installed by scripts/setup.sh --dev)."""
    if not os.path.exists(AXE):
        pytest.skip("node_modules/axe-core is not installed (bash scripts/setup.sh --dev)")
    with open(AXE, encoding="utf-8") as handle:
        return handle.read()


def axe_violations(page, source: str) -> list[str]:
    """axe-core's violations on the page as it is now, one line each ("rule: target").

    Evaluated through the DevTools protocol, so the page's CSP (no inline scripts) stays on."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(source)
    found = page.evaluate("""async () => {
        const result = await window.axe.run(document, {resultTypes: ["violations"]});
        return result.violations.map(v => v.id + ": " + v.nodes.map(n => n.target.join(" ")).join(", "));
    }""")
    return found


def _record_problems(page):
    page.problems = []
    page.on("console", lambda msg: page.problems.append(f"{page.url}: {msg.text}")
            if msg.type == "error" and "Content Security Policy" in msg.text else None)
    page.on("pageerror", lambda error: page.problems.append(str(error)))
    return page


@pytest.fixture
def phone(browser):
    """``phone("id")``: a fresh 360 x 640 page in that language (contexts closed after the test)."""
    contexts = []

    def _open(language: str = "en", *, width: int = 360, height: int = 640):
        context = browser.new_context(locale={"id": "id-ID", "en": "en-US"}[language],
                                      viewport={"width": width, "height": height})
        contexts.append(context)
        return _record_problems(context.new_page())

    yield _open
    for context in contexts:
        context.close()
