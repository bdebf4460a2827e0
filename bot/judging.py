"""Applying the alert engine's verdicts to the store: alerts, corroborations, beliefs.

The engine (alerts.py) only says what a report means; this module records
it, in the caller's transaction: a new alert with its outbox rows, an
existing alert that gains an "also reported by" or a disputed figure, and
the place's current belief for `dwatch places show`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime

from bot.alerts import (
    Evaluation,
    Rules,
    Settings,
    StoredReport,
    build_alert,
    corroboration_of,
    eligible,
    evaluate,
    with_corroboration,
)
from bot.config import AlertsConfig
from bot.store import Store

Recipients = Callable[[StoredReport, Evaluation], list[str]]


@dataclass
class Judge:
    store: Store
    alerts: AlertsConfig
    recipients: Recipients

    def __post_init__(self) -> None:
        self.settings = Settings.from_config(self.alerts)

    def judge(self, reports: Iterable[StoredReport], newest_known: datetime | None) -> int:
        """Evaluate and record each report in turn; return how many new alerts were made."""
        made = 0
        judged: set[tuple[str | None, str, int | None]] = set()
        # One verdict per place and metric per article: its largest figure ("23 communities hit by air
        # strikes and 17 shelled" is one piece of news about strikes, not two).
        for report in sorted(reports, key=lambda r: -r.value):
            if not eligible(report):
                continue
            assert report.place is not None
            key = (report.place, report.metric, report.article_id)
            if key in judged:
                self.store.note_evaluation(report.id, "same-article")
                continue
            judged.add(key)
            rules = Rules.from_config(self.alerts, report.place)
            history = self.store.history(report.place, report.metric)
            evaluation = evaluate(report, history, rules, self.settings, newest_known=newest_known)
            made += self._record(report, evaluation, history, rules)
        return made

    def _record(self, report: StoredReport, evaluation: Evaluation, history: list[StoredReport],
                rules: Rules) -> int:
        alert_id = None
        made = 0
        recipients = self.recipients(report, evaluation)
        if recipients:
            if not evaluation.alert:  # news only under a subscriber's own thresholds
                evaluation = replace(evaluation, kind="first" if evaluation.previous is None else "rise")
            alert = build_alert(report, evaluation, history, rules)
            alert_id = self.store.record_alert(alert, recipients)
            made = int(alert_id is not None)
        elif evaluation.kind in ("corroboration", "contradiction") and evaluation.matched is not None:
            alert_id = self.store.alert_of_report(evaluation.matched.id)
            existing = self.store.load_alert(alert_id) if alert_id else None
            if existing is not None and alert_id is not None:
                extra = corroboration_of(report, evaluation.matched,
                                         contradiction=evaluation.kind == "contradiction")
                self.store.update_alert(alert_id, with_corroboration(existing, extra, rules))
        self.store.note_evaluation(report.id, evaluation.kind, alert_id)
        if evaluation.becomes_belief:
            self.store.set_baseline(report)
        return made
