"""The threshold rule and the alert text, on reports made by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime

from bot.alerts import Baseline, StoredReport, Thresholds, build_alert, crosses, decide, fingerprint

RULES = Thresholds(floor={"displaced": 1000, "killed": 10, "injured": 20, "strikes": 5}, relative_step=0.2,
                   absolute_step={"displaced": 1000, "killed": 5, "injured": 10, "strikes": 3})


def report(value: int, **fields: object) -> StoredReport:
    base = dict(id=1, metric="displaced", value=value, unit="people", qualifier="more than", vague=False, low=None,
                high=None, status="new", place="Idlib Governorate", period_kind="window",
                period_start=date(2019, 12, 13), period_end=date(2019, 12, 27), period_text="over the past two weeks",
                source="UN", quote="More than 235,000 people have fled.", outlet="Frontline Wire",
                link="http://example.test/a", published=datetime(2019, 12, 27, tzinfo=UTC))
    base.update(fields)
    return StoredReport(**base)  # type: ignore[arg-type]


def baseline(value: int) -> Baseline:
    return Baseline("Idlib Governorate", "displaced", value, "about", 7, datetime(2019, 12, 23, tzinfo=UTC), "UN",
                    "Orontes Daily", "cumulative")


def test_first_figure_alerts_only_at_the_floor() -> None:
    assert decide(report(1000), None, RULES).kind == "first"
    below = decide(report(999), None, RULES)
    assert not below.alert and below.update_baseline  # remembered, so a later rise is measured from it


def test_a_rise_must_clear_both_steps() -> None:
    assert crosses(12_000, 10_000, "displaced", RULES)  # +20 % and +2,000
    assert not crosses(11_500, 10_000, "displaced", RULES)  # +15 %: below the relative step
    assert not crosses(1_500, 1_200, "displaced", RULES)  # +25 % but only +300: below the absolute step
    assert decide(report(120_000), baseline(120_000), RULES).alert is False
    assert decide(report(90_000), baseline(120_000), RULES).update_baseline is False  # a lower figure never lowers it


def test_projections_returns_and_vague_amounts_never_alert() -> None:
    for fields in ({"status": "projected"}, {"status": "returned"}, {"status": "stock"}, {"vague": True},
                   {"place": None}):
        decision = decide(report(500_000, **fields), None, RULES)
        assert not decision.alert and not decision.update_baseline, fields


def test_the_same_figure_from_another_outlet_is_the_same_news() -> None:
    assert fingerprint(report(235_000)) == fingerprint(report(235_000, outlet="Cedar Post", link="http://b"))
    assert fingerprint(report(235_000)) != fingerprint(report(240_000))


def test_the_alert_names_place_value_change_source_and_link() -> None:
    new = report(235_000)
    alert = build_alert(new, baseline(120_000), decide(new, baseline(120_000), RULES), RULES)
    text = alert.message
    assert text.splitlines()[0].startswith("Idlib Governorate — displaced: more than 235,000 people")
    assert "Up from 120,000 reported 23 Dec 2019 (Orontes Daily): +115,000 (+96%)" in text
    assert "Source: UN, via Frontline Wire" in text
    assert "http://example.test/a" in text
    assert alert.level in ("notice", "warning", "critical")
