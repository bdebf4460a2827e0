"""Sources: who a figure is attributed to ("the UN said", "according to OCHA").

A figure without its source cannot be weighed: an OCHA count and a number
from one witness are not the same kind of news. The outlet that published
the article is separate (it travels with the article, not the sentence).
"""

from __future__ import annotations

import re

_NAME = r"(?:[A-Z][\w’'\-\.&]*|al-[A-Z][\w’'\-]*)"
_CONNECT = r"(?:(?:\s+(?:of|for|the|on|and|de|al|in|des|du|la|&))+\s+|\s+)"
_PROPER = rf"{_NAME}(?:{_CONNECT}{_NAME}){{0,6}}"
_ORG_TAIL = (r"(?:\s+(?:refugee|humanitarian|children's|childrens|health|migration|food|relief|rights|aid|"
             r"agency|office|ministry|organisation|organization|body|monitor|monitoring|group|council|mission|"
             r"agencies|coordination|affairs|team|teams|service|services|officials?|spokesman|spokeswoman|"
             r"spokesperson|chief|head|envoy|coordinator)){0,4}")
_GROUPS = (r"(?:local\s+|Syrian\s+|state\s+|health\s+|UN\s+|aid\s+|security\s+|hospital\s+|government\s+|"
           r"military\s+|medical\s+|rescue\s+|humanitarian\s+|opposition\s+|the\s+)?"
           r"(?:officials?|authorities|witnesses|monitors|activists|residents|medics|doctors|rescuers|"
           r"aid\s+workers|aid\s+agencies|police|sources|spokesm[ae]n|spokeswoman|spokesperson|observers|"
           r"agencies|ministry|army|military|government|media|health\s+ministry|the\s+UN|UN)")
_VERBS = (r"(?:said|says|say|reported|reports|report|estimated|estimates|estimate|told|announced|stated|"
          r"confirmed|added|warned|noted|recorded|documented|counted|tweeted|wrote|quoted)")

_PATTERNS = [
    re.compile(rf"\bspokes(?:man|woman|person)\s+for\s+(?:the\s+)?(?P<src>{_PROPER})"),
    re.compile(rf"\b[Aa]ccording\s+to\s+(?:the\s+)?(?:latest\s+|new\s+)?(?:figures|data|estimates|a\s+report|a\s+count)?"
               rf"\s*(?:from|by|of)?\s*(?:the\s+)?(?P<src>{_PROPER}|{_GROUPS})"),
    re.compile(r"\b[Aa]ccording\s+to\s+(?P<src>(?:a|an|the)\s+[a-z][a-z\-]+(?:\s+(?:of\s+)?[a-z][a-z\-]+){0,5})"),
    re.compile(rf"\b(?:figures|data|estimates|statistics|numbers)\s+(?:from|by|released\s+by|published\s+by)\s+"
               rf"(?:the\s+)?(?P<src>{_PROPER})"),
    re.compile(rf"(?:^|[,.;:\"”’]\s*|\s)(?:the\s+)?(?P<src>{_PROPER}{_ORG_TAIL}|{_GROUPS})(?:\s+\([A-Z]{{2,8}}\))?"
               rf"(?:\s+(?:in|from|of|at|for)\s+{_PROPER})?"
               rf"(?:,[^,]{{3,80}},)?\s+(?:has\s+|had\s+|have\s+)?(?:also\s+)?{_VERBS}\b"),
    re.compile(rf"\b{_VERBS}\s+(?:the\s+)?(?P<src>{_PROPER}|{_GROUPS})"),
    re.compile(rf"\b(?:the\s+)?(?P<src>{_PROPER})\s+(?:has|had|have)?\s*(?:put|puts|putting)\s+the\s+(?:number|toll|total|figure)"),
    re.compile(r"\((?P<src>[A-Z][A-Za-z]{1,15}),?\s+\d{1,2}\s+[A-Z][a-z]+\s+\d{4}\)"),
]
_NOT_SOURCES = {"He", "She", "They", "It", "We", "I", "This", "That", "These", "Those", "There", "The", "A",
                "An", "But", "And", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday",
                "Sunday", "Friday’s", "Reuters", "AFP", "AP"}
_KEEP_WIRE = {"Reuters", "AFP", "AP", "Anadolu"}


def _tidy(source: str) -> str | None:
    source = re.sub(r"\s+", " ", source).strip(" ,.;:'\"’”")
    source = re.sub(r"^(?:the|The)\s+", "", source)
    source = re.sub(r"^(?:a|an)\s+", "", source)
    source = re.sub(r"(?:\s+(?:on|in|and|of|the|for|working|based|operating|active))+$", "", source)
    words = source.split()
    while words and words[-1] in ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday",
                                  "Last", "On", "In"):
        words.pop()
    source = " ".join(words)
    if not source or source in _NOT_SOURCES:
        return None
    if len(source) < 2:
        return None
    return source


def find_source(sentence: str, prefer_after: int = 0, not_sources: frozenset[str] = frozenset()) -> str | None:
    """The party a sentence attributes its figures to, or None.

    When several attributions appear, the one nearest after the figure wins
    ("..., the UN said"), else the nearest before it. Names in `not_sources`
    (the places the sentence names) are never the source.
    """
    found: list[tuple[int, str]] = []
    for pattern in _PATTERNS:
        for match in pattern.finditer(sentence):
            source = _tidy(match.group("src"))
            if source:
                found.append((match.start("src"), source))
    if not found:
        return None
    found = [(pos, src) for pos, src in found
             if (src not in _NOT_SOURCES or src in _KEEP_WIRE) and src not in not_sources]
    if not found:
        return None
    after = [f for f in found if f[0] >= prefer_after]
    chosen = min(after, key=lambda f: f[0]) if after else max(found, key=lambda f: f[0])
    return chosen[1]
