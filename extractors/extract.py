"""text in → reports out: the extractors' one entry point.

Repairs the text, splits it into sentences, finds the figures in each, ties
each figure to its place, period and source, and keeps one report per figure
per article (a headline that repeats the body is one report).
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import date

from extractors.figures import Figure, find_figures
from extractors.gazetteer import Gazetteer, Place, default_gazetteer
from extractors.numbers import find_numbers
from extractors.periods import find_periods, period_for
from extractors.placematch import LOCATIVES, PLACE_NOUNS_BEFORE, PlaceFinder, PlaceMention
from extractors.published import detect_published
from extractors.relevance import crisis_context, crisis_sentence, looks_english, outside_crisis
from extractors.report import Report
from extractors.sources import find_source
from extractors.text import Sentence, repair, split_sentences
from extractors.tokens import Token, tokenize

_MAY_COUNT = re.compile(
    r"\d|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|"
    r"seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundreds?|thousands?|"
    r"millions?|billions?|dozens?|scores|half|tens)\b", re.IGNORECASE)
_TIES = (LOCATIVES | PLACE_NOUNS_BEFORE | {"fled", "flee", "fleeing", "left", "leaving", "evacuated", "hit",
                                           "struck", "shelled", "bombed", "attacked", "targeted", "besieged"}) \
    - {"on", "over", "to", "into", "towards", "toward", "at"}
_WEAK_TIES = {"to", "into", "towards", "toward", "at", "on"}


def extract(text: str, *, published: date | None = None, title: str | None = None,
            gazetteer: Gazetteer | None = None) -> list[Report]:
    """All figures of displacement, deaths, injuries and strikes in one article."""
    gazetteer = gazetteer or default_gazetteer()
    body = repair(text)
    if title:
        title = repair(title)
        if title and not body.startswith(title):
            body = f"{title}\n{body}"
    if not looks_english(body):
        return []
    in_crisis = crisis_context(body)
    published = published or detect_published(body)
    sentences = split_sentences(body)
    tokens_of: dict[int, list[Token]] = {}
    found: list[tuple[int, list[Figure]]] = []
    for index, sentence in enumerate(sentences):
        if not _MAY_COUNT.search(sentence.text):
            continue  # no digit and no number word: nothing to count
        tokens = tokens_of[index] = tokenize(sentence.text)
        numbers = find_numbers(tokens)
        if not any(not n.rejected for n in numbers):
            continue
        figures = [f for f in find_figures(tokens, numbers) if _in_scope(f, in_crisis, sentence.text)]
        if figures:
            found.append((index, figures))
    if not found:
        return []  # most articles: no figure, so no need to read their places
    analysed = [(sentence, tokens_of.get(i) or tokenize(sentence.text)) for i, sentence in enumerate(sentences)]
    mentions_by_sentence = _places(body, analysed, gazetteer)
    dominant = _dominant_place(mentions_by_sentence, sentences)
    reports: list[Report] = []
    for index, figures in found:
        sentence, tokens = analysed[index]
        periods = find_periods(sentence.text, published)
        for figure in figures:
            reports.append(_report(figure, sentence, tokens, mentions_by_sentence[index], dominant, periods))
    return _one_per_figure(reports)


def _places(body: str, analysed: list[tuple[Sentence, list[Token]]], gazetteer: Gazetteer) -> list[list[PlaceMention]]:
    """Place mentions of every sentence; a first pass sets the article's countries for the second."""
    lowercase_words = set(re.findall(r"\b[a-z][a-z]+\b", body))
    demonyms = gazetteer.demonyms()
    countries = {demonyms[w.lower()] for w in re.findall(r"\b[A-Z][a-z]+\b", body) if w.lower() in demonyms}
    finder = PlaceFinder(gazetteer, lowercase_words, countries)
    for _, tokens in analysed:
        finder.find(tokens)
    return [finder.find(tokens) for _, tokens in analysed]


def _in_scope(figure: Figure, in_crisis: bool, sentence: str) -> bool:
    """Deaths, injuries and strikes count only in a crisis, and not from disease, crashes or sport."""
    if figure.metric == "displaced":
        return True
    return (in_crisis or crisis_sentence(sentence)) and not outside_crisis(sentence)


