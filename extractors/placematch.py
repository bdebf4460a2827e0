"""Finding places in sentences, and choosing which place a name means.

GeoNames knows a town called Police, another called Of and one called Hit,
so a capitalised word is taken for a small place only with support: it has
a word of place around it ("in", "the town of", "province"), or lies in a
country the article is about, or is a name of several words. Curated places,
countries and provinces need no support.
"""

from __future__ import annotations

from dataclasses import dataclass

from rapidfuzz import fuzz

from extractors.gazetteer import KIND_RANK, Gazetteer, Place
from extractors.placenames import ARTICLES, fold, skeleton
from extractors.tokens import Token

CONNECTORS = {"al", "el", "an", "ar", "as", "ash", "ad", "az", "ez", "es", "ed", "de", "del", "da", "do", "dos",
              "du", "la", "le", "les", "of", "the", "and", "bin", "ibn", "abu", "um", "umm", "ben", "sur", "en",
              "sur-mer", "upon", "on", "y"}
PLACE_NOUNS_AFTER = {"province", "governorate", "region", "city", "town", "village", "district", "area",
                     "countryside", "state", "county", "camp", "camps", "prefecture", "department", "oblast",
                     "municipality", "island", "islands", "valley", "border", "neighbourhood", "neighborhood",
                     "sub-district", "territory", "crossing", "plain", "delta", "coast", "settlement", "enclave",
                     "suburb", "suburbs", "outskirts"}
PLACE_NOUNS_BEFORE = {"town", "city", "village", "province", "region", "district", "governorate", "state", "camp",
                      "capital", "port", "island", "suburb", "outskirts", "neighbourhood", "neighborhood", "area",
                      "countryside", "municipality", "county", "enclave", "commune"}
# A name followed by these is an institution or a thing, not a place: "al-Thawra hospital".
NOT_PLACE_AFTER = {"hospital", "school", "university", "mosque", "church", "market", "street", "road", "square",
                   "bridge", "stadium", "prison", "company", "party", "front", "brigade", "movement", "forces", "army",
                   "council", "committee", "organisation", "organization", "foundation", "club", "hotel", "airlines",
                   "group", "network", "agency", "institute", "highway", "avenue", "boulevard", "bank", "fc", "tv"}
# Words that may stand between a locative and a name: "in neighbouring Takhar".
_ADJECTIVES = {"neighbouring", "neighboring", "nearby", "adjacent", "restive", "besieged", "embattled", "rebel-held",
               "government-held", "war-torn", "flood-hit", "quake-hit", "opposition-held", "war-ravaged", "remote",
               "northern", "southern", "eastern", "western", "central", "north-western", "south-eastern",
               "north-eastern", "south-western", "northwestern", "southeastern", "northeastern", "southwestern"}
LOCATIVES = {"in", "from", "near", "around", "across", "inside", "within", "throughout", "outside", "at", "to",
             "into", "towards", "toward", "through", "of", "out", "against", "on", "over", "besieged", "northern",
             "southern", "eastern", "western", "central", "rural", "north", "south", "east", "west", "northwest",
             "northeast", "southwest", "southeast", "north-west", "north-east", "south-west", "south-east"}
