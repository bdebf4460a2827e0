"""Places a person types: spelling-insensitive resolution, unknown names, and adding a village."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.places import PlaceError, add_place, place_picture, resolve
from bot.store import Store
from extractors import default_gazetteer, extract


@pytest.mark.parametrize("spelling", ["Maarat al-Numan", "Maaret al-Nouman", "Ma’arat al-Num’an", "maarat al numan",
                                      "Ma'arrat an-Nu'man"])
def test_every_spelling_of_a_town_is_the_same_place(spelling: str) -> None:
    assert resolve(default_gazetteer(), spelling).place.name == "Maarat al-Numan"


def test_a_town_lies_in_its_province_and_country() -> None:
    gazetteer = default_gazetteer()
    town = resolve(gazetteer, "Saraqeb").place
    assert [p.name for p in gazetteer.ancestors(town)] == ["Idlib Governorate", "Syria"]
    assert gazetteer.within(town, resolve(gazetteer, "Idlib province").place)


def test_an_unknown_name_is_answered_with_the_nearest_names() -> None:
    with pytest.raises(PlaceError) as error:
        resolve(default_gazetteer(), "Saraqibbbx al-Nowhere")
    assert "Did you mean" in str(error.value)


def test_an_added_village_is_found_in_articles_and_lies_in_its_province(tmp_path: Path) -> None:
    gazetteer = default_gazetteer(extra=())
    with Store(tmp_path / "w.db") as store:
        place = add_place(store, gazetteer, "Kafr Hamra", aliases=["Kafar Hamra", "Kfar Hamra"], parent="Idlib")
        assert place.country == "SY"
        restored = default_gazetteer(extra=store.user_places())
    reports = extract("Shelling forced more than 1,200 people to flee Kfar Hamra, north of Idlib, on Thursday.",
                      gazetteer=restored)
    assert [(r.value, r.place) for r in reports] == [(1200, "Kafr Hamra")]
    village = resolve(restored, "Kafar Hamra").place
    assert [p.name for p in restored.ancestors(village)][:1] == ["Idlib Governorate"]


def test_adding_a_place_under_an_unknown_parent_says_so(tmp_path: Path) -> None:
    with Store(tmp_path / "w.db") as store, pytest.raises(PlaceError):
        add_place(store, default_gazetteer(), "Somewhere", aliases=[], parent="Qwxzv Province")


def test_a_place_picture_shows_current_figures_and_history(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from bot.alerts import Rules, Settings, evaluate
    from bot.models import Article

    gazetteer = default_gazetteer()
    with Store(tmp_path / "w.db") as store:
        text = "More than 4,000 people have fled Saraqib since Monday, the UN said."
        article = Article("k1", "http://x/1", "Exodus", text, datetime(2019, 12, 20, tzinfo=UTC), "Wire", "page")
        article_id = store.save_article("feed", article)
        ids = store.save_reports(article_id, extract(text, gazetteer=gazetteer, published=article.published.date()),
                                 "Wire", "http://x/1", article.published)
        rules = Rules({"displaced": 100}, 0.2, {"displaced": 100})
        for report in store.stored_reports(ids):
            if evaluate(report, [], rules, Settings()).becomes_belief:
                store.set_baseline(report)
        picture = place_picture(store, gazetteer, "Saraqeb")
    assert picture.startswith("Saraqib (town, Idlib Governorate, Syria)")
    assert "displaced more than 4,000" in picture
    assert "2019-12-20  displaced      4,000  since 2019-12-16" in picture and "UN via Wire" in picture
