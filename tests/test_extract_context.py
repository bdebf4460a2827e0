"""What a figure is tied to (place, period, source), and which texts yield nothing at all.

Every text here is invented for the test. Periods are resolved against a
publication date given to the extractor.
"""

from __future__ import annotations

from datetime import date

import pytest

from extractors import Report, extract

THURSDAY = date(2020, 1, 30)  # a Thursday


def _reports(text: str, published: date | None = THURSDAY, title: str | None = None) -> list[Report]:
    return extract(text, published=published, title=title)


def _only(text: str, published: date | None = THURSDAY, title: str | None = None) -> Report:
    reports = _reports(text, published, title)
    assert len(reports) == 1, [(r.metric, r.value, r.place, r.period_kind) for r in reports]
    return reports[0]


# --- places -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("spelling", ["Maarat al-Numan", "Maaret al-Nouman", "Ma’arat al-Num’an"])
def test_spelling_variants_are_one_place(spelling: str) -> None:
    report = _only(f"About 5,000 people fled {spelling} on Monday as the bombing intensified.")
    assert (report.value, report.place, report.country) == (5_000, "Maarat al-Numan", "SY")
    assert report.place_text == spelling


@pytest.mark.parametrize(
    ("text", "place"),
    [
        ("Some 3,000 people fled the town of Saraqib, while the army shelled villages near Ariha.", "Saraqib"),
        ("In Idlib province, 700 families have fled in the past week alone.", "Idlib Governorate"),
        ("Shelling hit Ariha again, and 2,000 people fled the town of Saraqib.", "Saraqib"),
        ("Artillery pounded Kharkiv overnight, forcing 1,200 residents of the city to leave their homes.",
         "Kharkiv"),
    ],
)
def test_figure_takes_the_place_its_sentence_ties_it_to(text: str, place: str) -> None:
    report = _only(text)
    assert report.place == place


@pytest.mark.parametrize(
    "second_paragraph",
    [
        "More than 4,000 residents have left since the shelling began, officials said.",
        "More than 4,000 residents have fled since the shelling began, officials said.",
    ],
)
def test_figure_without_a_place_in_its_sentence_takes_the_articles_main_place(second_paragraph: str) -> None:
    title = "Kharkiv under heavy shelling for a third day"
    body = ("Russian artillery pounded Kharkiv again on Tuesday, hitting a market and two schools.\n\n"
            + second_paragraph)
    report = _only(body, title=title)
    assert (report.metric, report.value) == ("displaced", 4_000)
    assert (report.place, report.country) == ("Kharkiv", "UA")


@pytest.mark.parametrize("village", ["Tell Zarqun", "Kafr Dabshiyya"])
def test_unknown_village_is_kept_as_written(village: str) -> None:
    report = _only(f"About 600 people fled the village of {village} after militants attacked it.")
    assert (report.metric, report.value) == ("displaced", 600)
    assert report.place is None
    assert report.place_text == village


# --- periods ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "published", "start", "end", "kind"),
    [
        ("Some 40,000 people have fled Daraa over the past two weeks.", THURSDAY,
         date(2020, 1, 16), date(2020, 1, 30), "window"),
        ("At least 50,000 people have fled Saraqib in the last four days.", THURSDAY,
         date(2020, 1, 26), date(2020, 1, 30), "window"),
        ("Since January 15, 120,000 people have fled the fighting in Idlib.", THURSDAY,
         date(2020, 1, 15), date(2020, 1, 30), "cumulative"),
        ("Since Friday, 82,000 people have fled the fighting in Idlib.", THURSDAY,
         date(2020, 1, 24), date(2020, 1, 30), "cumulative"),
        ("Between 12 and 25 December, 235,000 people fled the fighting in Idlib.", date(2020, 1, 3),
         date(2019, 12, 12), date(2019, 12, 25), "window"),
        ("This week alone, 9,000 people fled the fighting in Marib.", THURSDAY,
         date(2020, 1, 27), date(2020, 1, 30), "window"),
        ("On Monday, 2,000 people fled the town of Saraqib.", THURSDAY,
         date(2020, 1, 27), date(2020, 1, 27), "day"),
    ],
)
def test_periods_are_resolved_against_the_publication_date(text: str, published: date, start: date, end: date,
                                                           kind: str) -> None:
    report = _only(text, published=published)
    assert (report.period_start, report.period_end, report.period_kind) == (start, end, kind)


def test_since_late_month_is_cumulative_from_late_in_that_month() -> None:
    published = date(2019, 6, 10)
    report = _only("More than 300,000 people have been displaced in Idlib since late April.", published=published)
    assert report.period_kind == "cumulative"
    assert report.period_end == published
    assert report.period_start is not None
    assert date(2019, 4, 20) <= report.period_start <= date(2019, 4, 30)


def test_no_period_phrase_means_no_period() -> None:
    report = _only("About 700 people fled Jobas as the shelling went on.")
    assert (report.period_start, report.period_end, report.period_kind) == (None, None, None)


# --- sources ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "source"),
    [
        ("About 10,000 people fled Azaz this week, the UN said.", "UN"),
        ("According to OCHA, 82,000 people have fled the fighting since Friday.", "OCHA"),
        ("Save the Children said 300 children fled the camp after the air raid.", "Save the Children"),
    ],
)
def test_source_is_the_party_the_figure_is_attributed_to(text: str, source: str) -> None:
    report = _only(text)
    assert report.source == source


