"""Which amounts are figures of displacement, deaths, injuries or strikes.

The metric of an amount is read from the grammar around it, not from a
keyword somewhere in the sentence:

- the noun it counts ("47 air strikes", "300 dead", "12,000 displaced people");
- the verb that takes it as object ("killing around 1,000 civilians",
  "forced another 120,000 Syrians to flee");
- an aggregate it is the value of ("the death toll rose to 57", "put the
  number of displaced people at 120,000", "those who fled number 12,000");
- the verb it is the subject of ("30,000 people have left the area",
  "47 communities were hit by air strikes");
- and, last, the only kind of figure the sentence speaks of, for an amount
  that counts people but has no verb of its own ("we are talking about at
  least 50,000 in the last four days").

Counts of things (tents, houses, trucks), populations ("home to 3 million",
"a city of 70,000") and amounts that are not counts (see numbers.py) are
never figures. Projections, returns and standing populations are kept with
their status so that nothing downstream mistakes them for new displacement.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from extractors import lexicon as lx
from extractors.numbers import NumberMention
from extractors.tokens import Token

_DEMONYM = re.compile(r"^[A-Z][a-z]+(?:ians|ans|is|ese|ites|ers|ns)$")
_NOT_DEMONYMS = {"Thousands", "Dozens", "Hundreds", "Millions", "Tens", "Others", "Officials", "Authorities",
                 "Forces", "Islamists", "Kurds"}
_SMALL_WORD_LIMIT = 10
# "a city of 70,000", "a population of 3 million": what follows "of" is how many live there
_SETTLEMENTS = {"city", "town", "village", "population", "populations", "capital", "metropolis", "nation", "country",
                "community", "camp", "district", "province", "region", "area", "settlement", "county",
                "municipality", "state", "island", "neighbourhood", "neighborhood"}


@dataclass(frozen=True, slots=True)
class Figure:
    """A figure found in a sentence, before its place, period and source are resolved."""

    metric: str
    value: int
    number: NumberMention
    unit: str
    qualifier: str | None
    status: str
    increment: bool
    rule: str  # which grammar rule tied the amount to its metric (for explanations and tests)
    cue: int  # token index of the word that decided the metric
    head: int | None  # token index of the counted noun
    clause_start: int
    clause_end: int
    also: tuple[int, str] | None = None  # the same figure in a second unit: (value, unit)


@dataclass(slots=True)
class _Head:
    kind: str  # person | metric | strike | site | housing | nonfigure | unknown | bare
    index: int | None
    word: str | None
    metric: str | None  # a metric named inside the noun phrase ("displaced people", "dead")
    end: int  # first token after the noun phrase


class _Sentence:
    def __init__(self, tokens: list[Token], numbers: list[NumberMention]):
        self.tokens = tokens
        self.lower = [t.lower for t in tokens]
        self.numbers = numbers
        self.number_at = {m.start: m for m in numbers}
        self.candidate_starts = {m.start for m in numbers if not m.rejected}
        self.alternates: set[int] = set()

    def w(self, i: int) -> str:
        return self.lower[i] if 0 <= i < len(self.lower) else ""

    def clause_bounds(self, start: int, end: int) -> tuple[int, int]:
        left = start
        while left > 0 and self.lower[left - 1] not in (";", ":", ".", "?", "!"):
            left -= 1
        right = end
        while right < len(self.lower) and self.lower[right] not in (";", ".", "?", "!"):
            right += 1
        return left, right


def find_figures(tokens: list[Token], numbers: list[NumberMention]) -> list[Figure]:
    """Every figure of a tracked metric in one sentence."""
    sentence = _Sentence(tokens, numbers)
    figures: list[Figure] = []
    unresolved: list[NumberMention] = []
    for mention in numbers:
        if mention.rejected or mention.start in sentence.alternates:
            continue
        figure = _classify(sentence, mention)
        if figure is None and figures:
            figure = _coordinated(sentence, mention, figures[-1])
        if figure is not None:
            figures.append(figure)
        else:
            unresolved.append(mention)
    # Last, an amount of people with no verb of its own may take the one kind of figure its
    # sentence speaks of, unless another amount already carries that kind.
    claimed = {f.metric for f in figures if not f.number.vague}
    for mention in unresolved:
        figure = _classify(sentence, mention, fallback=True)
        if figure is not None and figure.metric not in claimed:
            figures.append(figure)
    return sorted(figures, key=lambda f: f.number.start)


def _coordinated(s: _Sentence, mention: NumberMention, previous: Figure) -> Figure | None:
    """'killed 89 in Badakhshan and 58 in Takhar': an amount joined to a figure shares its metric."""
    between = s.lower[previous.number.end:mention.start]
    if not between or len(between) > 8 or between[-1] not in ("and", ",", "another", "with"):
        return None
    if any(w in lx.CLAUSE_BREAKS for w in between):
        return None
    if any(_cue_metric(w) for k, w in enumerate(between, start=previous.number.end) if k != previous.cue):
        return None
    head = _head(s, mention)
    if head.kind not in ("bare", "person") or (head.kind == "bare" and mention.value < 2):
        return None
    qualifier, increment, q_start = _qualifier(s, mention.start)
    if _part_of_another(s, mention, q_start, head):
        return None
    return Figure(previous.metric, mention.value, mention, _unit(previous.metric, head) if head.word else previous.unit,
                  qualifier, previous.status, increment, "coordinated", previous.cue, head.index,
                  previous.clause_start, previous.clause_end)


def _qualifier(s: _Sentence, start: int) -> tuple[str | None, bool, int]:
    """The qualifier before an amount, whether it marks an increment, and where it starts."""
    best: tuple[str | None, bool, int] = (None, False, start)
    for words, canonical in sorted(lx.QUALIFIERS.items(), key=lambda kv: -len(kv[0])):
        n = len(words)
        if start - n >= 0 and tuple(s.lower[start - n:start]) == words:
            increment = canonical == "more"
            best = (None if canonical in ("more", "") else canonical, increment, start - n)
            break
    qualifier, increment, q_start = best
    # "another 20,000", "a further 300", "an additional 4,700", optionally before a qualifier
    for back in (1, 2):
        word = s.w(q_start - back)
        if word in ("another", "further", "additional") and back == 1:
            increment = True
            q_start -= 1 if word == "another" else (2 if s.w(q_start - 2) in ("a", "an") else 1)
            break
    if s.w(q_start - 1) in ("an", "the") and s.w(q_start) in ("estimated",):
        q_start -= 1
    if s.w(q_start - 1) in ("estimated", "approximately", "some") and qualifier is None:
        qualifier = "about"
        q_start -= 1
    return qualifier, increment, q_start


def _is_person_word(token: Token) -> bool:
    if token.lower in lx.PERSON_HEADS:
        return True
    return bool(token.kind == "word" and _DEMONYM.match(token.text) and token.text not in _NOT_DEMONYMS)


def _metric_word(word: str) -> str | None:
    """The metric a participle or noun inside a noun phrase names."""
    if word in ("displaced", "idps", "idp", "evacuees", "homeless", "evacuee", "uprooted", "displacements",
                "arrivals", "newcomers", "escapees"):
        return "displaced"
    if word in ("dead", "killed", "fatalities"):
        return "killed"
    if word in ("wounded", "injured"):
        return "injured"
    return None


def _head(s: _Sentence, mention: NumberMention) -> _Head:
    """The noun an amount counts, with what stands between them."""
    j = mention.end
    skipped_unknown = False
    np_metric: str | None = None
    limit = min(len(s.tokens), mention.end + 6)
    while j < limit:
        token = s.tokens[j]
        word = s.lower[j]
        if token.kind != "word":
            if word == "-" and j + 1 < limit:  # "air-strikes"
                j += 1
                continue
            break
        metric = _metric_word(word)
        if word in ("air", "aerial", "barrel", "artillery", "drone", "rocket", "missile", "mortar") and \
                s.w(j + 1) in lx.STRIKE_HEADS | {"strikes", "-"}:
            j += 1
            continue
        if word in lx.STRIKE_HEADS and np_metric is None:
            if s.w(j - 1) in ("car", "truck", "suicide", "roadside", "parcel", "letter", "pipe", "nail"):
                return _Head("nonfigure", j, word, None, j + 1)  # "two car bombs": attacks, not strikes
            return _Head("strike", j, word, "strikes", j + 1)
        if word in lx.SITE_HEADS:
            return _Head("site", j, word, np_metric, j + 1)
        if word in ("homes", "houses", "dwellings", "shelters") and not skipped_unknown:
            return _Head("housing", j, word, np_metric, j + 1)
        if metric is not None:
            np_metric = metric
            if _is_person_word(s.tokens[j + 1]) if j + 1 < len(s.tokens) else False:
                j += 1
                return _Head("person", j, s.lower[j], np_metric, j + 1)
            return _Head("metric", j, word, np_metric, j + 1)
        if word == "others" and any(w in lx.SITE_HEADS for w in s.lower[:mention.start]):
            return _Head("site", j, next(w for w in reversed(s.lower[:mention.start]) if w in lx.SITE_HEADS),
                         np_metric, j + 1)  # "23 communities were hit ..., while 17 others were shelled"
        if _is_person_word(token) and token.is_capitalized and s.w(j + 1) in lx.PERSON_HEADS:
            j += 1  # "400,000 Sudanese refugees": the demonym qualifies the noun after it
            continue
        if _is_person_word(token):
            after = s.w(j + 1)
            participle = _metric_word(after)
            if participle:  # "120,000 people displaced", "12 civilians killed"
                return _Head("person", j, word, participle, j + 2)
            return _Head("person", j, word, np_metric, j + 1)
        if word in lx.NON_FIGURE_HEADS:
            return _Head("nonfigure", j, word, None, j + 1)
        if word == "of":
            nxt = s.w(j + 1)
            if nxt in ("them", "those", "whom", "these", "which"):
                return _Head("person", j + 1, nxt, np_metric, j + 2)
            if nxt in ("the", "their", "its"):
                j += 2
                continue
            if mention.vague or nxt in lx.PERSON_HEADS or nxt in lx.SITE_HEADS or nxt in lx.NON_FIGURE_HEADS:
                j += 1  # "dozens of towns", "thousands of people"
                continue
            break
        if word in ("more", "new", "newly", "other", "additional", "internally", "civilian", "innocent", "local",
                    "young", "elderly", "vulnerable", "unaccompanied", "foreign", "fresh", "further", "most",
                    "mostly", "mainly", "including", "some", "ethnic", "armed", "displaced", "total"):
            j += 1
            continue
        if word in lx.AUXILIARIES or word in lx.CLAUSE_BREAKS or word in lx.LOCATIVE_PREPOSITIONS \
                or word in ("and", "or", "who", "that", "which", "the", "a", "an", "this", "last", "these", "those") \
                or _cue_metric(word) is not None or word in lx.RETURN_CUES:
            break
        if token.is_capitalized:  # a place or group as modifier: "Idlib residents", "Rohingya refugees"
            j += 1
            continue
        skipped_unknown = True
        j += 1
    if skipped_unknown:
        return _Head("unknown", None, None, np_metric, j)
    return _Head("bare", None, None, np_metric, mention.end)


def _cue_metric(word: str) -> str | None:
    if word in lx.KILLED_CUES:
        return "killed"
    if word in lx.INJURED_CUES:
        return "injured"
    if word in lx.DISPLACED_CUES or word in ("force", "forces", "forcing", "drove", "drive", "driving"):
        return "displaced"
    return None


def _displacement_complement_ok(s: _Sentence, i: int, subject_is_people: bool) -> bool:
    """Cues like 'left', 'forced', 'took' only mean flight with the right complement."""
    word = s.w(i)
    nxt = s.lower[i + 1:i + 6]
    if word in ("left", "leave", "leaving", "abandoned", "deserted"):
        if s.w(i - 1) == "to" and s.w(i - 2) in ("had", "have", "has", "forced", "made", "compelled", "obliged"):
            return True  # "had to leave", "were forced to leave"
        if s.w(i - 1) in ("have", "has", "had", "already") and (not nxt or nxt[0] in (
                "since", "over", "during", "after", "in", "on", ",", ".", "this", "last", "amid", "as", "for")):
            return subject_is_people  # "4,000 residents have left since the shelling began"
        if not nxt:
            return False
        skip = nxt[0] in ("their", "the", "his", "her", "its", "behind")
        first = (nxt[1] if len(nxt) > 1 else "") if skip else nxt[0]
        return first in ("homes", "home", "houses", "area", "areas", "town", "city", "village", "villages",
                         "region", "country", "camp", "camps", "district", "province", "neighbourhood", "for",
                         "neighborhood", "homeland", "everything", "towns", "cities", "governorate", "state") \
            or (i + 1 < len(s.tokens) and s.tokens[i + 1].is_capitalized and subject_is_people)
    if word in ("forced", "force", "forces", "forcing", "driven", "drove", "drive", "driving", "chased"):
        return any(w in ("flee", "leave", "from", "out", "abandon", "evacuate", "away", "to flee", "homes",
                         "fleeing", "relocate", "move") for w in nxt)
    if word in ("moved", "crossed", "arrived", "arriving", "streamed", "poured", "headed", "heading", "trekked",
                "flocked", "ran", "run", "running", "scattered", "packed", "migrated"):
        allowed = ("to", "into", "across", "towards", "toward", "from", "away", "border", "out", "for")
        if word in ("arrived", "arriving"):
            allowed = (*allowed, "in", "at")  # "90,000 refugees have arrived in Bangladesh"
        return subject_is_people and any(w in allowed for w in nxt[:3])
    if word in ("sought", "seek", "seeking", "took", "taken", "taking"):
        return any(w in ("refuge", "shelter", "sanctuary") for w in nxt[:3])
    if word in ("refuge", "shelter"):
        return s.w(i - 1) in ("sought", "seek", "seeking", "took", "taken", "taking", "found", "find", "in")
    return word != "trapped"


def _killed_complement_ok(s: _Sentence, i: int) -> bool:
    word = s.w(i)
    if word == "lives":
        return s.w(i - 1) in ("their", "the") and s.w(i - 2) in ("lost", "losing", "claimed", "claiming")
    if word in ("burned", "burnt"):
        return s.w(i + 1) in ("alive", "to")
    if word == "bodies":
        return True
    if word == "buried":
        return s.w(i + 1) in ("alive", "under", "beneath")
    if word == "toll":
        return True
    return True


def _strike_complement_ok(s: _Sentence, i: int) -> bool:
    """'hit', 'affected' count a struck site only when by a weapon."""
    word = s.w(i)
    if word in ("affected", "hit", "struck", "targeted", "attacked"):
        window = s.lower[i + 1:i + 6]
        if word in ("hit", "struck", "targeted", "attacked") and window[:1] != ["by"]:
            return True
        return any(w in lx.STRIKE_WEAPONS for w in window)
    if word == "fire":
        return s.w(i - 1) == "under"
    return word in ("shelled", "bombed", "pounded", "raided", "bombarded")


def _subset(s: _Sentence, q_start: int) -> bool:
    """'killed 40, including 12 children', 'of whom 6,142 ...', '(including 44 older people and 139 children)'."""
    if s.w(q_start - 1) in ("whom", "which") and s.w(q_start - 2) == "of":
        return True
    if s.w(q_start - 1) == "them" and s.w(q_start - 2) == "among":
        return True
    for k in range(q_start - 1, max(-1, q_start - 9), -1):
        word = s.lower[k]
        if word in ("including", "includes", "incl"):
            return True
        if word in lx.CLAUSE_BREAKS or _cue_metric(word) or word in lx.AUXILIARIES:
            return False
    return False


def _part_of_another(s: _Sentence, mention: NumberMention, q_start: int, head: _Head) -> bool:
    """A part of a figure already counted: 'including 50 children', '4,000 of them children'."""
    if _subset(s, q_start):
        return True
    return head.word in ("them", "whom", "those", "these") and any(
        m.start < mention.start and not m.rejected for m in s.numbers)


def _classify(s: _Sentence, mention: NumberMention, *, fallback: bool = False) -> Figure | None:
    head = _head(s, mention)
    if head.kind in ("nonfigure", "unknown"):
        return None
    also = _second_unit(s, head)
    qualifier, increment, q_start = _qualifier(s, mention.start)
    if s.w(mention.end) == "more" or s.w(head.end) == "more":
        increment = True
    clause_start, clause_end = s.clause_bounds(q_start, head.end)
    small_word = s.tokens[mention.start].kind == "word" and mention.value < _SMALL_WORD_LIMIT and not mention.vague

    if _part_of_another(s, mention, q_start, head):
        return None  # "killed 558 people, including 50 children": a part of a figure already counted
    if s.w(q_start - 1) == "of" and s.w(q_start - 2) in ("group", "team", "band", "gang", "unit", "squad", "convoy"):
        return None  # "a group of 20 armed men"
    blocked = _population_block(s, q_start, head)
    if blocked == "population":
        return None
    status = "stock" if blocked == "stock" else "new"

    stock = ("displaced", "stock", q_start - 1) if status == "stock" else None
    decided = (stock or _by_noun(s, mention, head) or _by_preceding_verb(s, q_start, head)
               or _by_aggregate(s, mention, q_start, head) or _by_following_verb(s, mention, head))
    if decided is None and fallback and not small_word and head.kind in ("person", "bare"):
        decided = _by_sentence(s, mention, head)
    if decided is None:
        return None
    metric, rule, cue = decided
    if head.kind == "bare" and small_word and rule in ("following-verb", "sentence"):
        return None
    if head.kind == "housing" and not (metric == "displaced" and s.w(cue).startswith("evacuat")):
        return None
    if metric == "strikes" and head.kind in ("person",):
        return None
    if status == "new" and rule != "stock":
        status = _status(s, mention, q_start, cue, metric, rule)
    return Figure(metric, mention.value, mention, _unit(metric, head), qualifier, status, increment, rule, cue,
                  head.index, clause_start, clause_end, also)


def _population_block(s: _Sentence, q_start: int, head: _Head) -> str | None:
    """'home to 3 million', 'a city of 70,000', 'population of', 'hosts 3.6 million refugees'."""
    before = s.lower[max(0, q_start - 4):q_start]
    if before[-2:] == ["home", "to"] or before[-3:-1] == ["home", "to"]:
        return "stock" if head.word in ("refugees", "idps", "displaced") else "population"
    if before[-1:] == ["of"] and len(before) >= 2 and before[-2] in _SETTLEMENTS \
            and not (head.kind == "person" and head.metric):
        return "population"
    if any(w in lx.POPULATION_CUES for w in before) or head.word in lx.POPULATION_CUES:
        return "population"
    if any(w in lx.STOCK_CUES for w in before[-3:]):
        return "stock" if head.word in ("refugees", "idps", "displaced") or head.metric == "displaced" \
            else "population"
    return None


def _by_noun(s: _Sentence, mention: NumberMention, head: _Head) -> tuple[str, str, int] | None:
    """The counted noun names the metric: '47 air strikes', '300 dead', '12,000 displaced people'."""
    if head.kind == "strike" and head.index is not None:
        return "strikes", "noun", head.index
    if head.metric and head.index is not None:
        verb = _by_following_verb(s, mention, head)
        if verb and verb[0] in ("killed", "injured") and head.metric == "displaced":
            return verb  # "230 IDPs were killed": they died
        return head.metric, "noun", head.index
    return None


def _by_preceding_verb(s: _Sentence, q_start: int, head: _Head) -> tuple[str, str, int] | None:
    """The amount is the object: 'killing around 1,000 civilians', 'the displacement of 50,000'."""
    i = q_start - 1
    while i >= 0 and s.lower[i] in ("the", "a", "an", "some", "at", "least", "than", "only", "just", "all",
                                    "nearly", "almost", "about", "around", "over"):
        i -= 1
    if i < 0:
        return None
    word = s.lower[i]
    if word == "of" and i > 0:
        noun = s.lower[i - 1]
        if noun in ("displacement", "evacuation", "relocation", "exodus", "flight"):
            return "displaced", "preceding-verb", i - 1
        if noun in ("deaths", "death", "killing", "killings", "murder", "massacre", "lives"):
            if noun == "lives" and not _killed_complement_ok(s, i - 1):
                return None
            return "killed", "preceding-verb", i - 1
        if noun in ("injuring", "wounding"):
            return "injured", "preceding-verb", i - 1
        if noun == "toll":
            return _toll_metric(s, i - 1), "aggregate", i - 1
        return None
    if word == "left" and head.metric in ("killed", "injured"):
        return head.metric, "preceding-verb", i
    if word in ("claimed", "claiming", "claim", "claims", "took", "taking", "cost", "costing") \
            and head.word == "lives":
        return "killed", "preceding-verb", i
    if word in ("killed", "killing", "kill", "kills", "massacred", "executed", "slaughtered", "murdered"):
        return "killed", "preceding-verb", i
    if word in ("wounded", "wounding", "injured", "injuring", "injure", "wound", "maiming", "maimed"):
        return "injured", "preceding-verb", i
    if word in ("displaced", "displacing", "displace", "displaces", "uprooted", "uprooting", "evacuated",
                "evacuating", "evacuate", "relocated", "relocating", "expelled", "expelling", "forced", "forcing",
                "force", "forces", "drove", "driving", "driven", "drive", "sent", "sending", "pushed", "pushing",
                "chased", "chasing"):
        if word in ("forced", "forcing", "force", "forces", "drove", "driving", "driven", "drive", "sent", "sending",
                    "pushed", "pushing", "chased", "chasing"):
            after = s.lower[head.end:head.end + 5]
            if not any(w in ("flee", "leave", "from", "out", "fleeing", "abandon", "evacuate", "away", "to flee",
                             "relocate", "homes") for w in after):
                return None
        return "displaced", "preceding-verb", i
    if word in ("returned", "repatriated"):
        return "displaced", "preceding-verb", i
    if word in ("hit", "struck", "targeted", "shelled", "bombed", "attacked", "pounded", "raided", "bombarded") \
            and head.kind == "site":
        return "strikes", "preceding-verb", i
    if word == "sheltering" or (word == "hosting" and head.word in ("idps", "displaced")):
        return "displaced", "preceding-verb", i
    return None


def _toll_metric(s: _Sentence, toll_index: int) -> str:
    window = s.lower[max(0, toll_index - 3):toll_index]
    if s.w(toll_index + 1) == "of":  # "the toll of wounded"
        window += s.lower[toll_index + 2:toll_index + 4]
    if any(w in ("injury", "injuries", "wounded", "injured") for w in window):
        return "injured"
    if any(w in ("displacement", "displaced") for w in window):
        return "displaced"
    return "killed"


def _aggregate_metric(s: _Sentence, noun_index: int) -> str | None:
    """The metric an aggregate noun ('number', 'toll', 'figures') is of, from the words around it."""
    if s.lower[noun_index] in ("toll", "tolls"):
        return _toll_metric(s, noun_index)
    window = s.lower[max(0, noun_index - 3):noun_index] + s.lower[noun_index + 1:noun_index + 6]
    for word in window:
        if word in ("displaced", "idps", "displacement", "fled", "evacuated", "evacuees", "homeless",
                    "uprooted", "fleeing", "returnees", "displacements", "refugees", "returned", "returns"):
            return "displaced"
        if word in ("dead", "killed", "deaths", "death", "fatalities", "died"):
            return "killed"
        if word in ("wounded", "injured", "injuries"):
            return "injured"
        if word in ("airstrikes", "strikes", "raids", "attacks"):
            return "strikes"
    return None


def _by_aggregate(s: _Sentence, mention: NumberMention, q_start: int, head: _Head) -> tuple[str, str, int] | None:
    """'the death toll rose to 57', 'put the number of displaced people at 120,000', 'those who fled number 12,000'."""
    if head.kind not in ("bare", "person"):
        return None
    i = q_start - 1
    appositive = s.w(i) == "," and s.w(head.end) == ","  # "the number who have returned home, 3.2 million, is"
    if i < 0 or (s.lower[i] not in lx.AGGREGATE_LINKS and not appositive):
        return _forward_aggregate(s, mention, head)
    if s.lower[i] in ("number", "numbered", "numbers", "total", "totalled", "totaled", "totals"):
        subject = s.lower[max(0, i - 5):i]
        for offset, word in enumerate(subject):
            metric = _cue_metric(word)
            if metric and word not in lx.DISPLACED_NEEDS_OBJECT:
                return metric, "aggregate", max(0, i - 5) + offset
    lower_bound = max(0, i - (10 if appositive else 22))
    k = i
    while k >= lower_bound:
        word = s.lower[k]
        if word in (";", ".", "?", "!") or (word in ("but", "while", "whereas") and k != i):
            break
        if word in lx.AGGREGATE_NOUNS:
            metric = _aggregate_metric(s, k)
            if metric:
                return metric, "aggregate", k
        k -= 1
    return _forward_aggregate(s, mention, head)


def _forward_aggregate(s: _Sentence, mention: NumberMention, head: _Head) -> tuple[str, str, int] | None:
    """'This brings to almost 274,000 the total number of people displaced'."""
    window = s.lower[mention.end:mention.end + 4]
    for offset, word in enumerate(window):
        if word in ("number", "toll", "tally", "total", "figure") and (offset == 0 or window[offset - 1] in (
                "the", "total", "a", "overall", "death")):
            metric = _aggregate_metric(s, mention.end + offset)
            if metric:
                return metric, "aggregate", mention.end + offset
    return None


def _skip_parenthesis(s: _Sentence, j: int) -> int:
    depth = 0
    while j < len(s.lower):
        if s.lower[j] == "(":
            depth += 1
        elif s.lower[j] == ")":
            depth -= 1
            if depth <= 0:
                return j + 1
        j += 1
    return j


def _by_following_verb(s: _Sentence, mention: NumberMention, head: _Head) -> tuple[str, str, int] | None:
    """The amount is the subject: '30,000 people have left the area', '47 communities were hit by air strikes'."""
    j = head.end
    limit = min(len(s.lower), head.end + 12)
    people = head.kind in ("person", "bare", "metric", "housing")
    inside = s.lower[:mention.start].count("(") > s.lower[:mention.start].count(")")
    while j < limit:
        word = s.lower[j]
        if word == ")" and inside:
            return None  # "(… 139 children) were evacuated": the verb belongs to the figure outside
        if word == "(":
            j = _skip_parenthesis(s, j)
            limit = min(len(s.lower), limit + 4)
            continue
        if word in (";", ".", "?", "!", ":") or (word in lx.CLAUSE_BREAKS and word not in ("(", ")", "—", "–")
                                                 and j > head.end):
            if word not in ("after", "before", "as", "when", "since"):
                return None
            return None
        if j in s.candidate_starts and j != mention.start and j not in s.alternates:
            return None
        if word in ("in", "into") and people and j <= head.end + 4:
            for k in range(j + 1, min(j + 4, len(s.lower))):
                if s.lower[k] in lx.SHELTER_NOUNS:
                    return "displaced", "following-verb", k
                if s.lower[k] not in ("evacuation", "collective", "displacement", "relief", "transit", "makeshift",
                                      "informal", "temporary", "emergency", "idp", "government", "public"):
                    break
        if head.kind == "site":
            if word in lx.STRIKE_CUES and word not in ("strikes", "strike", "airstrikes", "airstrike") \
                    and _strike_complement_ok(s, j):
                return "strikes", "following-verb", j
        else:
            metric = _cue_metric(word)
            if word in lx.RETURN_CUES and people and (word not in lx.RETURN_NEEDS_BACK
                                                      or s.w(j + 1) in ("back", "home")):
                return "displaced", "following-verb", j
            if metric == "displaced" and people:
                subject_is_people = head.kind != "bare" or mention.value >= 100 or mention.vague
                if word in lx.DISPLACED_NEEDS_OBJECT and not _displacement_complement_ok(s, j, subject_is_people):
                    j += 1
                    continue
                if word in ("displacement", "evacuation", "exodus", "refuge", "shelter") and word not in (
                        "refuge", "shelter"):
                    j += 1
                    continue
                if word in ("idps", "idp", "evacuees") and head.kind == "bare":
                    return None
                return "displaced", "following-verb", j
            if metric in ("killed", "injured") and people:
                if word in lx.KILLED_NEEDS_OBJECT and not _killed_complement_ok(s, j):
                    j += 1
                    continue
                if word in ("death", "deaths", "injuries", "injury", "toll", "lives", "bodies", "wound",
                            "wounds") and word != "lives":
                    j += 1
                    continue
                return metric, "following-verb", j
        j += 1
    return None


_STRONG_CUES = {
    "displaced": {"fled", "flee", "fleeing", "displaced", "displacement", "evacuated", "uprooted", "idps",
                  "homeless", "evacuation", "refuge", "exodus"},
    "killed": {"killed", "dead", "died", "deaths", "death", "killing"},
    "injured": {"wounded", "injured", "injuries"},
}


def _by_sentence(s: _Sentence, mention: NumberMention, head: _Head) -> tuple[str, str, int] | None:
    """An amount of people with no verb of its own takes the one kind of figure its sentence is about."""
    if head.kind == "bare" and mention.value < 100 and not mention.vague:
        return None
    found: dict[str, int] = {}
    for i, word in enumerate(s.lower):
        for metric, cues in _STRONG_CUES.items():
            if word in cues and metric not in found:
                found[metric] = i
    if len(found) != 1:
        return None
    metric, index = next(iter(found.items()))
    if abs(index - mention.start) > 25:
        return None
    describes_others = s.w(index - 1) in ("their", "the", "of", "his", "her", "its", "other", "many")
    if describes_others and s.w(index + 1) in lx.PERSON_HEADS:
        return None  # "70 children ... along with their displaced families": the cue describes others
    # Another amount already carries this cue ("12 killed ... 30"): do not reuse it.
    for other in s.numbers:
        if other is mention or other.rejected or (other.vague and not mention.vague):
            continue
        if min(abs(other.start - index), abs(other.end - index)) < min(abs(mention.start - index),
                                                                         abs(mention.end - index)):
            return None
    return metric, "sentence", index


def _status(s: _Sentence, mention: NumberMention, q_start: int, cue: int, metric: str, rule: str) -> str:
    """new, projected (could/may/expected to), or returned."""
    if s.w(cue) in lx.RETURN_CUES and (s.w(cue) not in lx.RETURN_NEEDS_BACK or s.w(cue + 1) in ("back", "home")):
        return "returned"
    if rule == "noun" and any(w in ("returned", "repatriated") for w in s.lower[cue + 1:cue + 4]):
        return "returned"  # "22 of the displaced had returned"
    lo = min(q_start, cue)
    hi = max(mention.end, cue)
    window = s.lower[max(0, lo - 6):hi + 1]
    for k, word in enumerate(window):
        if word in lx.MODALS:
            following = window[k + 1:k + 3]
            if following[:1] == ["have"] or following[:2] == ["not", "have"]:
                continue  # "may have fled": an estimate of the past
            return "projected"
        if word in ("expected", "likely", "projected", "forecast", "predicted", "poised", "set") and \
                window[k + 1:k + 2] == ["to"]:
            return "projected"
        if word in ("risk", "risks", "threatened", "threatens", "threaten") and metric == "displaced":
            return "projected"
        if word in ("expect", "expects", "expecting", "anticipate", "anticipates", "predict", "predicts",
                    "forecast", "forecasts", "fear", "fears", "feared", "warn", "warns", "warned") \
                and "to" in window[k + 1:]:
            return "projected"  # "aid agencies expect another 200,000 people to flee"
    if rule == "preceding-verb" and s.w(cue) in ("force", "forcing") and s.w(cue - 1) in lx.MODALS | {"to"}:
        return "projected"
    if rule == "aggregate":
        around = s.lower[max(0, cue - 3):cue + 7]
        if any(w in ("returned", "returnees", "returns", "returning") for w in around):
            return "returned"  # "the number of people who have returned home"
    return "new"


def _unit(metric: str, head: _Head) -> str:
    if metric == "strikes":
        if head.kind == "site" and head.word:
            return {"community": "communities"}.get(head.word, head.word)
        return "strikes"
    word = head.word or "people"
    if word in lx.HOUSEHOLD_UNITS:
        return lx.HOUSEHOLD_UNITS[word]
    return lx.PERSON_UNITS.get(word, "people")


def _second_unit(s: _Sentence, head: _Head) -> tuple[int, str] | None:
    """'261 families (1,827 people)', '583,000 families or 2.5 million people': one figure, two units."""
    j = head.end
    if s.w(j) in ("(", ",", "or") or (s.w(j) == "," and s.w(j + 1) == "or"):
        k = j + 1
        while k < min(len(s.tokens), j + 5) and s.lower[k] in (
                "or", "about", "some", "around", "approximately", "nearly", "over", "roughly", "i.e", "totalling",
                "more", "than", "at", "least", "almost", "an", "estimated", "up", "to", "as", "many", "("):
            k += 1
        for m in s.numbers:
            if m.start == k and not m.rejected:
                unit_word = s.w(m.end)
                if unit_word in lx.PERSON_HEADS or unit_word in lx.HOUSEHOLD_UNITS:
                    s.alternates.add(m.start)
                    return m.value, lx.HOUSEHOLD_UNITS.get(unit_word, lx.PERSON_UNITS.get(unit_word, "people"))
    return None
