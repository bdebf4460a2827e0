"""The extractor against the project's own gold sets, held to floors so accuracy cannot slip back.

tests/gold: 56 short articles written for this project about crises in more
than 25 countries, plus unrelated stories that must yield nothing.
seeds/demo: the eight pages of the offline demo.
A prediction matches a required figure when metric and value agree (a range
or a two-unit figure may match either value); every other exact prediction
that matches no optional figure is a false positive.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pytest
from rapidfuzz import fuzz

from bot.cli import read_document
from extractors import Report, default_gazetteer, extract
from extractors.placenames import skeleton

REPO = Path(__file__).resolve().parents[1]


@dataclass
class Score:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    place_hits: int = 0
    status_checked: int = 0
    status_hits: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def place(self) -> float:
        return self.place_hits / self.tp if self.tp else 0.0


def _values(figure: dict) -> list[int]:
    value = figure.get("value")
    return [value] if isinstance(value, int) else [v for v in value if isinstance(v, int)] \
        if isinstance(value, list) else []


def _same_place(predicted: str | None, accepted: list[str]) -> bool:
    if "*" in accepted:
        return True
    if not predicted:
        return False
    key = skeleton(predicted)
    return any(key == skeleton(name) or fuzz.ratio(key, skeleton(name)) >= 80 for name in accepted)


def _read(path: Path, published: str | None) -> list[Report]:
    text, title, page_date = read_document(path)
    when = date.fromisoformat(published) if published else page_date
    return extract(text, title=title, published=when, gazetteer=default_gazetteer())


def score(gold_file: Path, documents: Path) -> Score:
    gold = json.loads(gold_file.read_text(encoding="utf-8"))
    result = Score()
    for doc in gold["documents"]:
        predictions = [r for r in _read(documents / doc["file"], doc.get("published")) if not r.vague]
        required = [dict(g, hit=False) for g in doc["required"]]
        optional = [g for g in doc.get("optional", []) if _values(g)]
        for report in predictions:
            match = next((g for g in required if not g["hit"] and g["metric"] == report.metric
                          and report.value in _values(g)), None)
            if match is None:
                if not any(g["metric"] == report.metric and report.value in _values(g) for g in optional):
                    result.fp += 1
                    result.problems.append(f"{doc['file']}: false {report.metric} {report.value}: {report.quote[:80]}")
                continue
            match["hit"] = True
            result.tp += 1
            result.place_hits += _same_place(report.place, match["places"])
            if match.get("status"):
                result.status_checked += 1
                result.status_hits += report.status == match["status"]
                if report.status != match["status"]:
                    result.problems.append(f"{doc['file']}: {report.metric} {report.value} is {report.status}, "
                                           f"expected {match['status']}: {report.quote[:80]}")
        for g in required:
            if not g["hit"]:
                result.fn += 1
                result.problems.append(f"{doc['file']}: missed {g['metric']} {g['value']} ({g.get('note', '')})")
    return result


@pytest.mark.parametrize(("gold", "docs", "precision", "recall", "place"), [
    ("tests/gold/gold.json", "tests/gold/articles", 0.97, 0.95, 0.78),
    ("seeds/demo/gold.json", "seeds/demo/articles", 0.95, 0.85, 0.85),
])
def test_gold_set_floors(gold: str, docs: str, precision: float, recall: float, place: float) -> None:
    result = score(REPO / gold, REPO / docs)
    summary = (f"precision {result.precision:.3f} recall {result.recall:.3f} place {result.place:.3f}\n"
               + "\n".join(result.problems))
    assert result.precision >= precision, summary
    assert result.recall >= recall, summary
    assert result.place >= place, summary
    assert result.status_hits == result.status_checked, summary


def test_unrelated_articles_yield_nothing() -> None:
    gold = json.loads((REPO / "tests/gold/gold.json").read_text(encoding="utf-8"))
    unrelated = [d for d in gold["documents"] if not d["required"] and not d.get("optional")]
    assert len(unrelated) >= 8
    found = {d["file"]: [(r.metric, r.value) for r in _read(REPO / "tests/gold/articles" / d["file"], d["published"])
                         if not r.vague] for d in unrelated}
    assert all(not reports for reports in found.values()), found
