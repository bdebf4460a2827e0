"""Trend charts of a place: displacement above, deaths and injuries below, each point labelled by its source.

Drawn with matplotlib's Agg backend (no display), sized for a phone screen
(960 × 1,080 pixels, large type), with the alert floors drawn as dashed
lines so a reader sees which figures crossed them. Returned as PNG bytes,
for sendPhoto or a file.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from datetime import datetime

import matplotlib

matplotlib.use("Agg")

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
from matplotlib.ticker import FuncFormatter

from bot.alerts import StoredReport, comparable

COLOURS = {"displaced": "#1f77b4", "killed": "#d62728", "injured": "#ff7f0e", "strikes": "#7f7f7f"}
PANELS = (("displaced",), ("killed", "injured"))


def _short(source: str | None) -> str:
    if not source:
        return "?"
    words = source.split()
    return source if len(source) <= 14 else "".join(w[0] for w in words if w[:1].isupper())[:6] or source[:12]


def _thousands(value: float, _pos: int) -> str:
    return f"{value / 1000:,.0f}k" if value >= 10_000 else f"{value:,.0f}"


def _distinct(points: list[StoredReport]) -> list[StoredReport]:
    """One point per figure and day: copies of a wire story are one point."""
    seen: set[tuple[object, int]] = set()
    kept = []
    for r in points:
        key = (r.published.date() if r.published else None, r.value)
        if key not in seen:
            seen.add(key)
            kept.append(r)
    return kept


def _series(points: list[StoredReport]) -> list[list[StoredReport]]:
    """Points grouped into comparable series, longest first."""
    groups: list[list[StoredReport]] = []
    for r in points:
        for group in groups:
            if comparable(group[-1], r):
                group.append(r)
                break
        else:
            groups.append([r])
    return sorted(groups, key=len, reverse=True)


def place_chart(place: str, reports: Sequence[StoredReport], floors: Mapping[str, int], *,
                title_days: int | None = None) -> bytes:
    """A PNG of the place's figures over time (needs at least one dated report)."""
    dated = [r for r in reports if r.published and r.metric in COLOURS]
    figure, axes = plt.subplots(2, 1, figsize=(8, 9), dpi=120, sharex=True)
    period = f", last {title_days} days" if title_days else ""
    figure.suptitle(f"{place}{period}", fontsize=18, fontweight="bold")
    for axis, metrics in zip(axes, PANELS, strict=True):
        drawn = False
        for metric in metrics:
            points = _distinct(sorted((r for r in dated if r.metric == metric), key=lambda r: (r.published, r.value)))
            if not points:
                continue
            drawn = True
            for number, series in enumerate(_series(points)):
                xs: list[datetime] = [r.published for r in series]  # type: ignore[misc]
                ys = [r.value for r in series]
                # a line only joins figures that compare (one running count, or windows of one length)
                axis.plot(xs, ys, "-o" if len(series) > 1 else "o", color=COLOURS[metric],
                          label=metric if number == 0 else None, markersize=8, linewidth=2,
                          alpha=1.0 if number == 0 else 0.6)
            for r in points[-8:]:  # label the most recent points, so labels stay readable
                axis.annotate(_short(r.source or r.outlet), (r.published, r.value), textcoords="offset points",
                              xytext=(0, 9), ha="center", fontsize=10, color="#333333")
            floor = floors.get(metric)
            if floor:
                axis.axhline(floor, color=COLOURS[metric], linestyle="--", linewidth=1.2, alpha=0.7)
                axis.annotate(f"{metric} alert floor {floor:,}", xy=(0.01, floor), xycoords=("axes fraction", "data"),
                              xytext=(0, 4), textcoords="offset points", fontsize=10, color=COLOURS[metric])
        axis.set_ylabel(" and ".join(metrics), fontsize=13)
        axis.yaxis.set_major_formatter(FuncFormatter(_thousands))
        axis.tick_params(labelsize=11)
        axis.grid(True, alpha=0.3)
        axis.set_ylim(bottom=0)
        if drawn:
            axis.legend(loc="upper left", fontsize=11)
        else:
            axis.text(0.5, 0.5, "no figures in this period", ha="center", va="center", transform=axis.transAxes,
                      fontsize=13, color="#777777")
    axes[-1].xaxis.set_major_formatter(mdates.DateFormatter("%d %b"))
    figure.autofmt_xdate()
    figure.text(0.01, 0.005, "displacement-watch · labels: who gave each figure", fontsize=9, color="#666666")
    figure.tight_layout(rect=(0, 0.02, 1, 0.96))
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    plt.close(figure)
    return buffer.getvalue()
