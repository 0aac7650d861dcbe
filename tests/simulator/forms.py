"""Read the forms of a hosted page and submit one, as a browser would (no JavaScript)."""
from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin

import requests


@dataclass
class Form:
    action: str
    method: str
    fields: dict = field(default_factory=dict)
    buttons: list = field(default_factory=list)  # (name, value, label)


class _Parser(HTMLParser):
    def __init__(self):
        super().__init__()
        self.forms: list[Form] = []
        self._button: tuple | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append(Form(attrs.get("action", ""), attrs.get("method", "get").lower()))
        elif tag in ("input", "textarea") and self.forms and attrs.get("name"):
            self.forms[-1].fields[attrs["name"]] = attrs.get("value", "")
        elif tag == "button" and self.forms:
            self._button = (attrs.get("name"), attrs.get("value"), "")

    def handle_data(self, data):
        if self._button is not None:
            name, value, label = self._button
            self._button = (name, value, label + data)

    def handle_endtag(self, tag):
        if tag == "button" and self._button is not None and self.forms:
            name, value, label = self._button
            self.forms[-1].buttons.append((name, value, label.strip()))
            self._button = None


def forms(html: str) -> list[Form]:
    parser = _Parser()
    parser.feed(html)
    return parser.forms


def find(page: requests.Response, button: str) -> Form:
    """The form whose button label contains ``button``."""
    for form in forms(page.text):
        if any(button in label for _, _, label in form.buttons):
            return form
    raise AssertionError(f"no form with a {button!r} button on {page.url}")


def submit(page: requests.Response, button: str, follow: bool = False, **values) -> requests.Response:
    """POST the form whose button says ``button``, with ``values`` over its fields."""
    form = find(page, button)
    assert form.method == "post"
    data = {**form.fields, **values}
    for name, value, label in form.buttons:
        if button in label and name:
            data[name] = value
    return requests.post(urljoin(page.url, form.action), data=data, allow_redirects=follow, timeout=10)
