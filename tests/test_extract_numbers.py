"""How the extractor reads amounts: digits, scales, words, vague amounts, ranges and non-figures.

Every sentence here is invented for the test. Each test covers one kind of
construction and asserts the exact value a newsroom analyst would quote (or
that nothing at all is reported when the amount is not a count).
"""

from __future__ import annotations

from datetime import date

import pytest

from extractors import Report, extract

PUBLISHED = date(2020, 1, 30)


def _reports(text: str) -> list[Report]:
    return extract(text, published=PUBLISHED)


def _only(text: str) -> Report:
    reports = _reports(text)
    assert len(reports) == 1, [(r.metric, r.value, r.unit) for r in reports]
    return reports[0]


def _pairs(text: str) -> list[tuple[str, int]]:
    return [(r.metric, r.value) for r in _reports(text)]


# --- digits with thousands separators --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("Some 235,000 people have fled the fighting in Idlib province since December.", 235_000),
        ("Aid workers said 9 300 people fled Kharkiv after the shelling intensified.", 9_300),
        ("The floods in Assam have displaced 1,250,000 people, officials said.", 1_250_000),
        ("Police said 4,070 villagers had fled the clashes near Beni.", 4_070),
    ],
)
def test_digits_with_separators_are_read_whole(text: str, value: int) -> None:
    report = _only(text)
    assert (report.metric, report.value, report.vague) == ("displaced", value, False)


# --- decimals with a scale word ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("The cyclone displaced 1.2 million people along the coast of Mozambique.", 1_200_000),
        ("The drought has uprooted 2.5m people across southern Somalia.", 2_500_000),
        ("Officials said 1.5 mln people fled the flooded districts of Sindh.", 1_500_000),
        ("About 3.4 million Ukrainians have fled the war, the UN said.", 3_400_000),
    ],
)
def test_decimal_with_scale_is_multiplied_out(text: str, value: int) -> None:
    report = _only(text)
    assert (report.metric, report.value) == ("displaced", value)
    assert report.vague is False


# --- numbers written as words ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "metric", "value"),
    [
        ("Eleven civilians were killed when shells hit a market in Ariha.", "killed", 11),
        ("Twenty-one people were wounded in the air raid on Saraqib.", "injured", 21),
        ("Militants killed a dozen villagers in an attack in Borno state.", "killed", 12),
        ("Bandits killed two dozen villagers in a raid on a village in Zamfara.", "killed", 24),
        ("Half a million people have fled the fighting in Darfur.", "displaced", 500_000),
        ("Three million people have been displaced by the war in Yemen.", "displaced", 3_000_000),
    ],
)
def test_number_words_are_counted(text: str, metric: str, value: int) -> None:
    report = _only(text)
    assert (report.metric, report.value, report.vague) == (metric, value, False)


# --- vague amounts -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "metric", "value", "unit"),
    [
        ("Tens of thousands of people have fled the offensive in Idlib.", "displaced", 10_000, "people"),
        ("Hundreds of thousands have fled the fighting around Khartoum.", "displaced", 100_000, "people"),
        ("Hundreds of families fled Jobas overnight as the shelling intensified.", "displaced", 100, "families"),
        ("Scores of civilians were killed in the bombardment of Douma.", "killed", 20, "civilians"),
        ("Thousands fled the fighting in Tripoli on Sunday.", "displaced", 1_000, "people"),
        ("Millions have been displaced by the war in Sudan.", "displaced", 1_000_000, "people"),
        ("Dozens of civilians were killed in air strikes on Idlib.", "killed", 12, "civilians"),
        ("Several thousand people fled the shelling of Ariha overnight.", "displaced", 1_000, "people"),
    ],
)
def test_vague_amounts_are_flagged_with_their_order_of_magnitude(text: str, metric: str, value: int,
                                                                  unit: str) -> None:
    report = _only(text)
    assert (report.metric, report.value, report.unit, report.vague) == (metric, value, unit, True)


# --- ranges ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "low", "high"),
    [
        ("Between 60,000 and 80,000 people fled Afrin in the first days of the offensive.", 60_000, 80_000),
        ("The UN estimates that 60,000-80,000 people have fled Tal Abyad.", 60_000, 80_000),
        ("Between 1.5 and 2 million people have been displaced by the floods in Pakistan.", 1_500_000, 2_000_000),
    ],
)
def test_range_is_one_report_keeping_both_ends(text: str, low: int, high: int) -> None:
    report = _only(text)
    assert report.metric == "displaced"
    assert (report.low, report.high) == (low, high)
    assert report.value == high  # the high end is the figure reports lead with


