"""Which amounts are figures, of what metric, and with which status, unit and qualifier.

Every sentence here is invented for the test. The metric must come from the
grammar around the amount; counts of things, populations and subsets of a
figure already counted are not figures of their own.
"""

from __future__ import annotations

from datetime import date

import pytest

from extractors import Report, extract

PUBLISHED = date(2020, 1, 30)


def _reports(text: str, title: str | None = None) -> list[Report]:
    return extract(text, published=PUBLISHED, title=title)


def _only(text: str, title: str | None = None) -> Report:
    reports = _reports(text, title)
    assert len(reports) == 1, [(r.metric, r.value, r.unit, r.status) for r in reports]
    return reports[0]


def _pairs(text: str) -> list[tuple[str, int]]:
    return [(r.metric, r.value) for r in _reports(text)]


# --- displacement verbs ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("About 12,000 people fled Jisr al-Shughur on Tuesday as government forces advanced.", 12_000),
        ("Some 30,000 residents have left their homes in Kafr Nabl since the bombing began.", 30_000),
        ("Authorities evacuated 4,500 people from villages along the Brahmaputra in Assam.", 4_500),
        ("The floods forced 18,000 people from their homes in central Mozambique.", 18_000),
        ("Fighting has driven 50,000 people from their homes in Tigray, aid agencies said.", 50_000),
        ("The army offensive has uprooted 80,000 people in the north of Burkina Faso.", 80_000),
        ("Some 7,000 people are sheltering in schools in Beira after the cyclone.", 7_000),
        ("At least 2,000 people were made homeless by the earthquake in Herat.", 2_000),
        ("The earthquake left 15,000 people homeless in the province of Van.", 15_000),
        ("More than 1,000,000 people are now living in camps near the Turkish border.", 1_000_000),
        ("Some 3,400 people were displaced by the clashes in Ituri last week.", 3_400),
    ],
)
def test_displacement_is_read_from_the_verb(text: str, value: int) -> None:
    report = _only(text)
    assert (report.metric, report.value, report.status) == ("displaced", value, "new")


# --- killed, injured, strikes ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "metric", "value", "unit"),
    [
        ("Air strikes killed at least 14 civilians in Maarat al-Numan on Sunday.", "killed", 14, "civilians"),
        ("Government shelling of Ariha killed 9 people, the rescue service said.", "killed", 9, "people"),
        ("Some 35 people were wounded when a missile hit a bakery in Kharkiv.", "injured", 35, "people"),
        ("The bombardment of the camp injured 26 children, medics said.", "injured", 26, "children"),
        ("Russian warplanes carried out 47 air strikes on southern Idlib on Monday.", "strikes", 47, "strikes"),
        ("The monitor counted 12 barrel bombs dropped on Kafr Nabl in the war's latest escalation.", "strikes",
         12, "strikes"),
        ("During the offensive, 39 communities were hit by shelling.", "strikes", 39, "communities"),
    ],
)
def test_killed_injured_and_strikes_are_read_from_the_grammar(text: str, metric: str, value: int,
                                                              unit: str) -> None:
    report = _only(text)
    assert (report.metric, report.value, report.unit) == (metric, value, unit)


# --- the number after its verb or aggregate noun ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "metric", "value", "qualifier"),
    [
        ("By Friday the number of displaced in Hama had reached 90,000.", "displaced", 90_000, None),
        ("Those who fled the shelling of Saraqib number about 12,000, the council said.", "displaced", 12_000,
         "about"),
        ("Displacement figures for the province rose to 45,000 after the offensive.", "displaced", 45_000, None),
        ("The death toll from the air raids on Idlib climbed to 57 on Thursday.", "killed", 57, None),
        ("The toll of wounded in the militia attack stood at more than 140.", "injured", 140, "more than"),
    ],
)
def test_amount_after_an_aggregate_takes_its_metric(text: str, metric: str, value: int,
                                                    qualifier: str | None) -> None:
    report = _only(text)
    assert (report.metric, report.value, report.qualifier) == (metric, value, qualifier)