def _report(figure: Figure, sentence: Sentence, tokens: list[Token], mentions: list[PlaceMention],
            dominant: PlaceMention | None, periods: list) -> Report:
    number = figure.number
    start_char = tokens[number.start].start
    end_char = tokens[number.end - 1].end
    clause = (tokens[figure.clause_start].start if figure.clause_start < len(tokens) else 0,
              tokens[figure.clause_end - 1].end if 0 < figure.clause_end <= len(tokens) else len(sentence.text))
    mention = _place_for(figure, mentions) or dominant
    place: Place | None = mention.place if mention else None
    period = period_for(periods, start_char, end_char, clause)
    source = find_source(sentence.text, prefer_after=end_char,
                         not_sources=frozenset(m.text for m in mentions if m.place is not None))
    extras: dict = {"rule": figure.rule}
    if figure.also:
        extras["also"] = {"value": figure.also[0], "unit": figure.also[1]}
    if number.previous_value is not None:
        extras["previous_value"] = number.previous_value
    if sentence.paragraph == 0:
        extras["headline"] = True
    return Report(
        metric=figure.metric, value=figure.value, unit=figure.unit, qualifier=figure.qualifier,
        vague=number.vague, low=number.low, high=number.high, status=figure.status, increment=figure.increment,
        place=place.name if place else None, place_text=mention.text if mention else None,
        country=place.country if place else None,
        period_start=period.start if period else None, period_end=period.end if period else None,
        period_kind=period.kind if period else None, period_text=period.text if period else None,
        source=source, quote=sentence.text, span=(sentence.start + start_char, sentence.start + end_char),
        extras={**extras, "place_id": place.id} if place else extras)


def _place_for(figure: Figure, mentions: list[PlaceMention]) -> PlaceMention | None:
    """The place the sentence ties a figure to."""
    if not mentions:
        return None
    number = figure.number
    in_clause = [m for m in mentions if figure.clause_start <= m.token_start < figure.clause_end]

    def rank(m: PlaceMention) -> tuple:
        inside_np = figure.head is not None and number.end <= m.token_start < figure.head
        after = m.token_start >= number.end
        tied = m.before in _TIES or m.after in ("province", "governorate", "region", "city", "town", "village",
                                                "countryside", "district", "camp")
        weak = m.before in _WEAK_TIES
        known = m.place is not None
        distance = (m.token_start - number.end) if after else (number.start - m.token_end)
        # "Syria's Idlib province": the possessive country only qualifies the place after it
        qualifier_only = m.text.endswith(("'s", "’s")) and m.place is not None and m.place.kind == "country"
        if figure.status == "stock":  # "Turkey, which hosts 3.6 million refugees from Syria": the host
            return (after, not known, abs(distance))
        return (not inside_np, qualifier_only, not (tied or weak), weak, not known, not after, abs(distance))

    pool = in_clause or mentions
    best = min(pool, key=rank)
    if best.place is None and best.before not in _TIES:
        known = [m for m in pool if m.place is not None]
        if known:
            best = min(known, key=rank)
    return best


def _dominant_place(mentions_by_sentence: list[list[PlaceMention]], sentences: list[Sentence]) -> PlaceMention | None:
    """The place an article is mostly about: counted, the headline and lead weighing more."""
    weights: Counter[str] = Counter()
    first: dict[str, PlaceMention] = {}
    for sentence, mentions in zip(sentences, mentions_by_sentence, strict=True):
        weight = 2.0 if sentence.paragraph == 0 else (1.5 if sentence.paragraph <= 3 else 1.0)
        for m in mentions:
            if m.place is None:
                continue
            kind_weight = 0.6 if m.place.kind == "country" else 1.0
            weights[m.place.id] += weight * kind_weight
            first.setdefault(m.place.id, m)
    if not weights:
        return None
    best_id, _ = weights.most_common(1)[0]
    return first[best_id]


def _richness(report: Report) -> tuple:
    return (report.status == "new", not report.extras.get("headline"), report.place is not None,
            report.period_kind is not None, report.source is not None)


def _rounds_a_body_figure(report: Report, reports: list[Report]) -> bool:
    """'El Fasher displacement tops 30,000' over a body's 'more than 31,000': one figure, rounded for the headline."""
    return bool(report.extras.get("headline")) and not report.vague and any(
        other is not report and not other.extras.get("headline") and other.metric == report.metric
        and not other.vague and abs(other.value - report.value) <= 0.1 * max(other.value, report.value)
        for other in reports)


def _one_per_figure(reports: list[Report]) -> list[Report]:
    """One report per figure per article: a repeat (headline, summary, caption) merges into the fullest."""
    reports = [r for r in reports if not _rounds_a_body_figure(r, reports)]
    chosen: dict[tuple, Report] = {}
    order: list[tuple] = []
    for report in reports:
        key = (report.metric, report.value, report.vague)
        if key in chosen:
            if _richness(report) > _richness(chosen[key]):
                chosen[key] = report
            continue
        chosen[key] = report
        order.append(key)
    return [chosen[k] for k in order]
