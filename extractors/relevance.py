"""Is a text one the extractors should read, and is a sentence about a crisis at all?

Feeds bring sport, health, crime and business stories beside the news the
service exists for. Deaths from a disease, a road crash or a football
injury are real numbers, but not the figures people follow here; nor is
anything in a German or Spanish page (the figure rules are English). These
checks are cheap word counts, run before any rule.
"""

from __future__ import annotations

import re

_WORD = re.compile(r"[a-zà-ÿ']+")
_ENGLISH = {"the", "and", "of", "to", "is", "was", "were", "have", "has", "that", "with", "for", "on", "from", "by",
            "which", "they", "their", "this", "are", "been", "it", "an", "at", "as", "said", "after", "who"}
_OTHER = {"der", "die", "das", "und", "ist", "nicht", "mit", "für", "auf", "ein", "eine", "den", "dem", "sich",
          "auch", "le", "la", "les", "et", "est", "des", "une", "dans", "pour", "pas", "qui", "sur", "du", "au",
          "el", "los", "las", "y", "que", "por", "para", "una", "con", "del", "não", "il", "di", "che", "per",
          "della", "het", "een", "van", "ook", "och", "att", "på", "är", "og", "er", "ikke", "ze", "się"}

# Words that put a text in a war, a disaster or a displacement crisis.
CRISIS_WORDS = {
    "war", "wars", "conflict", "conflicts", "offensive", "airstrike", "airstrikes", "shelling", "shelled",
    "bombardment", "bombarded", "militants", "militia", "militias", "militiamen", "rebels", "rebel", "insurgents",
    "insurgency", "jihadists", "jihadist", "troops", "army", "military", "massacre", "siege", "besieged",
    "ceasefire", "truce", "genocide", "paramilitary", "drone", "drones", "artillery", "frontline",
    "flood", "floods", "flooding", "earthquake", "quake", "cyclone", "typhoon", "hurricane", "landslide",
    "landslides", "mudslide", "drought", "wildfire", "wildfires", "bushfire", "tsunami", "eruption", "avalanche",
    "displaced", "displacement", "refugees", "refugee", "idps", "humanitarian", "evacuated", "evacuation",
    "fighting", "clashes", "gunmen", "bandits", "insurgent", "rebel-held", "government-held", "warplanes",
    "missile", "missiles", "rockets", "mortar", "mortars", "explosion", "blast", "bombing", "bombings",
    "terrorist", "terrorists", "attackers", "storm", "storms", "monsoon", "tornado", "volcano", "ocha", "unhcr",
    "occupation", "invasion", "forces", "fled", "flee", "fleeing", "raid", "raids", "fighters", "armed", "gang",
    "gangs", "violence", "attack", "attacks", "shooting", "killings", "hostilities", "combat", "insecurity",
    "bomb", "bombs", "bomber", "bombers", "suicide", "car-bomb", "grenade", "landmine", "landmines", "shrapnel",
    "shells", "barrel", "warplane", "jets", "strikes", "rocket", "mortar-fire", "sniper", "snipers",
}
_STRONG = CRISIS_WORDS - {"storm", "storms", "forces", "explosion", "blast", "gunmen", "fighting", "evacuated",
                          "evacuation", "drone", "drones", "army", "military", "troops", "armed", "gang", "gangs",
                          "violence", "attack", "attacks", "shooting", "killings", "fighters", "insecurity",
                          "suicide", "jets", "strikes", "barrel", "grenade", "sniper", "snipers"}

# A death or injury in a sentence about these is not a crisis figure.
NOT_CRISIS = re.compile(
    r"\b(?:covid(?:-19)?|coronavirus|pandemic|caseload|cancer|overdoses?|influenza|infections?|tumou?rs?|"
    r"diabetes|dementia|heart\s+(?:attack|disease)|obesity|(?:car|bus|road|traffic|train)\s+(?:crash|accident)s?|"
    r"crashed|collisions?|mortality\s+rate|placebo|cohort|clinical\s+trial)\b",
    re.IGNORECASE)


def looks_english(text: str) -> bool:
    """True unless the text reads as another language (short texts are given the benefit of the doubt)."""
    words = _WORD.findall(text[:20_000].lower())
    if len(words) < 25:
        return True
    english = sum(1 for w in words if w in _ENGLISH)
    other = sum(1 for w in words if w in _OTHER)
    return english >= other


def crisis_context(text: str) -> bool:
    """True when a text speaks of war, disaster or displacement (one strong word or three weaker ones)."""
    words = _WORD.findall(text.lower())
    found = {w for w in words if w in CRISIS_WORDS}
    if "air" in words and ("strikes" in words or "strike" in words or "raids" in words):
        return True
    return bool(found & _STRONG) or len(found) >= 4


_SENTENCE_CRISIS = CRISIS_WORDS - {"shooting", "attack", "attacks", "violence", "gang", "gangs", "armed", "forces",
                                   "storm", "storms", "explosion", "blast", "killings", "fighting", "evacuated",
                                   "evacuation", "attackers", "jets", "suicide", "combat"}


def crisis_sentence(sentence: str) -> bool:
    """A sentence that names war or disaster itself ("Israeli strikes killed 45 …") needs no article context."""
    words = set(_WORD.findall(sentence.lower()))
    return bool(words & _SENTENCE_CRISIS) or ("air" in words and bool(words & {"strike", "strikes", "raid", "raids"}))


def outside_crisis(sentence: str) -> bool:
    """True for a sentence about disease, road accidents, sport or clinical studies."""
    return NOT_CRISIS.search(sentence) is not None
