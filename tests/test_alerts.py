"""The alert engine on reports made by hand: thresholds, like with like, corroboration, old news."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from bot.alerts import (
    Rules,
    Settings,
    StoredReport,
    build_alert,
    comparable,
    corroboration_of,
    crosses,
    evaluate,
    fingerprint,
    with_corroboration,
)
from bot.config import AlertsConfig, MetricThresholds, PlaceAlertRule

RULES = Rules(floor={"displaced": 1000, "killed": 10, "injured": 20, "strikes": 5}, relative_step=0.2,
              absolute_step={"displaced": 1000, "killed": 5, "injured": 10, "strikes": 3})
SETTINGS = Settings()
_ids = iter(range(1, 10_000))


def report(value: int, day: int, **fields: object) -> StoredReport:
    """A displacement figure for Idlib 'since 12 December', published on `day` December 2019."""
    base = dict(id=next(_ids), metric="displaced", value=value, unit="people", qualifier="more than", vague=False,
                low=None, high=None, status="new", place="Idlib Governorate", period_kind="cumulative",
                period_start=date(2019, 12, 12), period_end=None, period_text="since December 12", source="UN",
                quote=f"More than {value:,} people have fled.", outlet="Frontline Wire",
                link=f"http://example.test/{value}", published=datetime(2019, 12, day, 9, tzinfo=UTC))
    base["article_id"] = base["id"]
    base.update(fields)
    return StoredReport(**base)  # type: ignore[arg-type]


def test_the_threshold_rule() -> None:
    assert crosses(1000, None, "displaced", RULES) and not crosses(999, None, "displaced", RULES)
    assert crosses(12_000, 10_000, "displaced", RULES)  # +20 % and +2,000
    assert not crosses(11_500, 10_000, "displaced", RULES)  # +15 %: below the relative step
    assert not crosses(1_500, 1_200, "displaced", RULES)  # +25 % but only +300: below the absolute step


def test_first_figure_alerts_only_at_the_floor_but_is_remembered() -> None:
    assert evaluate(report(1000, 20), [], RULES, SETTINGS).kind == "first"
    below = evaluate(report(999, 20), [], RULES, SETTINGS)
    assert (below.alert, below.kind, below.becomes_belief) == (False, "below", True)


def test_a_rise_is_measured_from_the_latest_figure_of_the_same_series() -> None:
    history = [report(80_000, 21), report(90_000, 22)]
    rise = evaluate(report(120_000, 23), history, RULES, SETTINGS)
    assert (rise.kind, rise.previous.value) == ("rise", 90_000)  # type: ignore[union-attr]
    small = evaluate(report(100_000, 23), history, RULES, SETTINGS)
    assert (small.alert, small.kind, small.becomes_belief) == (False, "none", True)


def test_projections_returns_stock_and_vague_amounts_never_alert() -> None:
    for fields in ({"status": "projected"}, {"status": "returned"}, {"status": "stock"}, {"vague": True},
                   {"place": None}):
        verdict = evaluate(report(500_000, 20, **fields), [], RULES, SETTINGS)
        assert not verdict.alert and not verdict.becomes_belief, fields


def test_a_window_does_not_compare_with_a_running_count_and_says_so() -> None:
    running = report(120_000, 23)
    window = report(30_000, 24, period_kind="window", period_start=date(2019, 12, 17),
                    period_end=date(2019, 12, 24), period_text="over the past week")
    assert not comparable(running, window)
    verdict = evaluate(window, [running], RULES, SETTINGS)
    assert verdict.kind == "first" and "Does not compare with the earlier 120,000" in (verdict.note or "")
    two_weeks = report(235_000, 27, period_kind="window", period_start=date(2019, 12, 13),
                       period_end=date(2019, 12, 27))
    assert comparable(running, two_weeks)  # "the past two weeks" from 13 December continues "since 12 December"
    last_week = report(20_000, 17, period_kind="window", period_start=date(2019, 12, 10),
                       period_end=date(2019, 12, 17))
    assert comparable(last_week, window)  # two one-week windows compare


def test_the_same_figure_elsewhere_corroborates_and_a_wire_copy_is_one_source() -> None:
    original = report(120_000, 23, outlet="Orontes Daily")
    copy = report(120_000, 23, outlet="Northwest Dispatch", wire_of=original.article_id)
    independent = report(121_000, 24, outlet="Cedar Post", source="OCHA")
    assert evaluate(copy, [original], RULES, SETTINGS).kind == "corroboration"
    verdict = evaluate(independent, [original, copy], RULES, SETTINGS)
    assert verdict.kind == "corroboration" and verdict.matched == original
    alert = build_alert(original, evaluate(original, [], RULES, SETTINGS), [], RULES)
    alert = with_corroboration(alert, corroboration_of(copy, original), RULES)
    alert = with_corroboration(alert, corroboration_of(independent, original), RULES)
    assert "Also reported by: Northwest Dispatch (same wire story), Cedar Post." in alert.message
    assert fingerprint(original) == fingerprint(copy)


def test_a_lower_figure_for_the_same_period_is_a_contradiction_not_a_fall() -> None:
    high = report(120_000, 23)
    low = report(100_000, 23, source="Local council", outlet="Cedar Post")
    verdict = evaluate(low, [high], RULES, SETTINGS)
    assert (verdict.kind, verdict.alert, verdict.becomes_belief) == ("contradiction", False, False)
    alert = build_alert(high, evaluate(high, [], RULES, SETTINGS), [], RULES)
    alert = with_corroboration(alert, corroboration_of(low, high, contradiction=True), RULES)
    assert "range 100,000–120,000" in alert.message


def test_old_news_never_alerts() -> None:
    later = report(200_000, 26)
    found_late = report(150_000, 21)  # published before what is already known
    assert evaluate(found_late, [report(80_000, 20), later], RULES, SETTINGS).kind == "superseded"
    stale = evaluate(report(90_000, 10), [], RULES, SETTINGS, newest_known=datetime(2019, 12, 27, tzinfo=UTC))
    assert (stale.kind, stale.alert) == ("late", False)
    recent = evaluate(report(90_000, 26), [], RULES, Settings(stale=timedelta(days=7)),
                      newest_known=datetime(2019, 12, 27, tzinfo=UTC))
    assert recent.alert


def test_a_place_can_have_its_own_thresholds() -> None:
    config = AlertsConfig(places={"Idlib Governorate": PlaceAlertRule(
        floor=MetricThresholds(displaced=50_000, killed=10, injured=20, strikes=5))})
    assert Rules.from_config(config, "Idlib Governorate").floor["displaced"] == 50_000
    assert Rules.from_config(config, "Saraqib").floor["displaced"] == 1000
    strict = Rules.from_config(config, "Idlib Governorate")
    assert evaluate(report(20_000, 20), [], strict, SETTINGS).kind == "below"


def test_highest_in_days_alerts_on_a_smaller_step() -> None:
    rules = Rules(RULES.floor, RULES.relative_step, RULES.absolute_step, highest_in_days=30)
    verdict = evaluate(report(95_000, 22), [report(85_000, 20)], rules, SETTINGS)
    assert (verdict.kind, verdict.alert) == ("highest", True)


def test_the_alert_explains_itself() -> None:
    previous = report(120_000, 23, outlet="Orontes Daily", source="United Nations")
    new = report(235_000, 27, period_kind="window", period_start=date(2019, 12, 13), period_end=date(2019, 12, 27),
                 period_text="over the past two weeks")
    verdict = evaluate(new, [previous], RULES, SETTINGS)
    text = build_alert(new, verdict, [previous], RULES).message
    assert text.splitlines()[0] == ("Idlib Governorate — displaced: more than 235,000 people over the past two weeks "
                                    "(13 Dec 2019 – 27 Dec 2019)")
    assert ("Up from 120,000 (since 12 Dec 2019; reported 23 Dec 2019, United Nations via Orontes Daily): "
            "+115,000 (+96%).") in text
    assert "Source: UN, via Frontline Wire · published 27 Dec 2019" in text
    assert "“More than 235,000 people have fled.”" in text and "http://example.test/235000" in text