# --- passives -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "metric", "value"),
    [
        ("Nearly 600 families have been displaced by the renewed fighting in Daraa.", "displaced", 600),
        ("Eight civilians were killed by an artillery shell in Donetsk, local officials said.", "killed", 8),
        ("At least 70 people were injured by the blast during the war in Kabul.", "injured", 70),
        ("About 2,300 people were evacuated from the flooded districts by the army.", "displaced", 2_300),
    ],
)
def test_passive_voice(text: str, metric: str, value: int) -> None:
    report = _only(text)
    assert (report.metric, report.value) == (metric, value)


# --- a headline repeating the body -------------------------------------------------------------------------------


def test_headline_repeating_the_body_is_one_report() -> None:
    title = "12,000 flee fighting in Saraqib"
    body = ("About 12,000 people fled the fighting in Saraqib on Wednesday, the UN said.\n\n"
            "Many of them headed north towards the Turkish border.")
    report = _only(body, title=title)
    assert (report.metric, report.value, report.place) == ("displaced", 12_000, "Saraqib")
    assert report.source == "UN"  # the fuller, body sentence is kept


# --- populations, aid and buildings are not figures --------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Idlib province, home to 3 million people, is the last rebel stronghold in the war.",
        "Fighting has reached Saraqib, a city of 70,000, on the main highway.",
        "The offensive threatens Idlib city, which has a population of 1 million.",
        "Kharkiv, a city of 1.4 million people, has been shelled for weeks.",
    ],
)
def test_populations_are_not_figures(text: str) -> None:
    assert _pairs(text) == []


@pytest.mark.parametrize(
    "text",
    [
        "The UN sent 120 trucks of aid to displaced families in Atmeh.",
        "Aid groups handed out 5,000 tents and 12,000 food parcels to people who fled Azaz.",
        "WFP delivered 3,500 tonnes of flour to camps for the displaced in Sarmada.",
    ],
)
def test_aid_is_not_a_figure(text: str) -> None:
    assert _pairs(text) == []


@pytest.mark.parametrize(
    "text",
    [
        "The air strikes destroyed 200 houses in the village of Kafr Nabl.",
        "More than 1,300 homes were damaged by the floods in the war-hit province.",
        "Shelling flattened 45 buildings in the old city of Aleppo.",
    ],
)
def test_buildings_are_not_figures(text: str) -> None:
    assert _pairs(text) == []


# --- status: projected, returned, stock ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value", "qualifier"),
    [
        ("A new offensive could force 1.5 million people to flee towards the Turkish border, the UN warned.",
         1_500_000, None),
        ("Up to 800,000 people may be displaced if the dam on the Euphrates fails.", 800_000, "up to"),
        ("Aid agencies expect another 200,000 people to flee Tigray in the coming weeks.", 200_000, None),
    ],
)
def test_projections_are_kept_apart(text: str, value: int, qualifier: str | None) -> None:
    report = _only(text)
    assert (report.metric, report.value, report.qualifier, report.status) == ("displaced", value, qualifier,
                                                                               "projected")


@pytest.mark.parametrize(
    ("text", "value", "unit"),
    [
        ("Some 200,000 people have returned to their homes in Mosul since the fighting ended.", 200_000, "people"),
        ("About 15,000 families went back to Raqqa after the ceasefire.", 15_000, "families"),
        ("Nearly 4,000 refugees were repatriated to Burundi from Tanzania last month.", 4_000, "people"),
    ],
)
def test_returns_are_not_new_displacement(text: str, value: int, unit: str) -> None:
    report = _only(text)
    assert (report.metric, report.value, report.unit, report.status) == ("displaced", value, unit, "returned")


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("Turkey, which already hosts 3.6 million Syrian refugees, says it cannot take any more.", 3_600_000),
        ("Lebanon hosts about 1.5 million refugees who fled the war in Syria.", 1_500_000),
    ],
)
def test_hosted_refugees_are_a_stock(text: str, value: int) -> None:
    report = _only(text)
    assert (report.metric, report.value, report.status) == ("displaced", value, "stock")


