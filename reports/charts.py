"""Geometry of the stacked bar charts on the dashboards; the template draws it as SVG."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from strategy.models import Status

if TYPE_CHECKING:
    from .progress import Tally

# Order of the statuses in tables and stacked bars: finished work first, work not begun last.
STATUS_ORDER: tuple[str, ...] = (Status.DONE, Status.ON_TRACK, Status.AT_RISK, Status.DELAYED, Status.NOT_STARTED)
STATUS_LABELS: dict[str, str] = {value: str(Status(value).label) for value in STATUS_ORDER}


@dataclass
class Segment:
    status: str
    label: str
    count: int
    x: float
    width: float
    show_count: bool

    @property
    def text_x(self) -> float:
        return round(self.x + self.width / 2, 2)


@dataclass
class ChartRow:
    label: str
    total: int
    y: int
    segments: list[Segment]

    @property
    def label_y(self) -> int:
        return self.y - 7

    @property
    def text_y(self) -> int:
        return self.y + 18


@dataclass
class LegendEntry:
    status: str
    label: str
    x: int
    y: int


@dataclass
class StatusChart:
    """A horizontal stacked bar per tally, 100% wide: the share of each status, drawn as SVG."""

    id: str
    title: str
    desc: str
    rows: list[ChartRow]
    legend: list[LegendEntry]
    height: int
    width: int = 520
    bar_width: int = 520
    bar_height: int = 26


def status_chart(chart_id: str, title: str, tallies: list[Tally]) -> StatusChart:
    """Geometry of a stacked bar chart; the template draws it, patterns tell the statuses apart."""
    # 520 units wide: text stays legible when a phone scales the drawing down.
    bar_width, bar_height, label_height, gap = 520, 26, 22, 14
    rows: list[ChartRow] = []
    y = 0
    for tally in tallies:
        segments: list[Segment] = []
        x = 0.0
        for entry in tally.statuses:
            if not entry.count:
                continue
            width = bar_width * entry.count / tally.total
            segments.append(Segment(entry.status, entry.label, entry.count, round(x, 2), round(width, 2), width >= 26))
            x += width
        rows.append(ChartRow(label=tally.label, total=tally.total, y=y + label_height, segments=segments))
        y += label_height + bar_height + gap
    legend: list[LegendEntry] = []
    legend_x, legend_y = 0, y + 6
    for status in STATUS_ORDER:
        label = STATUS_LABELS[status]
        entry_width = 36 + 8 * len(label)  # swatch, gap and a generous estimate of the text
        if legend_x and legend_x + entry_width > bar_width:
            legend_x, legend_y = 0, legend_y + 22
        legend.append(LegendEntry(status, label, legend_x, legend_y))
        legend_x += entry_width
    parts = [
        f"{t.label}: {t.total} acties, "
        + ", ".join(f"{e.count} {e.label}" for e in t.statuses if e.count)
        + (f"; {t.done_label} afgerond" if t.total else "")
        for t in tallies
    ]
    return StatusChart(
        id=chart_id,
        title=title,
        desc=". ".join(parts) + ".",
        rows=rows,
        legend=legend,
        height=legend_y + 24,
        bar_width=bar_width,
        bar_height=bar_height,
    )
