"""Spelling-insensitive keys for place names.

Arabic, Pashto or Tigrinya names reach English news in many romanisations:
"Maarat al-Numan", "Maaret al-Nouman" and "Ma’arat al-Num’an" are one town.
Two keys make them one: `fold` (case, diacritics and apostrophes removed) for
an exact alias match, and `skeleton` (articles, generic words, inner vowels
and doubled letters removed) for the spellings no alias list has.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

ARTICLES = {"al", "el", "an", "ar", "as", "ad", "ash", "at", "az", "ez", "es", "ed", "the", "ul", "ud", "um",
            "ad-", "es-", "ech"}
GENERIC = {"province", "governorate", "region", "city", "town", "village", "district", "area", "countryside",
           "state", "county", "camp", "southern", "northern", "eastern", "western", "south", "north", "east", "west",
           "southeast", "northwest", "northeast", "southwest", "south-east", "north-west", "north-east",
           "south-west", "of", "muhafazat", "wilayat", "oblast", "municipality", "prefecture", "department",
           "rural", "greater", "central", "upper", "lower", "sub-district", "subdistrict", "neighbourhood",
           "neighborhood", "centre", "center", "governorat"}
_APOSTROPHES = re.compile(r"[’'`ʿʾ‘ʻʼ´]")
_NON_ALNUM = re.compile(r"[^a-z0-9]+")


@lru_cache(maxsize=65_536)
def fold(name: str) -> str:
    """'Ma’arat al-Num’an' → 'maarat al numan'."""
    text = unicodedata.normalize("NFKD", name or "")
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = text.replace("ı", "i").replace("ł", "l").replace("ø", "o").replace("đ", "d").replace("ß", "ss")
    text = _APOSTROPHES.sub("", text.lower())
    return _NON_ALNUM.sub(" ", text).strip()


def _consonants(word: str) -> str:
    word = word.replace("ph", "f").replace("q", "k").replace("ck", "k").replace("dh", "d").replace("gh", "g")
    head = "a" if word[0] in "aeiouy" else word[0]
    rest = re.sub(r"[aeiouyw]", "", word[1:]) if head != "w" else re.sub(r"[aeiouy]", "", word[1:])
    return re.sub(r"(.)\1+", r"\1", head + rest)


@lru_cache(maxsize=65_536)
def skeleton(name: str, *, keep_generic: bool = False) -> str:
    """'Maaret al-Nouman' → 'mrt nmn' (a key shared by its other spellings)."""
    words = [w for w in fold(name).split() if w not in ARTICLES and (keep_generic or w not in GENERIC)]
    return " ".join(_consonants(w) for w in words if w)
