"""The Report: the one value that leaves the extractors.

Everything downstream (store, baselines, alerts, exports, `dwatch extract`) reads
these fields and nothing else, so the extractors can change how they find a
figure without any other package noticing.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any, Literal

Metric = Literal["displaced", "killed", "injured", "strikes"]
METRICS: tuple[str, ...] = ("displaced", "killed", "injured", "strikes")

# "new": a figure of something that happened; "projected": could/may happen;
# "returned": people going back home (never new displacement);
# "stock": a standing population (refugees hosted), not a new event.
Status = Literal["new", "projected", "returned", "stock"]


@dataclass(frozen=True, slots=True)
class Report:
    """One figure found in one article.

    value is the figure a reader would quote; for a range ("between 60,000 and
    80,000") low/high keep both ends and value is the low end. For a vague
    amount ("tens of thousands") vague is True and value is the order of
    magnitude (10,000).
    """

    metric: str
    value: int
    unit: str = "people"
    qualifier: str | None = None
    vague: bool = False
    low: int | None = None
    high: int | None = None
    status: str = "new"
    increment: bool = False
    place: str | None = None
    place_text: str | None = None
    country: str | None = None
    period_start: date | None = None
    period_end: date | None = None
    period_kind: str | None = None  # "window" | "cumulative" | "day" | None
    period_text: str | None = None
    source: str | None = None
    quote: str = ""
    span: tuple[int, int] = (0, 0)
    extras: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (dates as ISO strings, span as a list)."""
        data = asdict(self)
        for key in ("period_start", "period_end"):
            if data[key] is not None:
                data[key] = data[key].isoformat()
        data["span"] = list(self.span)
        if not data["extras"]:
            del data["extras"]
        return data