def test_named_person_is_the_source() -> None:
    report = _only("At least 1,500 families have fled the area, said Issa, a local official.")
    assert report.value == 1_500
    assert report.source is not None
    assert "Issa" in report.source


def test_unattributed_figure_has_no_source() -> None:
    report = _only("About 700 people fled Jobas on Monday.")
    assert report.source is None


# --- unrelated text yields nothing --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Liverpool beat Norwich 4-1 in front of 53,000 fans on Saturday, with Salah scoring twice.",
        "Do 12 reps of each exercise, then rest for two minutes before the next set.",
        "Negotiators were still talking 30 hours before the deadline, diplomats said.",
        "A 25-year-old man was arrested in Manchester on Tuesday, police said.",
        "The study followed 312 patients with diabetes for five years (Am J Med. 2015;72(2):145-52).",
        "Nine people were killed when a bus crashed into a lorry near Homs on Sunday.",
        "The country recorded 57 new covid deaths on Tuesday, the health ministry said.",
        "Two climbers died on the mountain after a storm, rescuers said.",
    ],
)
def test_unrelated_text_yields_no_report(text: str) -> None:
    assert _reports(text) == []


def test_road_crash_in_a_war_article_is_not_a_figure() -> None:
    text = ("The war in Syria has displaced 6 million people inside the country.\n\n"
            "Separately, nine people were killed when a bus crashed into a lorry on the Homs highway.")
    assert [(r.metric, r.value) for r in _reports(text)] == [("displaced", 6_000_000)]


def test_covid_deaths_in_a_refugee_camp_are_not_a_figure() -> None:
    text = ("Health officials in the refugee camp said 12 people had died of covid-19 this month.\n\n"
            "The camp shelters people who fled the war in Syria.")
    assert _reports(text) == []


# --- non-English text yields nothing -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Mehr als 900.000 Menschen sind seit Anfang Dezember vor den Kämpfen in der Provinz Idlib geflohen, "
        "teilten die Vereinten Nationen am Montag mit. Die meisten von ihnen leben in Zelten an der Grenze zur "
        "Türkei, wo es sehr kalt ist und es an allem fehlt.",
        "Plus de 900 000 personnes ont fui les combats dans la province d'Idleb depuis le début du mois de "
        "décembre, selon les Nations unies. La plupart vivent dans des camps près de la frontière turque, où les "
        "conditions sont très difficiles pour les familles.",
        "Más de 900.000 personas han huido de los combates en la provincia de Idlib desde principios de "
        "diciembre, según las Naciones Unidas. La mayoría vive en campamentos cerca de la frontera con Turquía, "
        "donde las condiciones son muy duras para las familias.",
    ],
)
def test_non_english_text_yields_nothing(text: str) -> None:
    assert _reports(text) == []


# --- messy text ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "metric", "value", "in_quote", "not_in_quote"),
    [
        ("The UN&#39;s refugee agency said 4,000 people fled Azaz on Tuesday.", "displaced", 4_000, "UN's",
         "&#39;"),
        ("Syria& # 39;s civil defence said 23 people were killed in the air strikes on Ariha.", "killed", 23,
         "Syria's", "# 39"),
        ("quot;More than 6,000 people fled Sarmada overnight,quot; the official said.", "displaced", 6_000,
         "More than 6,000", "quot;"),
        ("The regionâ€™s governor said 8,500 people had been evacuated from the coast.", "displaced", 8_500,
         "region’s", "â€"),
    ],
)
def test_entities_and_mojibake_are_repaired(text: str, metric: str, value: int, in_quote: str,
                                            not_in_quote: str) -> None:
    report = _only(text)
    assert (report.metric, report.value) == (metric, value)
    assert in_quote in report.quote
    assert not_in_quote not in report.quote


def test_mojibake_in_a_source_name_is_repaired() -> None:
    report = _only("MÃ©decins Sans FrontiÃ¨res said 2,000 people fled the fighting in Bangui.")
    assert (report.metric, report.value) == ("displaced", 2_000)
    assert report.source == "Médecins Sans Frontières"


@pytest.mark.parametrize(
    "text",
    [
        "UPDATE, 1430 GMT: Shelling has forced 3,000 more people to flee Ariha.",
        "UPDATE, 1430 GMT:\nShelling has forced 3,000 more people to flee Ariha.",
    ],
)
def test_live_blog_header_is_not_a_figure(text: str) -> None:
    reports = _reports(text)
    assert [(r.metric, r.value, r.increment) for r in reports] == [("displaced", 3_000, True)]


def test_photo_caption_printed_twice_is_reported_once() -> None:
    caption = "A camp near Atmeh, where 1,500 newly displaced families arrived this week. (Photo: AFP)"
    text = (f"{caption}\n\n"
            "The fighting in Idlib has intensified since December, with daily air strikes on towns in the south "
            "of the province.\n\n"
            f"{caption}\n\n"
            "Aid groups say the camps are already full.")
    reports = _reports(text)
    assert [(r.metric, r.value, r.unit) for r in reports] == [("displaced", 1_500, "families")]
