"""Charts rendered on the server as SVG: the same markup serves web pages and PDF reports.

Every chart is an accessible ``<svg role="img">`` with ``<title>`` and ``<desc>`` (referenced by
``aria-labelledby``), and carries its data as a table (``Chart.table``) that templates render
beside it (``results/_chart.html``), so screen readers and print get the numbers. No JavaScript,
no external fonts or CDN; colours pass 3:1 contrast against white.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from html import escape
from typing import Any

from django.utils.safestring import SafeString, mark_safe

PALETTE = ["#1f5f99", "#2e8540", "#b8860b", "#c0392b", "#7b2d26", "#5b4b8a", "#00727a"]
_ids = itertools.count(1)


@dataclass
class Chart:
    title: str
    desc: str
    svg: SafeString
    headers: list[str]
    rows: list[list[Any]] = field(default_factory=list)

    def __html__(self) -> str:
        return str(self.svg)


def _fmt(value: float) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1
    magnitude = 10 ** (len(str(int(value))) - 1)
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10 * magnitude


def _open(width: int, height: int, title: str, desc: str) -> tuple[str, str]:
    n = next(_ids)
    tid, did = f"chart-{n}-title", f"chart-{n}-desc"
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" class="chart" '
        f'viewBox="0 0 {width} {height}" width="100%" preserveAspectRatio="xMinYMin meet" '
        f'aria-labelledby="{tid} {did}" font-family="sans-serif" font-size="12">'
        f'<title id="{tid}">{escape(title)}</title><desc id="{did}">{escape(desc)}</desc>'
    )
    return head, "</svg>"


def bar_chart(
    *,
    title: str,
    desc: str,
    labels: list[str],
    values: list[float],
    value_labels: list[str] | None = None,
    headers: tuple[str, str] = ("", ""),
    color: str = PALETTE[0],
    width: int = 640,
) -> Chart:
    """Horizontal bars (one per label): distributions, rankings, channel mix."""
    row_h, left, right = 24, 200, 80
    height = max(row_h * len(labels) + 16, 40)
    top = _nice_max(max(values, default=0))
    head, tail = _open(width, height, title, desc)
    parts = [head]
    span = width - left - right
    value_labels = value_labels or [_fmt(v) for v in values]
    for i, (label, value, shown) in enumerate(zip(labels, values, value_labels, strict=True)):
        y = 8 + i * row_h
        w = span * value / top if top else 0
        parts.append(
            f'<text x="{left - 6}" y="{y + 15}" text-anchor="end">{escape(str(label)[:28])}</text>'
            f'<rect x="{left}" y="{y + 3}" width="{w:.1f}" height="{row_h - 8}" fill="{color}"/>'
            f'<text x="{left + w + 4:.1f}" y="{y + 15}">{escape(shown)}</text>'
        )
    parts.append(tail)
    rows = [[label, shown] for label, shown in zip(labels, value_labels, strict=True)]
    return Chart(title, desc, mark_safe("".join(parts)), list(headers), rows)  # noqa: S308


def line_chart(
    *,
    title: str,
    desc: str,
    x_labels: list[str],
    series: list[tuple[str, list[float]]],
    headers_x: str = "",
    width: int = 640,
    height: int = 220,
) -> Chart:
    """One or more lines over the same x axis (trends by day, week, month ...)."""
    left, right, top_pad, bottom = 48, 16, 16, 40
    head, tail = _open(width, height, title, desc)
    parts = [head]
    top = _nice_max(max((v for _, vs in series for v in vs), default=0))
    plot_w, plot_h = width - left - right, height - top_pad - bottom
    n = max(len(x_labels), 1)

    def x(i: int) -> float:
        return left + (plot_w * i / (n - 1) if n > 1 else plot_w / 2)

    def y(v: float) -> float:
        return top_pad + plot_h - plot_h * v / top

    for frac in (0, 0.5, 1):
        gy = y(top * frac)
        parts.append(
            f'<line x1="{left}" x2="{width - right}" y1="{gy:.1f}" y2="{gy:.1f}" stroke="#ccc"/>'
            f'<text x="{left - 4}" y="{gy + 4:.1f}" text-anchor="end">{_fmt(top * frac)}</text>'
        )
    step = max(1, (n + 7) // 8)
    for i, label in enumerate(x_labels):
        if i % step == 0 or i == n - 1:
            parts.append(
                f'<text x="{x(i):.1f}" y="{height - bottom + 16}" text-anchor="middle">'
                f"{escape(label)}</text>"
            )
    for (name, values), color in zip(series, itertools.cycle(PALETTE), strict=False):
        points = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(values))
        parts.append(
            f'<polyline fill="none" stroke="{color}" stroke-width="2" points="{points}">'
            f"<title>{escape(name)}</title></polyline>"
        )
        parts.extend(
            f'<circle cx="{x(i):.1f}" cy="{y(v):.1f}" r="2.5" fill="{color}"/>'
            for i, v in enumerate(values)
        )
    if len(series) > 1:
        for j, ((name, _), color) in enumerate(zip(series, itertools.cycle(PALETTE), strict=False)):
            lx = left + j * 140
            parts.append(
                f'<rect x="{lx}" y="{height - 14}" width="10" height="10" fill="{color}"/>'
                f'<text x="{lx + 14}" y="{height - 5}">{escape(name)}</text>'
            )
    parts.append(tail)
    rows = [[label, *[_fmt(vs[i]) for _, vs in series]] for i, label in enumerate(x_labels)]
    return Chart(
        title,
        desc,
        mark_safe("".join(parts)),  # noqa: S308
        [headers_x, *[name for name, _ in series]],
        rows,
    )
