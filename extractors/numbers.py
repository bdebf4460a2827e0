"""Numbers in news text: what each amount is, and which amounts can never be a figure.

Turns a token list into NumberMentions: digits with separators ("235,000",
"9 300"), decimals with a scale ("1.2 million", "2.5m", "1.5 mln"), number
words ("twenty-one", "two dozen", "half a million"), vague amounts ("tens of
thousands") and ranges ("between 60,000 and 80,000"). Each mention also says
why it cannot be a count of people or strikes when that is so: a year, a
date, a time, an age, a distance, a percentage, money, a phone number, an
ordinal or an identifier.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from extractors.tokens import Token

UNITS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
}
TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fourty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
        "eighty": 80, "ninety": 90}
SCALES = {"hundred": 100, "thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000,
          "mln": 1_000_000, "mn": 1_000_000, "bn": 1_000_000_000, "lakh": 100_000, "lakhs": 100_000,
          "crore": 10_000_000, "crores": 10_000_000, "k": 1_000, "m": 1_000_000}
VAGUE_WORDS = {"dozens": 12, "scores": 20, "hundreds": 100, "thousands": 1_000, "millions": 1_000_000}
MONTHS = {
    "january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
    "november", "december", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
}
TIME_WORDS = {"gmt", "utc", "bst", "cet", "est", "edt", "pst", "am", "pm", "a.m", "p.m", "hrs", "h", "o'clock",
              "local"}
DURATION_WORDS = {"second", "seconds", "sec", "secs", "minute", "minutes", "min", "mins", "hour", "hours", "hr",
                  "day", "days", "week", "weeks", "month", "months", "year", "years", "yrs", "decade",
                  "decades", "night", "nights", "weekend", "weekends", "century", "centuries", "term", "terms"}
MEASURE_WORDS = {
    "km", "kms", "kilometre", "kilometres", "kilometer", "kilometers", "mile", "miles", "mi", "metre", "metres",
    "meter", "meters", "feet", "foot", "ft", "cm", "mm", "kg", "kgs", "kilograms", "kilogrammes", "g", "grams",
    "tonne", "tonnes", "ton", "tons", "mt", "litre", "litres", "liter", "liters", "gallons", "hectares",
    "hectare", "ha", "acres", "acre", "sq", "square", "degrees", "degree", "°", "°c", "°f", "mph", "kph", "kmh",
    "knots", "inches", "inch", "mw", "gw", "kw", "kwh", "mbps", "gb", "mb", "tb", "calories", "kcal", "mg",
    "ml", "points", "pts", "reps", "rep", "sets", "laps", "goals", "runs", "wickets", "yards", "yd", "bpm",
    "storeys", "stories", "floors", "pages", "words", "votes", "seats", "likes", "followers", "views",
}
PERCENT_WORDS = {"%", "percent", "per", "pc", "percentage", "pct"}
CURRENCY_BEFORE = {"$", "€", "£", "¥", "₹", "us$", "usd", "eur", "gbp", "rs", "inr", "chf", "a$", "c$",
                   "aud", "cad", "sh", "ksh", "egp", "syp", "try", "tl"}
CURRENCY_AFTER = {"dollars", "dollar", "euros", "euro", "pounds", "pound", "usd", "eur", "gbp", "francs",
                  "yuan", "rupees", "rupee", "riyals", "lira", "liras", "cents", "pence", "dinars", "shillings",
                  "naira", "rand", "yen", "won", "pesos", "rubles", "roubles", "hryvnias", "birr", "kyat",
                  "taka", "afghanis", "bitcoin", "btc"}
IDENTIFIER_BEFORE = {
    "no", "nos", "number", "#", "resolution", "article", "highway", "route", "road", "chapter", "section", "page",
    "pages", "room", "flight", "level", "phase", "category", "grade", "class", "platform", "gate", "unit", "block",
    "zone", "sector", "box", "act", "decree", "ward", "lot", "plot", "track", "episode", "season", "vol", "volume",
    "issue", "part", "stage", "round", "day", "week", "year", "magnitude", "covid", "covid-", "version", "v",
    "iphone", "windows", "model", "size", "code", "id", "ref", "paragraph", "clause", "line", "bus", "tier",
    "term", "formula", "f", "mark", "mk", "type", "series", "world", "war", "g", "top", "under", "aged",
    "age", "ages", "p", "pp", "fig", "figure", "table", "apollo", "psalm", "verse", "hole", "lane", "gen",
    "generation", "station", "terminal", "camp", "hall", "street", "avenue", "floor", "brigade", "division",
    "battalion", "regiment", "corps", "squadron", "minute", "minutes",
}
_ORDINAL_SUFFIX = {"st", "nd", "rd", "th"}
_DIGITS = re.compile(r"^\d+(?:[.,]\d+)*$")


@dataclass(frozen=True, slots=True)
class NumberMention:
    """An amount found in a sentence, over tokens[start:end].

    value is the figure to quote (for a range, its high end, which is what
    reports usually lead with); low/high keep both ends. magnitude is the
    order of magnitude a vague amount stands for. rejected says why the
    amount cannot be a count of people or strikes (None: it can).
    """

    value: int
    start: int
    end: int
    text: str
    vague: bool = False
    low: int | None = None
    high: int | None = None
    rejected: str | None = None
    decimal: bool = False  # a bare decimal with no scale ("7.8"): never a count
    previous_value: int | None = None  # "rose from 120,000 to 235,000": 120,000


def _parse_digits(text: str) -> tuple[float | None, bool]:
    """Value of a digit token and whether it is a (non-thousands) decimal."""
    if not _DIGITS.match(text):
        return None, False
    if "," in text:
        groups = text.split(",")
        if all(len(g) == 3 for g in groups[1:]) and "." not in text:
            return float(text.replace(",", "")), False
        if len(groups) == 2 and "." not in text and len(groups[1]) in (1, 2):
            return float(text.replace(",", ".")), True  # European decimal comma: "2,5 million"
        return float(text.replace(",", "")), False
    if text.count(".") >= 2:
        groups = text.split(".")
        if all(len(g) == 3 for g in groups[1:]):
            return float(text.replace(".", "")), False
        return None, False
    if "." in text:
        return float(text), True
    return float(text), False


def _word_value(word: str) -> int | None:
    word = word.lower()
    if word in UNITS:
        return UNITS[word]
    if word in TENS:
        return TENS[word]
    if "-" in word:
        parts = word.split("-")
        if len(parts) == 2 and parts[0] in TENS and parts[1] in UNITS and 0 < UNITS[parts[1]] < 10:
            return TENS[parts[0]] + UNITS[parts[1]]
    return None


class _Reader:
    """Reads one amount starting at a token index; returns (value, end, vague, decimal) or None."""

    def __init__(self, tokens: list[Token]):
        self.tokens = tokens
        self.lower = [t.lower for t in tokens]

    def word(self, i: int) -> str:
        return self.lower[i] if 0 <= i < len(self.lower) else ""

    def read(self, i: int) -> tuple[int, int, bool, bool] | None:
        token = self.tokens[i]
        w = self.lower[i]
        if token.kind == "num":
            return self._read_digits(i)
        if token.kind != "word":
            return None
        vague = self._read_vague(i)
        if vague:
            return vague
        if w in ("a", "an", "one") and self.word(i + 1) in ("dozen", "hundred", "thousand", "million", "billion"):
            return self._scale_chain(1, i + 1, vague=False)
        if w == "half" and self.word(i + 1) == "a" and self.word(i + 2) in ("million", "billion", "dozen"):
            base = {"million": 1_000_000, "billion": 1_000_000_000, "dozen": 12}[self.word(i + 2)]
            return base // 2, i + 3, False, False
        if w in ("a", "one") and self.word(i + 1) == "quarter" and self.word(i + 2) == "of" \
                and self.word(i + 3) == "a" and self.word(i + 4) == "million":
            return 250_000, i + 5, False, False
        value = _word_value(w)
        if value is None:
            return None
        j = i + 1
        # "twenty one" written with a space
        if w in TENS and _word_value(self.word(j)) is not None and 0 < (_word_value(self.word(j)) or 0) < 10:
            value += _word_value(self.word(j)) or 0
            j += 1
        if self.word(j) == "dozen":
            return value * 12, j + 1, False, False
        return self._scale_chain(value, j, vague=False)

    def _scale_chain(self, value: int, j: int, vague: bool) -> tuple[int, int, bool, bool]:
        """Apply "hundred", "thousand", "million" (and "three hundred and fifty")."""
        total = 0
        current = value
        while True:
            w = self.word(j)
            if w == "dozen":
                current *= 12
                j += 1
            elif w == "hundred":
                current *= 100
                j += 1
                if self.word(j) == "and" and _word_value(self.word(j + 1)) is not None:
                    current += _word_value(self.word(j + 1)) or 0
                    j += 2
            elif w in ("thousand", "million", "billion"):
                total += current * SCALES[w]
                current = 0
                j += 1
                if _word_value(self.word(j)) is not None and self.word(j - 1) == "thousand":
                    current = _word_value(self.word(j)) or 0
                    j += 1
            else:
                break
        return total + current, j, vague, False

    def _read_vague(self, i: int) -> tuple[int, int, bool, bool] | None:
        w, nxt, nxt2 = self.word(i), self.word(i + 1), self.word(i + 2)
        if w in ("tens", "hundreds") and nxt == "of" and nxt2 in ("thousands", "millions"):
            base = 10 if w == "tens" else 100
            return base * VAGUE_WORDS[nxt2], i + 3, True, False
        if w in ("several", "many", "some") and nxt in ("hundred", "thousand", "million"):
            return SCALES[nxt], i + 2, True, False
        if w == "a" and nxt == "few" and nxt2 in ("hundred", "thousand", "million"):
            return SCALES[nxt2], i + 3, True, False
        if w in VAGUE_WORDS:
            if w == "scores" and nxt != "of":
                return None
            if w == "dozens" and nxt != "of" and self.word(i - 1) not in ("killed", "wounded", "injured"):
                return None
            return VAGUE_WORDS[w], i + 1, True, False
        return None

    def _read_digits(self, i: int) -> tuple[int, int, bool, bool] | None:
        token = self.tokens[i]
        number, decimal = _parse_digits(token.text)
        if number is None:
            return None
        j = i + 1
        # "9 300": a thousands group written with a space
        if (not decimal and re.fullmatch(r"\d{1,3}", token.text) and j < len(self.tokens)
                and self.tokens[j].kind == "num" and re.fullmatch(r"\d{3}", self.tokens[j].text)
                and not (j + 1 < len(self.tokens) and self.tokens[j + 1].kind == "num")
                and self.word(i - 1) != "between" and self.word(j + 1) not in MONTHS):
            number = number * 1000 + float(self.tokens[j].text)
            j += 1
        scale_word = self.word(j)
        glued_scale = token.glued and scale_word in ("m", "k", "mln", "mn", "bn", "million", "billion")
        if scale_word in ("million", "billion", "thousand", "mln", "mn", "bn", "lakh", "lakhs", "crore", "crores") \
                or glued_scale or (scale_word in ("m", "k") and decimal):
            if scale_word == "m" and not self._m_is_million(j):
                return int(number), j, False, decimal
            return round(number * SCALES[scale_word]), j + 1, False, False
        if scale_word == "hundred" and not decimal:
            return self._scale_chain(int(number), j, vague=False)
        return int(number), j, False, decimal

    def _m_is_million(self, j: int) -> bool:
        """'2.5m people' is millions; '500m from the border' is metres."""
        after = self.word(j + 1)
        return after not in ("away", "from", "north", "south", "east", "west", "high", "long", "deep", "wide",
                             "tall", "above", "below", "of", "to", "in", "squared", "metres", "radius")


def _previous_word(lower: list[str], i: int) -> str:
    return lower[i - 1] if i > 0 else ""


def _reject_reason(tokens: list[Token], lower: list[str], start: int, end: int, value: int, text: str,
                   vague: bool, decimal: bool) -> str | None:
    """Why the amount over tokens[start:end] cannot be a count, or None."""
    first = tokens[start]
    before = _previous_word(lower, start)
    before2 = lower[start - 2] if start >= 2 else ""
    after = lower[end] if end < len(lower) else ""
    after2 = lower[end + 1] if end + 1 < len(lower) else ""
    if decimal:
        return "decimal"
    if after == "of" and lower[start] == "one" and end == start + 1:
        return "one of"
    if before == "[" and after == "]":
        return "footnote"
    if first.kind == "num":
        if first.glued and after in _ORDINAL_SUFFIX and end == start + 1:
            return "ordinal"
        if before in MONTHS or (before == "of" and before2 in MONTHS) or after in MONTHS \
                or (after == "of" and after2 in MONTHS):
            return "date"
        if after in ("and", "-", "–", "to", "or") and end + 2 < len(lower) and tokens[end + 1].kind == "num" \
                and lower[end + 2] in MONTHS:
            return "date"
        if after in (":", "/", ".") and end < len(tokens) and not tokens[end].spaced_before \
                and end + 1 < len(tokens) and tokens[end + 1].kind == "num" and not tokens[end + 1].spaced_before:
            return "time, ratio or date"
        hyphen_range = before in ("-", "–") and start > 1 and tokens[start - 2].kind == "num"
        if before in ("/", ":", ";", "-", "+", "@", "#") and start > 0 and not first.spaced_before \
                and not hyphen_range:
            return "identifier"
        if first.text.startswith("0") and len(first.text) > 1 and first.text[1:2].isdigit():
            return "identifier or phone number"  # "0800", "020": no count starts with a zero
        if after in (";", "(") and end + 1 < len(tokens) and tokens[end + 1].kind == "num":
            return "citation"
        digits = re.sub(r"\D", "", first.text)
        if "," not in first.text and "." not in first.text and len(digits) >= 7 and end == start + 1:
            return "identifier or phone number"
        if "," not in first.text and len(digits) == 4 and end == start + 1 and 1800 <= value <= 2100 \
                and after not in PERSON_HEADS_FOR_YEARS:
            return "year"
        if len(digits) == 4 and "," not in first.text and after in TIME_WORDS:
            return "time"
    if after in TIME_WORDS or (after in ("a", "p") and after2 == "."):
        return "time"
    if after in DURATION_WORDS or (after in ("more", "full", "straight", "consecutive") and after2 in DURATION_WORDS):
        return "duration"
    if after in ("year-old", "years-old", "year") or (after == "years" and after2 == "old"):
        return "age"
    if before in ("aged", "age", "ages"):
        return "age"
    if (start >= 2 and before == "," and tokens[start - 2].is_capitalized and after == ","
            and not vague and value < 120):
        return "age"
    if after in MEASURE_WORDS:
        return "measure"
    if after in PERCENT_WORDS or before in ("%",):
        return "percentage"
    if before in CURRENCY_BEFORE or after in CURRENCY_AFTER or (before2 in CURRENCY_BEFORE and before == "$"):
        return "money"
    if before in IDENTIFIER_BEFORE and first.kind == "num":
        return "identifier"
    if start > 0 and tokens[start - 1].is_capitalized and first.kind == "num" and not first.spaced_before:
        return "identifier"
    if first.kind == "num" and start > 0 and tokens[start - 1].kind == "word" and len(before) == 1 \
            and before.isalpha() and before not in ("a",):
        return "identifier"
    return None


PERSON_HEADS_FOR_YEARS = {"people", "persons", "families", "households", "civilians", "residents", "refugees",
                          "children", "individuals", "idps", "migrants", "villagers", "fighters", "soldiers",
                          "displaced", "dead", "deaths"}


_PHONE_WORDS = {"call", "calls", "hotline", "phone", "telephone", "tel", "dial", "whatsapp", "sms", "text", "fax",
                "mobile", "helpline", "number", "contact"}


def _phone_tokens(tokens: list[Token], lower: list[str]) -> set[int]:
    """Digit groups that make up a phone number: '+254 722 123456', 'call 0800 555 0199'."""
    found: set[int] = set()
    i = 0
    while i < len(tokens):
        if tokens[i].kind != "num":
            i += 1
            continue
        j = i
        while j + 1 < len(tokens) and tokens[j + 1].kind == "num" and "," not in tokens[j + 1].text:
            j += 1
        group = range(i, j + 1)
        plus = i > 0 and lower[i - 1] == "+"
        cue = any(w in _PHONE_WORDS for w in lower[max(0, i - 4):i])
        if j - i >= 2 or plus or (cue and j > i):
            found.update(group)
        i = j + 1
    return found


def find_numbers(tokens: list[Token]) -> list[NumberMention]:
    """Every amount in a sentence, in order, ranges joined and rejects explained."""
    reader = _Reader(tokens)
    lower = reader.lower
    phone = _phone_tokens(tokens, lower)
    singles: list[NumberMention] = []
    i = 0
    while i < len(tokens):
        read = reader.read(i)
        if read is None or read[1] <= i:
            i += 1
            continue
        value, end, vague, decimal = read
        text_span = " ".join(t.text for t in tokens[i:end])
        reason = "phone number" if i in phone else _reject_reason(tokens, lower, i, end, value, text_span, vague,
                                                                   decimal)
        singles.append(NumberMention(value, i, end, text_span, vague=vague, rejected=reason, decimal=decimal))
        i = end
    return _join_ranges(tokens, lower, singles)


def _join_ranges(tokens: list[Token], lower: list[str], mentions: list[NumberMention]) -> list[NumberMention]:
    """'between 60,000 and 80,000', '60,000-80,000', 'from 120,000 to 235,000'."""
    joined: list[NumberMention] = []
    k = 0
    while k < len(mentions):
        m = mentions[k]
        nxt = mentions[k + 1] if k + 1 < len(mentions) else None
        if nxt is not None and not m.vague and not nxt.vague:
            link = lower[m.end:nxt.start]
            before = lower[m.start - 1] if m.start > 0 else ""
            before2 = lower[m.start - 2] if m.start > 1 else ""
            low_value = m.value
            # "between 1.5 and 2 million": the scale of the second end applies to the first
            if m.decimal or (m.value < 1000 <= nxt.value and nxt.end - nxt.start > 1):
                scale = _trailing_scale(lower, nxt)
                if scale and m.value * scale <= nxt.value:
                    low_value = round(float(tokens[m.start].text.replace(",", "")) * scale) \
                        if tokens[m.start].kind == "num" else m.value * scale
            is_range = (link == ["and"] and before == "between") or (
                link in (["-"], ["–"], ["to"]) and before != "from")
            is_change = link == ["to"] and before == "from"
            if (is_range or is_change) and low_value < nxt.value and not (m.rejected and m.rejected != "decimal") \
                    and not nxt.rejected:
                text = " ".join(t.text for t in tokens[m.start:nxt.end])
                if is_change:
                    joined.append(NumberMention(nxt.value, nxt.start, nxt.end, nxt.text,
                                                previous_value=low_value))
                    del before2
                else:
                    joined.append(NumberMention(nxt.value, m.start, nxt.end, text, low=low_value, high=nxt.value))
                k += 2
                continue
            if is_range and nxt.rejected and link == ["and"] and before == "between":
                joined.append(NumberMention(m.value, m.start, nxt.end, m.text, rejected=nxt.rejected))
                k += 2
                continue
        joined.append(m)
        k += 1
    return joined


def _trailing_scale(lower: list[str], mention: NumberMention) -> int | None:
    last = lower[mention.end - 1]
    return SCALES.get(last) if last in ("million", "billion", "thousand", "mln", "m", "bn", "k") else None
