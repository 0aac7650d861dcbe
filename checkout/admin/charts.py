"""Tiny server-side SVG bar charts: no JavaScript, no chart library, CSP-friendly.

Colours come from CSS classes (static/css/admin.css), never inline styles. Each chart
carries a <title> and every bar a <title> with its exact value, so screen readers and
hover show the numbers; the page also shows them in a table.
"""
from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup, escape


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    display: str  # the value as people read it ("Rp 150.000")


def bar_chart(bars: list[Bar], *, title: str, width: int = 560, height: int = 180, label_every: int = 1) -> Markup:
    """Vertical bars scaled to the largest value. ``label_every`` thins the axis labels."""
    pad_top, pad_bottom, pad_side = 12, 28, 8
    inner_h = height - pad_top - pad_bottom
    count = max(len(bars), 1)
    slot = (width - 2 * pad_side) / count
    bar_w = min(max(slot * 0.7, 1.0), 56.0)  # one method alone is a bar, not a wall
    top = max((bar.value for bar in bars), default=0) or 1
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" width="100%" role="img" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
        f'<line class="chart__axis" x1="{pad_side}" y1="{pad_top + inner_h}" x2="{width - pad_side}" '
        f'y2="{pad_top + inner_h}"/>',
    ]
    for index, bar in enumerate(bars):
        h = round(inner_h * max(bar.value, 0) / top, 2)
        x = round(pad_side + index * slot + (slot - bar_w) / 2, 2)
        y = round(pad_top + inner_h - h, 2)
        parts.append(f'<g class="chart__bar"><title>{escape(bar.label)}: {escape(bar.display)}</title>'
                     f'<rect x="{x}" y="{y}" width="{round(bar_w, 2)}" height="{h}" rx="2"/></g>')
        if index % label_every == 0:
            parts.append(f'<text class="chart__label" x="{round(x + bar_w / 2, 2)}" y="{height - 10}" '
                         f'text-anchor="middle">{escape(bar.label)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
