"""Tokens: the unit the number, figure, period and source rules walk over.

A token keeps its offsets in the sentence so any rule can quote exactly what
it matched. Numbers glued to a unit ("2km", "2.5m", "15,000people", as PDFs
and careless CMSs produce) are split, and the number remembers it was glued.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_LETTERS = "A-Za-zÀ-ÖØ-öø-ÿĀ-ſƀ-ɏḀ-ỿ"
_TOKEN = re.compile(
    rf"(?P<compound>\d+(?:[.,]\d+)*(?:-[{_LETTERS}]+)+)"
    rf"|(?P<num>\d+(?:[.,]\d+)*)"
    rf"|(?P<word>[{_LETTERS}]+(?:['’‘`ʿʾ\-][{_LETTERS}]+)*(?:['’](?=\s|$))?)"
    r"|(?P<punct>\S)"
)


@dataclass(frozen=True, slots=True)
class Token:
    text: str
    kind: str  # "word" | "num" | "compound" | "punct"
    start: int
    end: int
    glued: bool = False  # a number immediately followed by letters ("2km")
    spaced_before: bool = True

    @property
    def lower(self) -> str:
        return self.text.lower().replace("’", "'")

    @property
    def is_capitalized(self) -> bool:
        return self.kind == "word" and self.text[:1].isupper()


def tokenize(sentence: str) -> list[Token]:
    tokens: list[Token] = []
    previous_end = -1
    for match in _TOKEN.finditer(sentence):
        kind = match.lastgroup or "punct"
        start, end = match.start(), match.end()
        glued = kind == "num" and end < len(sentence) and sentence[end].isalpha()
        tokens.append(Token(match.group(0), kind, start, end, glued, start != previous_end))
        previous_end = end
    return tokens