NOT_PLACES = {
    "january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november",
    "december", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "president",
    "minister", "prime", "general", "secretary", "spokesman", "spokeswoman", "chief", "head", "director", "mr",
    "mrs", "ms", "dr", "un", "eu", "us", "nato", "ocha", "unhcr", "iom", "who", "unicef", "icrc", "msf", "reuters",
    "afp", "ap", "update", "original", "entry", "photo", "getty", "images", "gmt", "read", "more", "follow",
    "twitter", "facebook", "instagram", "share", "the", "a", "an", "this", "that", "they", "he", "she", "it", "we",
    "i", "but", "and", "or", "in", "on", "at", "as", "after", "before", "since", "most", "many", "some", "all",
    "one", "two", "three", "four", "five", "children", "women", "people", "army", "forces", "force", "government",
    "regime", "rebels", "police", "ministry", "council", "court", "state", "islamic", "republic", "democratic",
    "united", "nations", "national", "international", "red", "cross", "crescent", "white", "helmets", "observatory",
    "human", "rights", "watch", "agency", "news", "service", "office", "committee", "union", "party", "front",
    "movement", "group", "kids", "paradise", "relief", "organization", "organisation", "foundation", "institute",
    "university", "hospital", "school", "health", "world", "bank", "programme", "program", "food", "fund",
    "emergency", "civil", "defense", "defence", "christmas", "easter", "ramadan", "eid", "covid", "god", "allah",
    "mount", "lake", "river", "sea", "ocean", "gulf", "highway", "road", "street", "square", "bridge", "airport",
    "station", "camp", "province", "city", "town", "village", "region", "district", "county", "north", "south",
    "east", "west", "northern", "southern", "eastern", "western", "central", "upper", "lower", "new", "old",
    "great", "greater", "saint", "st", "san", "santa", "port", "fort", "said", "says", "according", "humanitarian",
    "syrian", "russian", "turkish", "american", "british", "french", "iranian", "iraqi", "kurdish", "arab",
    "african", "european", "asian", "muslim", "christian", "jewish", "sunni", "shia", "shiite", "al", "el", "ash",
    "premier", "league", "cup", "fc", "city's", "sport", "sports", "study", "journal", "figure", "figures", "hope",
    "liberty", "unity", "victory", "independence", "justice", "peace", "freedom", "progress", "of", "de", "la",
    "le", "du", "des", "los", "las", "do", "da", "dos", "das", "africa", "asia", "europe", "america", "americas",
    "oceania", "antarctica", "middle", "levant", "balkans", "sahel", "caribbean", "typhoon", "cyclone", "hurricane",
    "storm", "tropical", "earthquake", "flood", "floods",
}


# Geographic common nouns that begin names ("Wadi Barada", "Jebel Marra"): never a place by themselves.
GEOGRAPHIC_PREFIXES = {"wadi", "jebel", "jabal", "tell", "ain", "bir", "ras", "mount", "lake", "river", "valley",
                       "cape", "bay", "gulf", "sea", "island", "islands", "mountains", "plain", "desert", "kafr",
                       "deir"}
NOT_PLACES |= GEOGRAPHIC_PREFIXES - {"kafr", "deir"}


@dataclass(frozen=True, slots=True)
class PlaceMention:
    """A place named in a sentence: the gazetteer's place (None if unknown) and where it was named."""

    place: Place | None
    text: str
    token_start: int
    token_end: int
    before: str  # the word before the name (a locative tells how the place is tied to the sentence)
    after: str
    strong: bool  # certain enough to set an article's country context


def _bare(name: str) -> str:
    return " ".join(w for w in fold(name).split() if w not in ARTICLES)


def _similar(phrase: str, name: str, aliases: tuple[str, ...]) -> bool:
    """A spelling-key match must still look like the name (keys alone join Mongkaing and Mogaung)."""
    key = _bare(phrase)
    return any(fuzz.ratio(key, _bare(n)) >= 75 for n in (name, *aliases))


def in_context_country(place: Place, context: set[str]) -> bool:
    return bool(place.country and place.country in context)


def _starts_name(token: Token) -> bool:
    if token.kind != "word":
        return False
    if token.text[:1].isupper():
        return True
    # "al-Numan", "an-Nasiriyah": an article glued to a capitalised name
    head, sep, rest = token.text.partition("-")
    return bool(sep) and head.lower() in CONNECTORS and rest[:1].isupper()


def _kind_hint(before: str, after: str) -> str | None:
    if after in ("province", "governorate", "region", "countryside", "state", "oblast", "prefecture", "department"):
        return "province"
    if after in ("city", "town", "village", "camp", "camps", "district", "neighbourhood", "neighborhood") \
            or before in ("town", "city", "village", "capital", "port", "suburb", "commune"):
        return "town"
    if before in ("province", "governorate", "region", "state"):
        return "province"
    return None


