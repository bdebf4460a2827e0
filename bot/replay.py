"""Replay: what the alert engine would have said about stored reports, under today's thresholds.

Reports are taken in the order the service first read them and judged
against what was known at that moment, exactly as the live service does,
so thresholds can be tuned on history. Nothing is stored or sent.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

from bot.alerts import (
    Alert,
    Rules,
    Settings,
    StoredReport,
    build_alert,
    corroboration_of,
    evaluate,
    with_corroboration,
)
from bot.config import AlertsConfig
from bot.store import Store


@dataclass(frozen=True, slots=True)
class Replayed:
    alerts: tuple[Alert, ...]  # in publication order
    verdicts: tuple[tuple[StoredReport, str], ...]  # every report and what the engine made of it


def replay(reports: list[StoredReport], alerts_config: AlertsConfig, *, since: date | None = None) -> Replayed:
    """Judge reports in the order given; those published before `since` only form the history."""
    settings = Settings.from_config(alerts_config)
    history: dict[tuple[str, str], list[StoredReport]] = defaultdict(list)
    made: dict[int, Alert] = {}  # report id → alert it made
    belongs: dict[int, int] = {}  # report id → report id of the alert it belongs to
    verdicts: list[tuple[StoredReport, str]] = []
    fingerprints: set[str] = set()
    newest: datetime | None = None
    by_article: dict[int | None, list[StoredReport]] = defaultdict(list)
    order: list[int | None] = []
    for report in reports:
        if report.article_id not in by_article:
            order.append(report.article_id)
        by_article[report.article_id].append(report)
    for article_id in order:
        group = by_article[article_id]
        newest_before = newest
        seen: set[tuple[str | None, str]] = set()
        for report in sorted(group, key=lambda r: -r.value):
            assert report.place is not None
            key = (report.place, report.metric)
            past = history[key]
            counted = not (since and report.published and report.published.date() < since)
            if key in seen:
                verdicts.append((report, "same-article"))
            elif counted:
                rules = Rules.from_config(alerts_config, report.place)
                verdict = evaluate(report, past, rules, settings, newest_known=newest_before)
                verdicts.append((report, verdict.kind))
                if verdict.alert:
                    alert = build_alert(report, verdict, past, rules)
                    if alert.fingerprint not in fingerprints:
                        fingerprints.add(alert.fingerprint)
                        made[report.id] = alert
                        belongs[report.id] = report.id
                elif verdict.kind in ("corroboration", "contradiction") and verdict.matched is not None:
                    owner = belongs.get(verdict.matched.id)
                    if owner is not None:
                        extra = corroboration_of(report, verdict.matched,
                                                 contradiction=verdict.kind == "contradiction")
                        made[owner] = with_corroboration(made[owner], extra, rules)
                        belongs[report.id] = owner
            seen.add(key)
        for report in group:
            history[(report.place or "", report.metric)].append(report)
            if report.published and (newest is None or report.published > newest):
                newest = report.published
    alerts = sorted(made.values(), key=lambda a: (a.report.published or datetime.min, a.report.id))
    return Replayed(tuple(alerts), tuple(verdicts))


def replay_store(store: Store, alerts_config: AlertsConfig, *, since: date | None = None) -> Replayed:
    return replay(store.reports_in_discovery_order(), alerts_config, since=since)
