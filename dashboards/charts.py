"""Server-rendered SVG charts: geometry computed here, drawn by templates/dashboards/_*.svg.html.

No JavaScript, no chart library. Every chart has a title and a description, writes its values
as text, and uses colour-blind-safe colours (ColorBrewer YlGnBu for the sequential heat map, Okabe & Ito for
categories) with a second cue (text, hatching, marker shape) so that colour is never the only one.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass

# ColorBrewer YlGnBu (colour-blind safe), 5 classes light to dark; the text colour of each class
# keeps a contrast of at least 4.5:1 on it.
HEAT_FILLS = ("#ffffcc", "#a1dab4", "#41b6c4", "#225ea8", "#0c2c84")
HEAT_TEXT = ("#1f2328", "#1f2328", "#1f2328", "#ffffff", "#ffffff")
HEAT_BINS = ("0 %", "1–25 %", "26–50 %", "51–75 %", "76–100 %")
NO_DATA_FILL = "#f2f2f2"
# Okabe & Ito (2008).
BLUE, ORANGE, GREEN, PURPLE = "#0072B2", "#D55E00", "#009E73", "#CC79A7"
INK, GRID = "#1f2328", "#d0d4d9"
FONT = 11


@dataclass(frozen=True)
class Text:
    x: float
    y: float
    text: str
    anchor: str = "middle"
    fill: str = INK
    size: int = FONT
    weight: str = "normal"


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    w: float
    h: float
    fill: str
    title: str = ""
    hatch: bool = False

    @property
    def right(self) -> float:
        return self.x + self.w

    @property
    def bottom(self) -> float:
        return self.y + self.h


@dataclass(frozen=True)
class HeatInput:
    """One cell: ``value`` in [0, 1] or ``None`` (no data), the text written in it, its tooltip."""

    value: float | None
    text: str
    title: str


@dataclass(frozen=True)
class HeatMap:
    width: int
    height: int
    title: str
    desc: str
    cells: tuple[tuple[Rect, Text], ...]
    labels: tuple[Text, ...]
    legend: tuple[tuple[Rect, Text], ...]


def heat_class(value: float) -> int:
    """0 for exactly 0, then quarters: (0, .25] -> 1, (.25, .5] -> 2, (.5, .75] -> 3, (.75, 1] -> 4."""
    if value <= 0:
        return 0
    return min(4, max(1, math.ceil(value * 4 - 1e-9)))


def heat_map(
    *,
    rows: Sequence[str],
    columns: Sequence[str],
    column_notes: Sequence[str] = (),
    values: Sequence[Sequence[HeatInput]],
    title: str,
    desc: str,
    cell_w: int = 64,
    cell_h: int = 20,
) -> HeatMap:
    """A rows x columns grid; ``values[r][c]`` is the cell of row ``r`` and column ``c``."""
    left, top = 84, 44
    cells = []
    for r, row in enumerate(values):
        for c, item in enumerate(row):
            x, y = left + c * cell_w, top + r * cell_h
            if item.value is None:
                fill, ink, hatch = NO_DATA_FILL, "#595959", True
            else:
                k = heat_class(item.value)
                fill, ink, hatch = HEAT_FILLS[k], HEAT_TEXT[k], False
            cells.append(
                (
                    Rect(x + 1, y + 1, cell_w - 2, cell_h - 2, fill, item.title, hatch),
                    Text(x + cell_w / 2, y + cell_h / 2 + 4, item.text, fill=ink, size=10),
                )
            )
    labels = [
        Text(left - 6, top + r * cell_h + cell_h / 2 + 4, text, anchor="end") for r, text in enumerate(rows)
    ]
    for c, text in enumerate(columns):
        labels.append(Text(left + c * cell_w + cell_w / 2, top - 22, text, size=10, weight="bold"))
        if c < len(column_notes) and column_notes[c]:
            labels.append(Text(left + c * cell_w + cell_w / 2, top - 8, column_notes[c], size=10))
    grid_bottom = top + len(rows) * cell_h
    legend = []
    legend_y = grid_bottom + 16
    entries = [*zip(HEAT_FILLS, HEAT_BINS, strict=True), (NO_DATA_FILL, "not asked for")]
    for i, (fill, text) in enumerate(entries):
        x = left + i * 92
        legend.append(
            (
                Rect(x, legend_y, 16, 12, fill, hatch=fill == NO_DATA_FILL),
                Text(x + 20, legend_y + 10, text, anchor="start", size=10),
            )
        )
    width = max(left + len(columns) * cell_w + 8, left + len(entries) * 92)
    return HeatMap(
        width=width,
        height=legend_y + 24,
        title=title,
        desc=desc,
        cells=tuple(cells),
        labels=tuple(labels),
        legend=tuple(legend),
    )


# --- line charts --------------------------------------------------------------------------------


def nice_ceiling(value: float) -> tuple[float, float]:
    """A round upper bound >= ``value`` and a tick step that divides it into 4 or 5."""
    if value <= 0:
        return 1.0, 0.25
    raw = value / 4
    magnitude = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 2.5, 5, 10):
        step = factor * magnitude
        if step * 4 >= value:
            return step * math.ceil(value / step), step
    return 10 * magnitude * 4, 10 * magnitude  # pragma: no cover - the loop always returns


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    label: str
    title: str
    shown: bool = True


@dataclass(frozen=True)
class LineChart:
    width: int
    height: int
    title: str
    desc: str
    colour: str
    plot: Rect
    lines: tuple[str, ...]
    points: tuple[Point, ...]
    y_ticks: tuple[tuple[float, str], ...]
    x_labels: tuple[Text, ...]
    markers: tuple[tuple[float, str], ...]
    unit: str


def line_chart(
    *,
    dates: Sequence[dt.date],
    values: Sequence[float | None],
    title: str,
    desc: str,
    unit: str,
    decimals: int = 2,
    colour: str = BLUE,
    markers: Sequence[tuple[dt.date, str]] = (),
    width: int = 400,
    height: int = 210,
) -> LineChart:
    """One series over consecutive dates; ``None`` values leave a gap. Every point is labelled."""
    left, right, top, bottom = 52, 12, 26, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    known = [v for v in values if v is not None]
    ceiling, step = nice_ceiling(max(known) * 1.1 if known else 1.0)
    n = len(dates)

    def x_of(i: int) -> float:
        return round(left + (plot_w * (i + 0.5) / n if n else 0), 1)

    def y_of(v: float) -> float:
        return round(top + plot_h - plot_h * v / ceiling, 1)

    # Every value is written when there is room; on a crowded axis only the ends and extremes.
    present = [i for i, v in enumerate(values) if v is not None]
    written = set(present)
    if n > 10 and present:
        written = {
            present[0],
            present[-1],
            max(present, key=lambda i: values[i]),
            min(present, key=lambda i: values[i]),
        }
    lines, current, points = [], [], []
    for i, (date, value) in enumerate(zip(dates, values, strict=True)):
        if value is None:
            if len(current) > 1:
                lines.append(" ".join(current))
            current = []
            continue
        x, y = x_of(i), y_of(value)
        current.append(f"{x},{y}")
        text = f"{value:.{decimals}f}"
        points.append(Point(x, y, text, f"{date:%a %d %b}: {text} {unit}".strip(), i in written))
    if len(current) > 1:
        lines.append(" ".join(current))
    ticks = []
    tick = 0.0
    while tick <= ceiling + 1e-9:
        ticks.append((y_of(tick), f"{tick:g}"))
        tick += step
    every = max(1, math.ceil(n / 8))
    x_labels = tuple(
        Text(x_of(i), top + plot_h + 14, f"{date:%a}", size=10)
        for i, date in enumerate(dates)
        if i % every == 0
    ) + tuple(
        Text(x_of(i), top + plot_h + 27, f"{date.day} {date:%b}", size=10)
        for i, date in enumerate(dates)
        if i % every == 0
    )
    index = {date: i for i, date in enumerate(dates)}
    marks = tuple((x_of(index[date]), text) for date, text in markers if date in index)
    return LineChart(
        width=width,
        height=height,
        title=title,
        desc=desc,
        colour=colour,
        plot=Rect(left, top, plot_w, plot_h, "none"),
        lines=tuple(lines),
        points=tuple(points),
        y_ticks=tuple(ticks),
        x_labels=x_labels,
        markers=marks,
        unit=unit,
    )


# --- paired bars -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float]
    colour: str
    hatch: bool = False


@dataclass(frozen=True)
class BarChart:
    width: int
    height: int
    title: str
    desc: str
    bars: tuple[tuple[Rect, Text], ...]
    categories: tuple[Text, ...]
    legend: tuple[tuple[Rect, Text], ...]
    axis: tuple[tuple[float, str], ...]
    plot: Rect


def paired_bars(
    *,
    categories: Sequence[str],
    series: Sequence[Series],
    title: str,
    desc: str,
    width: int = 520,
    maximum: float | None = None,
    percent: bool = True,
    decimals: int = 0,
) -> BarChart:
    """Horizontal bars, one group per category, one bar per series, the value written at its end."""
    left, right = 150, 56
    top = 14 + 16 * len(series)  # below the legend, one line a series
    bar_h, gap = 14, 10
    plot_w = width - left - right
    group_h = bar_h * len(series) + gap
    peak = maximum if maximum is not None else max((v for s in series for v in s.values), default=0) or 1.0
    if percent and maximum is None:
        peak = min(1.0, nice_ceiling(peak)[0]) if peak < 1 else peak
    bars = []
    for c in range(len(categories)):
        for k, s in enumerate(series):
            value = s.values[c]
            y = top + c * group_h + k * bar_h
            w = max(0.0, plot_w * value / peak) if peak else 0.0
            text = f"{100 * value:.{decimals}f} %" if percent else f"{value:.{decimals}f}"
            bars.append(
                (
                    Rect(
                        left,
                        y,
                        round(w, 1),
                        bar_h - 2,
                        s.colour,
                        f"{categories[c]}, {s.name}: {text}",
                        s.hatch,
                    ),
                    Text(left + w + 4, y + bar_h - 4, text, anchor="start", size=10),
                )
            )
    cats = tuple(
        Text(left - 8, top + c * group_h + (bar_h * len(series)) / 2 + 4, name, anchor="end")
        for c, name in enumerate(categories)
    )
    plot_h = len(categories) * group_h - gap
    axis = []
    for i in range(5):
        value = peak * i / 4
        axis.append((round(left + plot_w * i / 4, 1), f"{100 * value:.0f} %" if percent else f"{value:g}"))
    legend = tuple(
        (
            Rect(8, 6 + 16 * i, 16, 12, s.colour, hatch=s.hatch),
            Text(30, 16 + 16 * i, s.name, anchor="start", size=11),
        )
        for i, s in enumerate(series)
    )
    return BarChart(
        width=width,
        height=top + plot_h + 26,
        title=title,
        desc=desc,
        bars=tuple(bars),
        categories=cats,
        legend=tuple(legend),
        axis=tuple(axis),
        plot=Rect(left, top, plot_w, plot_h, "none"),
    )
