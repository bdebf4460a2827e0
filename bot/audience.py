"""Who receives an alert: the console, and the subscribers who follow its place, under their own thresholds.

A subscriber following a province or a country follows its towns. Each
subscriber's thresholds (for every place, or for a place and the towns in
it) are applied through the same rule as the service's own (`crosses`), so
"alert me only above 5,000 displaced in Idlib" means exactly that.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from bot.alerts import Evaluation, Rules, StoredReport, crosses
from bot.config import AlertsConfig
from bot.store import Store
from extractors import Gazetteer

# Verdicts that are news for someone, depending on their thresholds.
NEWS = ("first", "below", "rise", "highest", "none")


def place_chain(gazetteer: Gazetteer, place_id: str | None) -> list[str]:
    """The place's id and its province's and country's, nearest first."""
    if not place_id:
        return []
    place = gazetteer.by_id(place_id)
    if place is None:
        return [place_id]
    return [place.id, *(p.id for p in gazetteer.ancestors(place))]


def subscriber_rules(base: Rules, rows: Sequence[tuple[str, str, int | None, float | None]], metric: str,
                     chain: Sequence[str]) -> Rules:
    """A subscriber's rules for one metric at one place: every-place rules, then the nearest place's win."""
    floor = dict(base.floor)
    relative = base.relative_step
    scopes = ["*", *reversed(chain)]  # far to near, so the nearest place is applied last
    for scope in scopes:
        for row_scope, row_metric, row_floor, row_relative in rows:
            if row_scope == scope and row_metric == metric:
                if row_floor is not None:
                    floor[metric] = row_floor
                if row_relative is not None:
                    relative = row_relative
    return replace(base, floor=floor, relative_step=relative)


@dataclass
class Audience:
    """Decides the recipients of a report's alert (an empty list: no alert)."""

    store: Store
    gazetteer: Gazetteer
    alerts: AlertsConfig
    console: bool = True  # print to the console as well (always when there is no Telegram token)
    subscribers: bool = False

    def recipients(self, report: StoredReport, evaluation: Evaluation) -> list[str]:
        found: list[str] = ["console"] if self.console and evaluation.alert else []
        if not self.subscribers or evaluation.kind not in NEWS:
            return found
        previous = evaluation.previous.value if evaluation.previous else None
        if evaluation.kind == "none" and (previous is None or report.value <= previous):
            return found
        chain = place_chain(self.gazetteer, report.place_id)
        base = Rules.from_config(self.alerts, report.place)
        for chat_id in self.store.watchers(chain or [report.place or ""], report.metric):
            rules = subscriber_rules(base, self.store.rules_of(chat_id), report.metric, chain)
            if crosses(report.value, previous, report.metric, rules) or (evaluation.kind == "highest"
                                                                          and evaluation.alert):
                found.append(str(chat_id))
        return found