def choose(candidates: list[Place], context: set[str], hint: str | None) -> Place:
    """The place a name most likely means, given the article's countries and the words around it."""

    def score(place: Place) -> tuple:
        in_context = bool(place.country and place.country in context)
        hinted = hint is not None and (place.kind == hint or (hint == "town" and place.kind in ("camp", "area")))
        big_town = place.kind == "town" and place.population >= 500_000
        level: float = KIND_RANK.get(place.kind, 9)
        if big_town:
            level = 0.5  # "Aleppo", "Mosul": the city, before a province of the same name
        elif place.kind == "province":
            level = 0.7
        return (not hinted, not in_context, not place.curated, level, -place.population)

    return min(candidates, key=score)


class PlaceFinder:
    """Finds place mentions in the sentences of one article."""

    def __init__(self, gazetteer: Gazetteer, lowercase_words: set[str] | None = None,
                 context: set[str] | None = None):
        self.gazetteer = gazetteer
        self.lowercase_words = lowercase_words or set()
        self.context: set[str] = set(context or ())
        self._cache: dict[str, list[Place]] = {}
        self._by_key: set[str] = set()  # phrases that matched by spelling key, not by an exact alias

    def _lookup(self, phrase: str, multiword: bool) -> list[Place]:
        key = fold(phrase)
        if key in self._cache:
            return self._cache[key]
        if phrase.endswith(("'s", "’s")) and " " not in phrase:
            found = self._lookup(phrase[:-2], False)  # "Syria's"
            self._cache[key] = found
            return found
        found = self.gazetteer.exact(phrase)
        if not found and not phrase.isupper():  # acronyms (ISIL, SDF) match exactly or not at all
            self._by_key.add(key)
            skel = skeleton(phrase)
            demonym_like = not multiword and key.endswith(("an", "ans", "ian", "ese", "i", "is", "ish", "ic"))
            if ((multiword and len(skel.split()) >= 2) or len(skel) >= 3) and not demonym_like:
                found = [p for p in self.gazetteer.by_key(phrase)
                         if (multiword or p.curated or p.kind != "town" or p.population >= 20_000)
                         and _similar(phrase, p.name, p.aliases)]
        self._cache[key] = found
        return found

    def _supported(self, place: Place, phrase: str, before: str, after: str, multiword: bool,
                   sentence_initial: bool) -> bool:
        respelt = not multiword and fold(phrase) in self._by_key
        if respelt and not place.curated and not in_context_country(place, self.context):
            return False  # a respelt single word ("Mindanao" ~ "Mandiana") needs the article's country
        if place.curated or place.kind in ("country", "province"):
            return not (sentence_initial and not multiword and fold(phrase) in self.lowercase_words)
        if fold(phrase) in self.lowercase_words:
            return False
        if before in ("said", "says", "told", "by", "mr", "ms", "mrs", "dr") or after in ("said", "says", "told"):
            return False
        locative = before in LOCATIVES or before in PLACE_NOUNS_BEFORE or after in PLACE_NOUNS_AFTER
        in_context = bool(place.country and place.country in self.context)
        if after in PLACE_NOUNS_AFTER or before in PLACE_NOUNS_BEFORE:
            return True
        if multiword:
            return locative or in_context or place.population >= 10_000
        if place.population >= 100_000 and not sentence_initial:
            return True
        return (locative and (in_context or place.population >= 5_000)) or (in_context and not sentence_initial)

    def find(self, tokens: list[Token]) -> list[PlaceMention]:
        mentions: list[PlaceMention] = []
        i = 0
        lower = [t.lower for t in tokens]
        while i < len(tokens):
            if not _starts_name(tokens[i]) or (lower[i] in NOT_PLACES and not (
                    i + 1 < len(tokens) and _starts_name(tokens[i + 1]))):
                i += 1
                continue
            # the longest run of name words (with connectors between capitalised words)
            j = i + 1
            while j < len(tokens) and j - i < 6:
                if _starts_name(tokens[j]):
                    j += 1
                elif lower[j] in CONNECTORS and j + 1 < len(tokens) and _starts_name(tokens[j + 1]):
                    j += 2
                else:
                    break
            matched = False
            possessive = any(t.text.endswith(("'s", "’s")) for t in tokens[i:j - 1])
            if j - i > 1 and not possessive and (lower[j] if j < len(lower) else "") in PLACE_NOUNS_AFTER \
                    and not self._lookup(" ".join(t.text for t in tokens[i:j]), True):
                # "the Cité Soleil district": an unknown place, not a known place inside it
                unknown = self._unknown_place(tokens, lower, i, j)
                if unknown:
                    mentions.append(unknown)
                    i = j
                    continue
            for end in range(j, i, -1):
                if lower[end - 1] in CONNECTORS:
                    continue
                words = tokens[i:end]
                phrase = " ".join(t.text for t in words)
                if end - i == 1 and lower[i] in NOT_PLACES:
                    continue
                multiword = end - i > 1
                if lower[i] in NOT_PLACES:
                    candidates = self.gazetteer.exact(phrase) if multiword else []
                else:
                    candidates = self._lookup(phrase, multiword)
                if not candidates:
                    continue
                before = lower[i - 1] if i > 0 else ""
                after = lower[end] if end < len(lower) else ""
                if after in NOT_PLACE_AFTER:
                    continue
                if before in _ADJECTIVES and i > 1:
                    before = lower[i - 2]
                if before in ("the",) and i > 1:
                    before = lower[i - 2] if lower[i - 2] in LOCATIVES | PLACE_NOUNS_BEFORE else before
                if before == "of" and i > 1 and lower[i - 2] in PLACE_NOUNS_BEFORE:
                    before = lower[i - 2]
                place = choose(candidates, self.context, _kind_hint(before, after))
                if not self._supported(place, phrase, before, after, multiword, i == 0):
                    continue
                strong = place.curated or place.kind in ("country", "province") or multiword \
                    or place.population >= 100_000
                if strong and place.country:
                    self.context.add(place.country)
                mentions.append(PlaceMention(place, phrase, i, end, before, after, strong))
                i = end
                matched = True
                break
            if not matched:
                unknown = self._unknown_place(tokens, lower, i, j)  # "the village of Tell Zarqun"
                if unknown:
                    mentions.append(unknown)
                    i = j
                    continue
                # "Syria's Idlib province": a later word of the run may start a name of its own
                rest = [k for k in range(i + 1, j) if _starts_name(tokens[k])]
                if rest and self._lookup_run(tokens, lower, rest[0], j):
                    i = rest[0]
                    continue
                i = j if j > i and lower[i] not in NOT_PLACES else i + 1
        return mentions

    def _lookup_run(self, tokens: list[Token], lower: list[str], i: int, j: int) -> bool:
        return any(self._lookup(" ".join(t.text for t in tokens[i:end]), end - i > 1) for end in range(j, i, -1)
                   if lower[i] not in NOT_PLACES)

    def _unknown_place(self, tokens: list[Token], lower: list[str], i: int, j: int) -> PlaceMention | None:
        """A name the gazetteer lacks but the sentence calls a place ('the village of Kafr Hamra')."""
        before = lower[i - 1] if i > 0 else ""
        if i > 1 and before == "of" and lower[i - 2] in ("town", "village", "city", "camp", "district", "province"):
            before = lower[i - 2]
        after = lower[j] if j < len(lower) else ""
        if before in ("town", "village", "city", "camp", "district", "province") or after in (
                "village", "camp", "district", "province", "governorate", "town"):
            phrase = " ".join(t.text for t in tokens[i:j])
            if lower[i] not in NOT_PLACES or (lower[i] in GEOGRAPHIC_PREFIXES and j - i > 1):
                return PlaceMention(None, phrase, i, j, before, after, False)
        return None