# --- amounts that are never figures ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("In 2019 the fighting displaced 400,000 people in Idlib.", [("displaced", 400_000)]),
        ("Since 2014, the war in Donbas has killed civilians every month.", []),
        ("Families who fled Raqqa in 2017 are still living in tents.", []),
    ],
)
def test_years_are_not_figures(text: str, expected: list[tuple[str, int]]) -> None:
    assert _pairs(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("On 12 March, shelling forced 3,000 people to flee Saraqib.", [("displaced", 3_000)]),
        ("The bombardment that began on March 12 has killed 230 civilians in Douma.", [("killed", 230)]),
        ("By 31 January 2020, 520,000 people had fled the fighting in Idlib.", [("displaced", 520_000)]),
        ("Residents fled Azaz on 3/11 as the shelling moved closer.", []),
    ],
)
def test_dates_are_not_figures(text: str, expected: list[tuple[str, int]]) -> None:
    assert _pairs(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("At 1430 GMT, rockets hit the camp in Atmeh and wounded 17 people.", [("injured", 17)]),
        ("Residents who fled Azaz were told to stay indoors after 6 p.m. as the shelling went on.", []),
        ("The air strikes began at 05:30 and continued until noon, witnesses said.", []),
    ],
)
def test_clock_times_are_not_figures(text: str, expected: list[tuple[str, int]]) -> None:
    assert _pairs(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "A 25-year-old medic was killed by a sniper in Daraa during the fighting.",
        "Ahmad, 34, fled Maarat al-Numan with his wife and children as the bombing intensified.",
        "Shelling killed a man aged 60 in the countryside of Idlib.",
        "Her son, who is 12 years old, was wounded in the air strike.",
    ],
)
def test_ages_are_not_figures(text: str) -> None:
    assert _pairs(text) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Rebels shelled the town from 4 km away, and 2,500 residents fled.", [("displaced", 2_500)]),
        ("The camp for displaced families lies 15 kilometres from the border with Turkey.", []),
        ("Those who fled walked 30 miles through the mountains to escape the fighting.", []),
    ],
)
def test_distances_are_not_figures(text: str, expected: list[tuple[str, int]]) -> None:
    assert _pairs(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("About 80 percent of the people who fled Idlib are women and children.", []),
        ("Shelling damaged 40% of the town, and 6,000 people fled.", [("displaced", 6_000)]),
        ("Displacement in the region rose by 35 per cent after the offensive, the UN said.", []),
    ],
)
def test_percentages_are_not_figures(text: str, expected: list[tuple[str, int]]) -> None:
    assert _pairs(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "The UN appealed for $2.5 million to help people who fled the fighting in Idlib.",
        "Donors pledged 500 million euros for refugees displaced by the war in Syria.",
        "Each family that fled the floods received 15,000 rupees in emergency cash.",
    ],
)
def test_money_is_not_a_figure(text: str) -> None:
    assert _pairs(text) == []


@pytest.mark.parametrize(
    "text",
    [
        "Families displaced by the floods can call the free hotline on 0800 555 0199 for help.",
        "People who fled the fighting can reach the aid desk on +254 722 123456.",
        "Displaced residents were asked to call 0791234567 to register.",
    ],
)
def test_phone_numbers_are_not_figures(text: str) -> None:
    assert _pairs(text) == []


@pytest.mark.parametrize(
    "text",
    [
        "It is the 3rd time this year that residents have fled Saraqib.",
        "The 21st air strike of the day hit a school in Ariha, killing no one.",
        "Families fled the 2nd district of the city as the fighting spread.",
    ],
)
def test_ordinals_are_not_figures(text: str) -> None:
    assert _pairs(text) == []


def test_article_identifiers_are_not_figures() -> None:
    text = ("Fighting in Idlib has displaced 700,000 people since December.\n"
            "Story ID: 20200130-0412\n"
            "Read more at www.example.com/news/world-middle-east-51234567")
    assert _pairs(text) == [("displaced", 700_000)]


@pytest.mark.parametrize(
    "text",
    [
        "Children displaced by war show high rates of trauma (J Child Psychol. 2015;72(2):118-26).",
        "Refugees who fled the conflict had poorer sleep, see Lancet Psychiatry 2018;5(4):311-19.",
    ],
)
def test_citations_are_not_figures(text: str) -> None:
    assert _pairs(text) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("More than 900,000 people have fled north-west Syria since December.[7]", [("displaced", 900_000)]),
        ("The shelling displaced 45,000 people [12] in the countryside of Hama.", [("displaced", 45_000)]),
        ("Thousands fled [3] as the militia advanced on the town.", [("displaced", 1_000)]),
    ],
)
def test_footnote_markers_are_not_figures(text: str, expected: list[tuple[str, int]]) -> None:
    assert _pairs(text) == expected
