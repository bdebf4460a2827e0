"""Periods: the stretch of time a figure covers, resolved against the publication date.

A window ("over the past two weeks", "between 12 and 25 December") and a
cumulative figure ("since late April") are told apart, because a baseline
may only compare like with like.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

from extractors.numbers import TENS, UNITS

_MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
_MONTHS.update({name.lower(): i for i, name in enumerate(calendar.month_abbr) if name})
_MONTHS["sept"] = 9
_WEEKDAYS = {name.lower(): i for i, name in enumerate(calendar.day_name)}
_MONTH = r"(?:January|February|March|April|May|June|July|August|September|October|November|December|" \
         r"Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)\.?"
_COUNT = (r"(?:\d+|a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fourteen|fifteen|twenty|"
          r"thirty|few|several)")
_UNIT = r"(?P<unit>day|week|fortnight|month|year|hour)s?"
_YEAR = r"(?:,?\s*(?P<year>(?:19|20)\d\d))?"


@dataclass(frozen=True, slots=True)
class Period:
    start: date | None
    end: date | None
    kind: str  # "window" | "cumulative" | "day"
    text: str
    offset: int  # where the phrase starts in the sentence


def _count(word: str) -> int:
    word = word.lower()
    if word.isdigit():
        return int(word)
    if word in ("a", "an", "one"):
        return 1
    if word in ("few", "several"):
        return 3
    return UNITS.get(word) or TENS.get(word) or 1


def _span(count: int, unit: str) -> timedelta:
    unit = unit.lower().rstrip("s")
    return {"day": timedelta(days=count), "week": timedelta(weeks=count), "fortnight": timedelta(weeks=2 * count),
            "month": timedelta(days=30 * count), "year": timedelta(days=365 * count),
            "hour": timedelta(days=max(1, count // 24 or 1))}[unit]


def _resolve_month_day(month: int, day: int | None, year: int | None, published: date | None,
                       part: str | None = None) -> date | None:
    if published is None and year is None:
        return None
    if year is None:
        assert published is not None
        year = published.year
        if month > published.month or (month == published.month and day and day > published.day):
            year -= 1
    if day is None:
        day = {"early": 1, "mid": 15, "late": 21, "end": 25}.get((part or "").lower().rstrip("-"), 1)
    day = min(day, calendar.monthrange(year, month)[1])
    return date(year, month, day)


def _last_weekday(weekday: int, published: date) -> date:
    return published - timedelta(days=(published.weekday() - weekday) % 7)


_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("between_days", re.compile(
        rf"\bbetween\s+(?P<d1>\d{{1,2}})\s+(?:(?P<m1>{_MONTH})\s+)?and\s+(?P<d2>\d{{1,2}})\s+(?P<m2>{_MONTH}){_YEAR}",
        re.I)),
    ("between_months", re.compile(
        rf"\bbetween\s+(?P<m1>{_MONTH})\s+(?P<d1>\d{{1,2}})\s+and\s+(?:(?P<m2>{_MONTH})\s+)?(?P<d2>\d{{1,2}}){_YEAR}",
        re.I)),
    ("past_n", re.compile(rf"\b(?:over|in|during|within|for|across|throughout)?\s*(?:the\s+)?(?:past|last|previous|"
                          rf"preceding)\s+(?P<n>{_COUNT})\s+{_UNIT}", re.I)),
    ("past_one", re.compile(rf"\b(?:over|in|during|within)?\s*(?:the\s+)?(?:past|last|previous)\s+{_UNIT}", re.I)),
    ("n_units", re.compile(rf"\b(?:after|in|within|over)\s+(?P<n>{_COUNT})\s+{_UNIT}\s+(?:of\b)?", re.I)),
    ("this", re.compile(r"\bthis\s+(?P<unit>week|month|year|weekend)\b", re.I)),
    ("since_date", re.compile(
        rf"\bsince\s+(?:(?P<part>early|mid|late|mid-|the\s+end\s+of|the\s+start\s+of|the\s+beginning\s+of)\s*)?"
        rf"(?:(?P<d1>\d{{1,2}})\s+)?(?P<m1>{_MONTH})(?:\s+(?P<d2>\d{{1,2}})\b)?{_YEAR}", re.I)),
    ("since_weekday", re.compile(r"\bsince\s+(?:last\s+)?(?P<wd>Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|"
                                 r"Sunday)\b", re.I)),
    ("since_year", re.compile(r"\bsince\s+(?:(?:the\s+(?:start|beginning)\s+of\s+)?(?P<year>(?:19|20)\d\d)|"
                              r"the\s+(?:start|beginning)\s+of\s+the\s+year|january\b)", re.I)),
    ("began_in", re.compile(
        rf"\b(?:began|begun|started|launched|erupted|broke\s+out|escalated|resumed)\b[^.;]{{0,40}}?\bin\s+"
        rf"(?:(?P<part>early|mid|late|mid-)\s*)?(?P<m1>{_MONTH}){_YEAR}", re.I)),
    ("as_of", re.compile(rf"\b(?:as\s+of|as\s+at|by)\s+(?:(?P<d1>\d{{1,2}})\s+)?(?P<m1>{_MONTH})"
                         rf"(?:\s+(?P<d2>\d{{1,2}})\b)?{_YEAR}", re.I)),
    ("on_date", re.compile(rf"\bon\s+(?:(?P<d1>\d{{1,2}})\s+(?P<m1>{_MONTH})|(?P<m2>{_MONTH})\s+(?P<d2>\d{{1,2}})\b)"
                           rf"{_YEAR}", re.I)),
    ("weekday", re.compile(r"\b(?:on\s+|last\s+)?(?P<wd>Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
                           r"(?:\s+night|\s+morning|\s+evening)?\b")),
    ("relative_day", re.compile(r"\b(?P<rel>yesterday|today|overnight|last\s+night|this\s+morning)\b", re.I)),
    ("in_month", re.compile(rf"\bin\s+(?:(?P<part>early|mid|late|mid-)\s*)?(?P<m1>{_MONTH}){_YEAR}\b", re.I)),
    ("last_unit", re.compile(r"\blast\s+(?P<unit>week|month|year)\b", re.I)),
]


def _build(kind: str, match: re.Match[str], published: date | None) -> Period | None:
    g = match.groupdict()
    text = match.group(0).strip()
    offset = match.start()
    year = int(g["year"]) if g.get("year") else None
    if kind in ("between_days", "between_months"):
        m2 = _MONTHS[g["m2"].lower().rstrip(".")] if g.get("m2") else None
        m1 = _MONTHS[g["m1"].lower().rstrip(".")] if g.get("m1") else m2
        m2 = m2 or m1
        if m1 is None or m2 is None:
            return None
        end = _resolve_month_day(m2, int(g["d2"]), year, published)
        if end is None:
            return None
        start = _resolve_month_day(m1, int(g["d1"]), end.year if m1 <= m2 else end.year - 1, None)
        return Period(start, end, "window", text, offset)
    if published is None:
        return Period(None, None, "cumulative" if kind.startswith("since") else "window", text, offset)
    if kind == "past_n":
        return Period(published - _span(_count(g["n"]), g["unit"]), published, "window", text, offset)
    if kind in ("past_one",):
        return Period(published - _span(1, g["unit"]), published, "window", text, offset)
    if kind == "n_units":
        if g["unit"].lower().startswith("hour"):
            return None
        return Period(published - _span(_count(g["n"]), g["unit"]), published, "window", text, offset)
    if kind == "this":
        unit = g["unit"].lower()
        if unit in ("week", "weekend"):
            return Period(published - timedelta(days=published.weekday()), published, "window", text, offset)
        if unit == "month":
            return Period(published.replace(day=1), published, "window", text, offset)
        return Period(date(published.year, 1, 1), published, "cumulative", text, offset)
    if kind == "last_unit":
        unit = g["unit"].lower()
        if unit == "week":
            monday = published - timedelta(days=published.weekday() + 7)
            return Period(monday, monday + timedelta(days=6), "window", text, offset)
        if unit == "month":
            last = published.replace(day=1) - timedelta(days=1)
            return Period(last.replace(day=1), last, "window", text, offset)
        return Period(date(published.year - 1, 1, 1), date(published.year - 1, 12, 31), "window", text, offset)
    if kind in ("since_date", "began_in"):
        month = _MONTHS[g["m1"].lower().rstrip(".")]
        day = int(g.get("d1") or g.get("d2") or 0) or None
        part = (g.get("part") or "").replace("the ", "").split(" ")[0] if g.get("part") else None
        start = _resolve_month_day(month, day, year, published, part)
        return Period(start, published, "cumulative", text, offset)
    if kind == "since_weekday":
        start = _last_weekday(_WEEKDAYS[g["wd"].lower()], published)
        if start == published:
            start -= timedelta(days=7)
        return Period(start, published, "cumulative", text, offset)
    if kind == "since_year":
        start_year = year or published.year
        return Period(date(start_year, 1, 1), published, "cumulative", text, offset)
    if kind == "as_of":
        month = _MONTHS[g["m1"].lower().rstrip(".")]
        day = int(g.get("d1") or g.get("d2") or 0) or None
        end = _resolve_month_day(month, day, year, published)
        return Period(None, end, "cumulative", text, offset)
    if kind == "on_date":
        month_name = g.get("m1") or g.get("m2")
        day = int(g.get("d1") or g.get("d2"))
        when = _resolve_month_day(_MONTHS[month_name.lower().rstrip(".")], day, year, published)
        return Period(when, when, "day", text, offset)
    if kind == "weekday":
        when = _last_weekday(_WEEKDAYS[g["wd"].lower()], published)
        if text.lower().startswith("last ") and when == published:
            when -= timedelta(days=7)
        return Period(when, when, "day", text, offset)
    if kind == "relative_day":
        rel = g["rel"].lower()
        when = published - timedelta(days=1) if rel in ("yesterday", "last night") else published
        return Period(when, when, "day", text, offset)
    if kind == "in_month":
        month = _MONTHS[g["m1"].lower().rstrip(".")]
        start = _resolve_month_day(month, 1, year, published)
        if start is None:
            return None
        last_day = calendar.monthrange(start.year, start.month)[1]
        end = min(published, start.replace(day=last_day))
        return Period(start, end, "window", text, offset)
    return None


def find_periods(sentence: str, published: date | None) -> list[Period]:
    """All period phrases in a sentence, earliest first, overlapping phrases resolved to the longest."""
    found: list[Period] = []
    taken: list[tuple[int, int]] = []
    for kind, pattern in _PATTERNS:
        for match in pattern.finditer(sentence):
            span = (match.start(), match.end())
            if any(s < span[1] and span[0] < e for s, e in taken):
                continue
            period = _build(kind, match, published)
            if period is not None:
                found.append(period)
                taken.append(span)
    return sorted(found, key=lambda p: p.offset)


def period_for(periods: list[Period], figure_start: int, figure_end: int, clause: tuple[int, int]) -> Period | None:
    """The period phrase that belongs to a figure: in its clause, nearest to it, cumulative over day."""
    in_clause = [p for p in periods if clause[0] <= p.offset < clause[1]]
    candidates = in_clause or periods
    if not candidates:
        return None

    def distance(p: Period) -> tuple[int, int]:
        gap = p.offset - figure_end if p.offset >= figure_end else figure_start - (p.offset + len(p.text))
        preference = 0 if p.kind in ("window", "cumulative") else 1
        return (preference if abs(gap) < 80 else 2, abs(gap))

    return min(candidates, key=distance)
