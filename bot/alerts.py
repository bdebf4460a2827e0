"""The alert engine: does a new figure change the picture of a place?

A figure is compared only with figures it can be compared with:

- a running count from the same start ("since December 12" beside "since
  December 12", or "over the past two weeks" ending today beside "since" the
  same day) is a series, and a higher value is a rise;
- windows of about the same length ("this week" beside "last week") compare
  directly;
- figures with no period compare with other figures with no period.

Anything else "does not compare", and an alert says so instead of claiming a
rise. The same figure (within a tolerance) from another outlet soon after is
corroboration: it adds "also reported by" to the alert already made, and a
wire story carried by several outlets counts as one source. A lower figure for
the same period is a contradiction: it never lowers the belief, and both are
shown. An article older than what is already known is judged as of its
publication date and, being old news, never alerts.

`evaluate` is a pure function of a report, the place's history and the rules,
so live delivery and `dwatch replay` give the same answers; `crosses` is the
threshold rule that subscribers' own thresholds go through too.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta

from bot.config import AlertsConfig

SAME_START_DAYS = 2  # "since 12 December" and "over the past two weeks" from 13 December: one series
SIMILAR_LENGTH = 1.5  # windows whose lengths differ by less than this factor compare


@dataclass(frozen=True, slots=True)
class Rules:
    """Thresholds for one place (the defaults merged with the place's own)."""

    floor: Mapping[str, int]
    relative_step: float
    absolute_step: Mapping[str, int]
    highest_in_days: int = 0

    @classmethod
    def from_config(cls, alerts: AlertsConfig, place: str | None = None) -> Rules:
        rules = cls(alerts.floor.as_dict(), alerts.relative_step, alerts.absolute_step.as_dict(),
                    alerts.highest_in_days)
        own = alerts.places.get(place) if place else None
        if own is None:
            return rules
        return cls(own.floor.as_dict() if own.floor else rules.floor,
                   own.relative_step if own.relative_step is not None else rules.relative_step,
                   own.absolute_step.as_dict() if own.absolute_step else rules.absolute_step,
                   own.highest_in_days if own.highest_in_days is not None else rules.highest_in_days)


@dataclass(frozen=True, slots=True)
class Settings:
    """How repeats, corroboration and old news are told apart."""

    tolerance: float = 0.02
    corroboration: timedelta = timedelta(hours=72)
    stale: timedelta = timedelta(days=7)

    @classmethod
    def from_config(cls, alerts: AlertsConfig) -> Settings:
        return cls(alerts.tolerance, timedelta(hours=alerts.corroboration_hours), timedelta(days=alerts.stale_days))


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
    article_id: int | None = None
    wire_of: int | None = None  # the article this one is a copy of (same wire story), if any
    place_id: str | None = None


@dataclass(frozen=True, slots=True)
class Evaluation:
    """What one report means for its place.

    kind: first | rise | highest | corroboration | contradiction | superseded | late | below | none.
    alert: whether it makes a new alert. previous: the figure it was compared with.
    """

    kind: str
    alert: bool
    reason: str
    previous: StoredReport | None = None
    matched: StoredReport | None = None  # for corroboration / contradiction: the figure it agrees with
    note: str | None = None  # said in the alert (e.g. why an earlier figure does not compare)
    becomes_belief: bool = False


@dataclass(frozen=True, slots=True)
class Corroboration:
    outlet: str | None
    source: str | None
    link: str | None
    published: datetime | None
    value: int
    same_wire: bool
    contradiction: bool = False


@dataclass(frozen=True, slots=True)
class Alert:
    fingerprint: str
    report: StoredReport
    previous: StoredReport | None
    kind: str
    level: str
    message: str
    note: str | None = None
    corroborations: tuple[Corroboration, ...] = field(default=())


def eligible(report: StoredReport) -> bool:
    """Only new, exact figures tied to a known place can alert or become a belief."""
    return report.status == "new" and not report.vague and report.place is not None and report.value > 0


def crosses(value: int, previous: int | None, metric: str, rules: Rules) -> bool:
    """The threshold rule: a first figure at the floor, or a rise by both steps."""
    if previous is None:
        return value >= rules.floor.get(metric, 0)
    rise = value - previous
    return rise > 0 and rise >= rules.absolute_step.get(metric, 0) and value >= previous * (1 + rules.relative_step)


# --- periods ---------------------------------------------------------------------------------------


def _published_day(report: StoredReport) -> date | None:
    return report.published.date() if report.published else None


def span(report: StoredReport) -> tuple[date | None, date | None]:
    """The days a figure covers: a cumulative figure runs from its start to its publication."""
    end = report.period_end or _published_day(report)
    if report.period_kind == "cumulative":
        return report.period_start, end
    if report.period_kind in ("window", "day"):
        return report.period_start, end
    return None, end


def describe_span(report: StoredReport) -> str:
    if report.period_kind == "cumulative" and report.period_start:
        return f"since {_day(report.period_start)}"
    if report.period_kind in ("window", "day") and report.period_start:
        start, end = span(report)
        return f"on {_day(start)}" if start == end else f"{_day(start)} – {_day(end)}"
    return "period not given"


def comparable(a: StoredReport, b: StoredReport) -> bool:
    """Can b be read as a change from a? (A running count from one start, or windows of one length.)"""
    a_start, a_end = span(a)
    b_start, b_end = span(b)
    if a.period_kind is None and b.period_kind is None:
        return True
    if a.period_kind is None or b.period_kind is None or a_start is None or b_start is None:
        return False
    if abs((a_start - b_start).days) <= SAME_START_DAYS:
        return True
    if a.period_kind in ("window", "day") and b.period_kind in ("window", "day") and a_end and b_end:
        a_len, b_len = (a_end - a_start).days + 1, (b_end - b_start).days + 1
        return max(a_len, b_len) / max(1, min(a_len, b_len)) < SIMILAR_LENGTH or abs(a_len - b_len) <= 1
    return False


def same_period(a: StoredReport, b: StoredReport) -> bool:
    a_end, b_end = span(a)[1], span(b)[1]
    if a_end is None or b_end is None:
        return False
    return comparable(a, b) and abs((a_end - b_end).days) <= 1


# --- the rule --------------------------------------------------------------------------------------


def _order(report: StoredReport) -> tuple[datetime, int]:
    return report.published or datetime.min.replace(tzinfo=UTC), report.id


def _close(a: int, b: int, tolerance: float) -> bool:
    return abs(a - b) <= tolerance * max(a, b)


def evaluate(report: StoredReport, history: Iterable[StoredReport], rules: Rules, settings: Settings,
             *, newest_known: datetime | None = None) -> Evaluation:
    """What a report means, given every other eligible report for its place and metric."""
    if not eligible(report):
        return Evaluation("none", False, f"not a new exact figure ({report.status})")
    others = [h for h in history if h.id != report.id and (report.article_id is None
                                                         or h.article_id != report.article_id)]
    earlier = [h for h in others if _order(h) < _order(report)]
    later = [h for h in others if _order(h) > _order(report)]
    when = report.published or datetime.now(UTC)

    # The same figure again, from another outlet, soon after: corroboration, not news.
    for h in sorted(earlier, key=_order):
        if (comparable(h, report) and _close(h.value, report.value, settings.tolerance)
                and when - (h.published or when) <= settings.corroboration):
            return Evaluation("corroboration", False, "the same figure was reported already", matched=h)

    if newest_known and report.published and newest_known - report.published > settings.stale:
        return Evaluation("late", False, f"published {(newest_known - report.published).days} days before the "
                          "newest known article: history, not news")
    if any(comparable(h, report) and h.value >= report.value for h in later):
        return Evaluation("superseded", False, "a later report already gave this figure or more")

    series = [h for h in earlier if comparable(h, report)]
    if not series:
        note = None
        unlike = [h for h in earlier if not comparable(h, report)]
        if unlike:
            last = _current(unlike)
            note = (f"Does not compare with the earlier {last.value:,} ({describe_span(last)}, "
                    f"{_day(last.published)}): a different period.")
        if crosses(report.value, None, report.metric, rules):
            return Evaluation("first", True, "first figure of its kind at or above the floor", note=note,
                              becomes_belief=True)
        return Evaluation("below", False, "first figure below the floor", note=note, becomes_belief=True)

    current = _current(series)
    if report.value < current.value and same_period(current, report):
        return Evaluation("contradiction", False, "lower than the figure already given for the same period",
                          previous=current, matched=current)
    if report.value <= current.value * (1 + settings.tolerance):
        return Evaluation("none", False, "not above the current figure", previous=current)
    if crosses(report.value, current.value, report.metric, rules):
        return Evaluation("rise", True, "rise beyond both steps", previous=current, becomes_belief=True)
    if rules.highest_in_days > 0:
        window_start = when - timedelta(days=rules.highest_in_days)
        recent = [h.value for h in earlier if (h.published or when) >= window_start]
        if recent and report.value > max(recent) and report.value >= rules.floor.get(report.metric, 0):
            return Evaluation("highest", True, f"highest in {rules.highest_in_days} days", previous=current,
                              becomes_belief=True)
    return Evaluation("none", False, "rise within the steps", previous=current, becomes_belief=True)


def _current(figures: list[StoredReport]) -> StoredReport:
    """The belief among figures: the highest for the latest period (the first outlet to give it)."""
    floor = date.min + timedelta(days=1)  # undated figures sort first, without overflowing
    latest_end = max(span(h)[1] or floor for h in figures)
    latest = [h for h in figures if (span(h)[1] or floor) >= latest_end - timedelta(days=1)]
    return min(latest, key=lambda h: (-h.value, _order(h)))


def fingerprint(report: StoredReport) -> str:
    """One piece of news: a figure for a place, metric and period start, whoever carries it."""
    start, _ = span(report)
    raw = f"{report.place}|{report.metric}|{report.value}|{report.period_kind}|{start}"
    return hashlib.sha1(raw.encode()).hexdigest()


def level(report: StoredReport, previous: StoredReport | None, history: Iterable[StoredReport],
          rules: Rules) -> str:
    """notice / warning / critical: how large the figure is against the floor and the place's history."""
    floor = max(1, rules.floor.get(report.metric, 1))
    peak = max((h.value for h in history if h.id != report.id), default=0)
    if previous is not None and previous.value:
        change = report.value / previous.value
        score = max(change, report.value / peak if peak else change)
        return "critical" if score >= 2 else "warning" if score >= 1.5 else "notice"
    ratio = report.value / floor
    return "critical" if ratio >= 50 else "warning" if ratio >= 5 else "notice"


# --- words -----------------------------------------------------------------------------------------


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
        text = f"{report.period_text[0].lower()}{report.period_text[1:]} " if report.period_text else ""
        return f"{text}({_day(report.period_start)} – {_day(report.period_end)})"
    if report.period_kind == "day" and report.period_start:
        return f"on {_day(report.period_start)}"
    return ""


def compose(alert: Alert, rules: Rules) -> str:
    """A plain-text alert a person can check: figure, change, period, sources, sentence, link."""
    report, previous = alert.report, alert.previous
    period = describe_period(report)
    lines = [f"{report.place} — {report.metric}: {describe_value(report)}{(' ' + period) if period else ''}"]
    if previous is None:
        lines.append(f"First figure of its kind for {report.place} (alert floor "
                     f"{rules.floor.get(report.metric, 0):,}).")
    else:
        change = report.value - previous.value
        pct = change / previous.value * 100 if previous.value else 0
        by = f", {previous.source or 'unattributed'} via {previous.outlet}" if previous.outlet else ""
        why = " — the highest in a while" if alert.kind == "highest" else ""
        lines.append(f"Up from {previous.value:,} ({describe_span(previous)}; reported {_day(previous.published)}"
                     f"{by}): +{change:,} (+{pct:.0f}%){why}.")
    if alert.note:
        lines.append(alert.note)
    via = f", via {report.outlet}" if report.outlet else ""
    lines.append(f"Source: {report.source or 'unattributed'}{via} · published {_day(report.published)}")
    agreeing = [c for c in alert.corroborations if not c.contradiction]
    if agreeing:
        names = []
        for c in agreeing:
            name = c.outlet or c.source or "another outlet"
            names.append(f"{name} (same wire story)" if c.same_wire else name)
        lines.append("Also reported by: " + ", ".join(dict.fromkeys(names)) + ".")
    disagreeing = [c for c in alert.corroborations if c.contradiction]
    if disagreeing:
        values = [report.value, *(c.value for c in disagreeing)]
        others = ", ".join(f"{c.value:,} ({c.source or c.outlet or 'another source'})" for c in disagreeing)
        lines.append(f"Other sources give lower figures for the same period: {others}; range "
                     f"{min(values):,}–{max(values):,}.")
    if report.quote:
        quote = report.quote if len(report.quote) <= 300 else report.quote[:297] + "…"
        lines.append(f"“{quote}”")
    if report.link:
        lines.append(report.link)
    return "\n".join(lines)


def build_alert(report: StoredReport, evaluation: Evaluation, history: Iterable[StoredReport],
                rules: Rules) -> Alert:
    history = list(history)
    alert = Alert(fingerprint(report), report, evaluation.previous, evaluation.kind,
                  level(report, evaluation.previous, history, rules), "", evaluation.note)
    return replace(alert, message=compose(alert, rules))


def with_corroboration(alert: Alert, extra: Corroboration, rules: Rules) -> Alert:
    """The alert again, saying that one more outlet carried (or disputed) its figure."""
    updated = replace(alert, corroborations=(*alert.corroborations, extra))
    return replace(updated, message=compose(updated, rules))


def corroboration_of(report: StoredReport, matched: StoredReport, *, contradiction: bool = False) -> Corroboration:
    same_wire = (report.wire_of is not None and report.wire_of in (matched.article_id, matched.wire_of)) \
        or (matched.wire_of is not None and matched.wire_of == report.article_id)
    return Corroboration(report.outlet, report.source, report.link, report.published, report.value, same_wire,
                         contradiction)