# --- increments ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("Another 20,000 people fled Ariha on Wednesday as the shelling went on.", 20_000),
        ("A further 4,000 families have fled the fighting in Marib, the IOM said.", 4_000),
        ("An additional 6,500 people were displaced in Cabo Delgado overnight.", 6_500),
    ],
)
def test_increments_are_marked(text: str, value: int) -> None:
    report = _only(text)
    assert (report.metric, report.value, report.increment) == ("displaced", value, True)


# --- qualifiers ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("words", "canonical"),
    [
        ("At least", "at least"),
        ("More than", "more than"),
        ("Over", "more than"),
        ("Upwards of", "more than"),
        ("Nearly", "nearly"),
        ("Almost", "nearly"),
        ("Close to", "nearly"),
        ("About", "about"),
        ("Around", "about"),
        ("Some", "about"),
        ("Approximately", "about"),
        ("An estimated", "about"),
        ("As many as", "as many as"),
        ("Up to", "up to"),
        ("Fewer than", "fewer than"),
    ],
)
def test_qualifiers_are_canonical(words: str, canonical: str) -> None:
    report = _only(f"{words} 4,000 people fled the fighting in Daraa on Saturday.")
    assert (report.metric, report.value, report.qualifier) == ("displaced", 4_000, canonical)


def test_no_qualifier_when_the_figure_is_bare() -> None:
    report = _only("Shelling forced 4,000 people to flee Daraa on Saturday.")
    assert (report.value, report.qualifier) == (4_000, None)


# --- units --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value", "unit"),
    [
        ("Some 3,200 families fled Khan Shaykhun in a single night.", 3_200, "families"),
        ("The floods displaced 950 households in Kassala state.", 950, "households"),
        ("About 8,000 residents fled Saraqib before the army entered.", 8_000, "residents"),
        ("Around 700 children fled the camp after the air raid.", 700, "children"),
        ("UNHCR said 14,000 individuals had crossed into Chad to flee the violence.", 14_000, "individuals"),
        ("Over 300 civilians fled the besieged town of Kafr Nabl.", 300, "civilians"),
    ],
)
def test_units_are_kept(text: str, value: int, unit: str) -> None:
    report = _only(text)
    assert (report.metric, report.value, report.unit) == ("displaced", value, unit)


def test_same_figure_in_two_units_is_one_report() -> None:
    report = _only("Local officials said 261 families (1,827 people) fled Jobas after the shelling.")
    assert (report.metric, report.value, report.unit) == ("displaced", 261, "families")


# --- subsets and coordination -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The bombing of the market killed 40 people, including 12 children.", [("killed", 40)]),
        ("The shelling wounded 55 civilians, among them 20 women, in Donetsk.", [("injured", 55)]),
        ("At least 9,000 people fled Ariha, 4,000 of them children, as the offensive advanced.",
         [("displaced", 9_000)]),
    ],
)
def test_a_subset_is_not_a_separate_figure(text: str, expected: list[tuple[str, int]]) -> None:
    assert _pairs(text) == expected


def test_coordinated_amounts_are_separate_figures_with_their_places() -> None:
    reports = _reports("Air strikes killed 31 people in Saraqib and 18 in Ariha on Friday.")
    assert [(r.metric, r.value, r.place) for r in reports] == [("killed", 31, "Saraqib"), ("killed", 18, "Ariha")]


@pytest.mark.parametrize(
    "text",
    [
        "The rocket attack on the camp killed 7 people and wounded 23 others.",
        "The rocket attack on the refugee camp killed 7 people and wounded 23 others.",
    ],
)
def test_coordinated_metrics_stay_apart(text: str) -> None:
    reports = _reports(text)
    assert [(r.metric, r.value) for r in reports] == [("killed", 7), ("injured", 23)]
