"""Charts as inline SVG, drawn on the server: no JavaScript, so they print into the PDF too.

Every chart has a <title> and a text alternative (``aria-label``); values are also in the
tables next to the charts, so nothing is only in a picture.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

Number = float | int | Decimal

INK = "#1f2933"
MUTED = "#52606d"  # 5.9:1 on the page background (WCAG AA for small text)
GRID = "#d9e2ec"
GOOD = "#2f855a"
BAD = "#c53030"
MAIN = "#2b6cb0"
# Noto Sans CJK SC draws the Chinese labels (fonts-noto-cjk; docs/i18n.md).
FONT = 'font-family="DejaVu Sans, Noto Sans CJK SC, Helvetica, Arial, sans-serif"'


@dataclass(frozen=True)
class Point:
    label: str
    value: Number | None  # None: no data (a gap)


def _num(value: Number) -> str:
    return f"{float(value):.1f}"


def _svg(width: int, height: int, title: str, body: list[str]) -> SafeString:
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="{escape(title)}">'
        f"<title>{escape(title)}</title>"
    )
    # Every piece of text in ``body`` went through escape() above.
    return mark_safe(head + "".join(body) + "</svg>")


def line_chart(
    points: Sequence[Point],
    *,
    title: str,
    y_min: Number,
    y_max: Number,
    target: Number | None = None,
    unit: str = "%",
    width: int = 440,
    height: int = 200,
) -> SafeString:
    """A line over labelled points (gaps where the value is None), with an optional target."""
    left, right, top, bottom = 44, 12, 14, 34
    plot_w, plot_h = width - left - right, height - top - bottom
    lo, hi = float(y_min), float(y_max)
    span = hi - lo or 1.0

    def x(i: int) -> float:
        return left + (plot_w * i / max(1, len(points) - 1))

    def y(v: Number) -> float:
        clipped = min(max(float(v), lo), hi)
        return top + plot_h * (1 - (clipped - lo) / span)

    body = []
    for k in range(5):
        value = lo + span * k / 4
        yy = y(value)
        body.append(
            f'<line x1="{left}" x2="{width - right}" y1="{yy:.1f}" y2="{yy:.1f}" stroke="{GRID}"/>'
            f'<text x="{left - 4}" y="{yy + 4:.1f}" text-anchor="end" font-size="10" '
            f'fill="{MUTED}" {FONT}>{value:g}{escape(unit)}</text>'
        )
    if target is not None:
        ty = y(target)
        body.append(
            f'<line x1="{left}" x2="{width - right}" y1="{ty:.1f}" y2="{ty:.1f}" '
            f'stroke="{BAD}" stroke-dasharray="4 3"/>'
        )
    run: list[str] = []
    for i, p in enumerate(points):
        if p.value is None:
            if len(run) > 1:
                body.append(_polyline(run))
            run = []
            continue
        run.append(f"{x(i):.1f},{y(p.value):.1f}")
        body.append(
            f'<circle cx="{x(i):.1f}" cy="{y(p.value):.1f}" r="3" fill="{MAIN}">'
            f"<title>{escape(p.label)}: {_num(p.value)}{escape(unit)}</title></circle>"
        )
    if len(run) > 1:
        body.append(_polyline(run))
    for i, p in enumerate(points):
        body.append(
            f'<text x="{x(i):.1f}" y="{height - bottom + 16}" text-anchor="middle" '
            f'font-size="9" fill="{MUTED}" {FONT}>{escape(p.label)}</text>'
        )
    return _svg(width, height, title, body)


def _polyline(coords: list[str]) -> str:
    return f'<polyline fill="none" stroke="{MAIN}" stroke-width="2" points="{" ".join(coords)}"/>'


def bar_chart(
    points: Sequence[Point],
    *,
    title: str,
    y_min: Number = 0,
    y_max: Number | None = None,
    target: Number | None = None,
    unit: str = "",
    width: int = 440,
    height: int = 200,
    colour_below_target: bool = False,
) -> SafeString:
    """Vertical bars from ``y_min`` (a raised baseline shows 99.9 vs 99.95 %); with
    ``colour_below_target`` a bar under the target is drawn red."""
    left, right, top, bottom = 52, 12, 14, 34
    plot_w, plot_h = width - left - right, height - top - bottom
    values = [float(p.value) for p in points if p.value is not None]
    lo = float(y_min)
    hi = float(y_max) if y_max is not None else max([*values, lo + 1.0])
    span = (hi - lo) or 1.0
    slot = plot_w / max(1, len(points))
    bar_w = min(48.0, max(4.0, slot * 0.6))

    def height_of(v: Number) -> float:
        return plot_h * (min(max(float(v), lo), hi) - lo) / span

    body = []
    for k in range(5):
        value = lo + span * k / 4
        yy = top + plot_h * (1 - k / 4)
        body.append(
            f'<line x1="{left}" x2="{width - right}" y1="{yy:.1f}" y2="{yy:.1f}" stroke="{GRID}"/>'
            f'<text x="{left - 4}" y="{yy + 4:.1f}" text-anchor="end" font-size="10" '
            f'fill="{MUTED}" {FONT}>{value:g}{escape(unit)}</text>'
        )
    for i, p in enumerate(points):
        cx = left + slot * i + slot / 2
        if p.value is not None:
            h = height_of(p.value)
            below = target is not None and float(p.value) < float(target)
            fill = BAD if colour_below_target and below else MAIN
            body.append(
                f'<rect x="{cx - bar_w / 2:.1f}" y="{top + plot_h - h:.1f}" width="{bar_w:.1f}" '
                f'height="{h:.1f}" fill="{fill}"><title>{escape(p.label)}: '
                f"{_num(p.value)}{escape(unit)}</title></rect>"
            )
        body.append(
            f'<text x="{cx:.1f}" y="{height - bottom + 16}" text-anchor="middle" font-size="9" '
            f'fill="{MUTED}" {FONT}>{escape(_short(p.label))}</text>'
        )
    if target is not None:
        ty = top + plot_h - height_of(target)
        body.append(
            f'<line x1="{left}" x2="{width - right}" y1="{ty:.1f}" y2="{ty:.1f}" '
            f'stroke="{BAD}" stroke-dasharray="4 3"/>'
        )
    return _svg(width, height, title, body)


def stacked_bars(
    groups: Sequence[str],
    series: Sequence[tuple[str, str, Sequence[int]]],
    *,
    title: str,
    width: int = 440,
    height: int = 220,
) -> SafeString:
    """Counts per group, stacked by series (name, colour, one count per group), with a legend.

    The legend names every series and wraps onto more rows instead of running off the
    drawing (four metric names do not fit on one 440-unit row); the plot moves down.
    """
    left, right, bottom = 44, 12, 34
    legend = _legend([(name, colour) for name, colour, _ in series], left, width - right)
    extra = LEGEND_ROW * max((row for row, _, _, _ in legend), default=0)
    top, total_height = 28 + extra, height + extra
    plot_w, plot_h = width - left - right, height - 28 - bottom
    totals = [sum(s[2][i] for s in series) for i in range(len(groups))]
    hi = max([*totals, 1])
    slot = plot_w / max(1, len(groups))
    bar_w = min(48.0, max(6.0, slot * 0.6))
    body = []
    for k in range(5):
        yy = top + plot_h * (1 - k / 4)
        body.append(
            f'<line x1="{left}" x2="{width - right}" y1="{yy:.1f}" y2="{yy:.1f}" stroke="{GRID}"/>'
            f'<text x="{left - 4}" y="{yy + 4:.1f}" text-anchor="end" font-size="10" '
            f'fill="{MUTED}" {FONT}>{hi * k / 4:g}</text>'
        )
    for i, group in enumerate(groups):
        cx = left + slot * i + slot / 2
        base: float = top + plot_h
        for name, colour, counts in series:
            h = plot_h * counts[i] / hi
            if counts[i]:
                body.append(
                    f'<rect x="{cx - bar_w / 2:.1f}" y="{base - h:.1f}" width="{bar_w:.1f}" '
                    f'height="{h:.1f}" fill="{colour}"><title>{escape(group)} {escape(name)}: '
                    f"{counts[i]}</title></rect>"
                )
            base -= h
        body.append(
            f'<text x="{cx:.1f}" y="{total_height - bottom + 16}" text-anchor="middle" '
            f'font-size="9" fill="{MUTED}" {FONT}>{escape(_short(group))}</text>'
        )
    for row, x, name, colour in legend:
        y = 6 + LEGEND_ROW * row
        body.append(
            f'<rect x="{x}" y="{y}" width="10" height="10" fill="{colour}"/>'
            f'<text x="{x + 14}" y="{y + 9}" font-size="10" fill="{INK}" {FONT}>{escape(name)}</text>'
        )
    return _svg(width, total_height, title, body)


LEGEND_ROW = 14


def _legend(
    items: Sequence[tuple[str, str]], left: int, right: int
) -> list[tuple[int, int, str, str]]:
    """(row, x, name, colour) per legend item: left to right, a new row when one is full
    (a name is estimated at 6 units a character at font size 10)."""
    placed, row, x = [], 0, left
    for name, colour in items:
        item = 14 + 6 * len(name)
        if x > left and x + item > right:
            row, x = row + 1, left
        placed.append((row, x, name, colour))
        x += item + 12
    return placed


def _short(label: str, limit: int = 14) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


SERIES_COLOURS = ("#2b6cb0", "#dd6b20", "#805ad5", "#319795")
