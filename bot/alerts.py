"""The alert engine: compares each new figure with what the service already believes.

A baseline is the current credible figure for a (place, metric): its value,
date, source and period. A report alerts when it is the first figure for its
place and reaches the floor, or when it exceeds the baseline by at least the
relative *and* the absolute step. Only new figures count: projections,
returns, standing populations and vague amounts ("thousands") never alert or
move a baseline. The same figure for the same place alerts once, however many
outlets carry it (the alert's fingerprint is unique in the store).

`crosses` is the one rule; subscribers' own thresholds go through it too.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

from bot.config import AlertsConfig

METRIC_WORDS = {"displaced": "displaced", "killed": "killed", "injured": "injured", "strikes": "strikes"}


@dataclass(frozen=True, slots=True)
class Thresholds:
    floor: Mapping[str, int]
    relative_step: float
    absolute_step: Mapping[str, int]

    @classmethod
    def from_config(cls, alerts: AlertsConfig) -> Thresholds:
        return cls(alerts.floor.as_dict(), alerts.relative_step, alerts.absolute_step.as_dict())


@dataclass(frozen=True, slots=True)
class StoredReport:
    """A report as the store holds it: the extractor's Report plus where and when it was published."""

    id: int
    metric: str
    value: int
    unit: str | None
    qualifier: str | None
    vague: bool
    low: int | None
    high: int | None
    status: str
    place: str | None
    period_kind: str | None
    period_start: date | None
    period_end: date | None
    period_text: str | None
    source: str | None
    quote: str
    outlet: str | None
    link: str | None
    published: datetime | None


@dataclass(frozen=True, slots=True)
class Baseline:
    place: str
    metric: str
    value: int
    qualifier: str | None
    report_id: int | None
    published: datetime | None
    source: str | None
    outlet: str | None
    period_kind: str | None


@dataclass(frozen=True, slots=True)
class Decision:
    """What to do with one report: alert (and why), and whether it becomes the baseline."""

    alert: bool
    kind: str | None  # "first" | "rise"
    update_baseline: bool
    reason: str


@dataclass(frozen=True, slots=True)
class Alert:
    fingerprint: str
    report: StoredReport
    previous: Baseline | None
    kind: str
    level: str
    message: str


def eligible(report: StoredReport) -> bool:
    """Only new, exact figures tied to a known place can alert or become a baseline."""
    return report.status == "new" and not report.vague and report.place is not None and report.value > 0


def crosses(value: int, previous: int | None, metric: str, thresholds: Thresholds) -> bool:
    """The threshold rule: a first figure at the floor, or a rise by both steps."""
    if previous is None:
        return value >= thresholds.floor.get(metric, 0)
    rise = value - previous
    return rise >= thresholds.absolute_step.get(metric, 0) and value >= previous * (1 + thresholds.relative_step) \
        and rise > 0


def decide(report: StoredReport, baseline: Baseline | None, thresholds: Thresholds) -> Decision:
    if not eligible(report):
        return Decision(False, None, False, f"not eligible ({report.status}, vague={report.vague})")
    if baseline is None:
        if crosses(report.value, None, report.metric, thresholds):
            return Decision(True, "first", True, "first figure at or above the floor")
        return Decision(False, None, True, "first figure below the floor")
    if report.value <= baseline.value:
        return Decision(False, None, False, "not above the baseline")
    if crosses(report.value, baseline.value, report.metric, thresholds):
        return Decision(True, "rise", True, "rise beyond both steps")
    return Decision(False, None, True, "rise within the steps")


def fingerprint(report: StoredReport) -> str:
    """One piece of news: the same figure for the same place and metric, whoever carries it."""
    raw = f"{report.place}|{report.metric}|{report.value}"
    return hashlib.sha1(raw.encode()).hexdigest()


def level(report: StoredReport, previous: Baseline | None, thresholds: Thresholds) -> str:
    """notice / warning / critical, from the size of the figure against the floor or the baseline."""
    if previous is None:
        floor = max(1, thresholds.floor.get(report.metric, 1))
        ratio = report.value / floor
    else:
        ratio = report.value / max(1, previous.value)
        ratio = 1 + (ratio - 1) * 10  # a doubling is as loud as ten times the floor
    if ratio >= 10:
        return "critical"
    if ratio >= 3:
        return "warning"
    return "notice"


def _day(value: date | datetime | None) -> str:
    if value is None:
        return "date unknown"
    return f"{value.day} {value:%b %Y}"


def describe_value(report: StoredReport) -> str:
    amount = f"{report.value:,}"
    if report.low is not None and report.high is not None and report.low != report.high:
        amount = f"between {report.low:,} and {report.high:,}"
    qualifier = f"{report.qualifier} " if report.qualifier and report.qualifier != "total" else ""
    unit = report.unit or ("strikes" if report.metric == "strikes" else "people")
    return f"{qualifier}{amount} {unit}"


def describe_period(report: StoredReport) -> str:
    if report.period_kind == "cumulative" and report.period_start:
        return f"since {_day(report.period_start)}"
    if report.period_kind == "window" and report.period_start and report.period_end:
        text = f" {report.period_text[0].lower()}{report.period_text[1:]}" if report.period_text else ""
        return f"{text.strip()} ({_day(report.period_start)} – {_day(report.period_end)})".strip()
    if report.period_kind == "day" and report.period_start:
        return f"on {_day(report.period_start)}"
    return ""


def compose(report: StoredReport, previous: Baseline | None, kind: str, thresholds: Thresholds) -> str:
    """A plain-text alert a person can check: the figure, the change, the source, the sentence, the link."""
    metric = METRIC_WORDS.get(report.metric, report.metric)
    period = describe_period(report)
    lines = [f"{report.place} — {metric}: {describe_value(report)}{(' ' + period) if period else ''}"]
    if kind == "first" or previous is None:
        lines.append(f"First figure for {report.place} (alert floor {thresholds.floor.get(report.metric, 0):,}).")
    else:
        change = report.value - previous.value
        pct = change / previous.value * 100 if previous.value else 0
        by = f" ({previous.outlet})" if previous.outlet else ""
        lines.append(f"Up from {previous.value:,} reported {_day(previous.published)}{by}: +{change:,} (+{pct:.0f}%).")
    attribution = report.source or "unattributed"
    via = f", via {report.outlet}" if report.outlet else ""
    lines.append(f"Source: {attribution}{via} · published {_day(report.published)}")
    if report.quote:
        quote = report.quote if len(report.quote) <= 300 else report.quote[:297] + "…"
        lines.append(f"“{quote}”")
    if report.link:
        lines.append(report.link)
    return "\n".join(lines)


def build_alert(report: StoredReport, previous: Baseline | None, decision: Decision,
                thresholds: Thresholds) -> Alert:
    kind = decision.kind or "first"
    return Alert(fingerprint(report), report, previous, kind, level(report, previous, thresholds),
                 compose(report, previous, kind, thresholds))
