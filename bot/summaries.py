"""Summaries of a place: the latest figure of each metric, its change over a period, and who reported it.

Used by /summary on Telegram and by `dwatch summary`. Times are judged
against the newest report known, so a summary of an archive (or the demo)
reads the same as one of today's news.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.alerts import StoredReport, comparable, describe_span
from bot.audience import place_chain
from bot.store import Store
from extractors import Gazetteer, Place
from extractors.report import METRICS


@dataclass(frozen=True, slots=True)
class MetricSummary:
    metric: str
    latest: StoredReport
    earliest_in_period: StoredReport | None  # the comparable figure at the start of the period
    sources: tuple[str, ...]


def _places_inside(store: Store, gazetteer: Gazetteer, place: Place) -> list[str]:
    """Names of the place and of every place with a report that lies inside it."""
    names = {place.name}
    for name, place_id in store.conn.execute("SELECT DISTINCT place, place_id FROM reports WHERE place IS NOT NULL"):
        if place.id in place_chain(gazetteer, place_id):
            names.add(name)
    return sorted(names)


def place_reports(store: Store, gazetteer: Gazetteer, place: Place, days: int,
                  now: datetime | None = None) -> list[StoredReport]:
    """New, exact figures for the place and the places inside it in the last `days` (before the newest)."""
    names = _places_inside(store, gazetteer, place)
    reports = [r for r in store.recent_reports(limit=5000, place_names=names) if r.published]
    if not reports:
        return []
    now = now or max(r.published for r in reports if r.published)
    since = now - timedelta(days=days)
    return [r for r in reports if r.published and since <= r.published <= now]


def summary_chart(store: Store, gazetteer: Gazetteer, place: Place, days: int, floors: dict[str, int]) -> bytes | None:
    """The place's trend chart as PNG, or None when it has no figures in the period."""
    from bot.charts import place_chart

    reports = place_reports(store, gazetteer, place, days)
    own = [r for r in reports if r.place == place.name] or reports
    return place_chart(place.name, own, floors, title_days=days) if own else None


def metric_summaries(store: Store, gazetteer: Gazetteer, place: Place, days: int,
                     now: datetime | None = None) -> list[MetricSummary]:
    reports = place_reports(store, gazetteer, place, days, now)
    if not reports:
        return []
    now = now or max(r.published for r in reports if r.published)
    since = now - timedelta(days=days)
    found = []
    for metric in METRICS:
        in_period = [r for r in reports if r.metric == metric and r.published and since <= r.published <= now]
        if not in_period:
            continue
        own = [r for r in in_period if r.place == place.name] or in_period
        latest = max(own, key=lambda r: (r.published, r.value))
        series = sorted((r for r in own if comparable(r, latest) and r.id != latest.id and r.value < latest.value),
                        key=lambda r: r.published or now)
        ordered = sorted(in_period, key=lambda r: r.published or now)
        sources = tuple(dict.fromkeys(f"{r.source or 'unattributed'} ({r.outlet})" if r.outlet else
                                      (r.source or "unattributed") for r in ordered))
        found.append(MetricSummary(metric, latest, series[0] if series else None, sources[:4]))
    return found


def summary_text(store: Store, gazetteer: Gazetteer, place: Place, days: int = 7) -> str:
    """Three lines a person would forward: each metric's latest figure, its change, its sources."""
    items = metric_summaries(store, gazetteer, place, days)
    if not items:
        return f"{place.name}: no figures reported in the last {days} days."
    lines = [f"{place.name}, last {days} days:"]
    for item in items:
        r = item.latest
        qualifier = f"{r.qualifier} " if r.qualifier and r.qualifier != "total" else ""
        where = f" in {r.place}" if r.place != place.name else ""
        change = ""
        if item.earliest_in_period:
            first = item.earliest_in_period
            change = f", up from {first.value:,} on {first.published:%d %b}" if first.published else ""
        lines.append(f"• {r.metric}: {qualifier}{r.value:,}{where} ({describe_span(r)}){change} — "
                     f"{'; '.join(item.sources)}")
    return "\n".join(lines)
