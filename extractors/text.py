"""Text repair and sentence splitting.

Scraped news text arrives with HTML entities left in ("&#39;", "& # 39;",
"quot;"), mojibake, template placeholders and photo captions printed twice.
The extractors read the repaired text, and every span they report points into
it, so the quote a person sees is the sentence the figure came from.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

import ftfy

_SPACED_ENTITY = re.compile(r"&\s*#\s*(x?[0-9a-fA-F]{1,6})\s*;")
_BARE_ENTITY = re.compile(r"(?<![&\w])(quot|amp|apos|nbsp|#39|#039|rsquo|lsquo|ldquo|rdquo|mdash|ndash);")
_PLACEHOLDER = re.compile(r"%[A-Z]{4,}[0-9a-fA-F]{6,}%|\{\{[^}\n]{1,60}\}\}|\[\[[A-Z_]{3,}\]\]")
_HORIZONTAL_SPACE = re.compile(r"[ \t\u00a0\u2007\u2009\u202f\u200b]+")
_BARE_REPLACEMENTS = {"quot": '"', "amp": "&", "apos": "'", "nbsp": " ", "#39": "'", "#039": "'",
                      "rsquo": "’", "lsquo": "‘", "ldquo": "“", "rdquo": "”", "mdash": "—", "ndash": "–"}


def _decode_spaced_entity(match: re.Match[str]) -> str:
    code = match.group(1)
    try:
        number = int(code[1:], 16) if code.lower().startswith("x") else int(code)
        return chr(number)
    except (ValueError, OverflowError):
        return match.group(0)


# Words that PDF extraction glues together around figures ("peoplewere", "displacedabout").
_GLUED = re.compile(
    r"\b(people|persons|families|households|displaced|evacuated|killed|injured|wounded|were|was|had|have|has|been|"
    r"fled|homeless|least)(were|was|had|have|has|been|displaced|evacuated|killed|injured|wounded|fled|about|"
    r"between|from|in|and|the|more|nearly|some|people|persons|families|homeless)\b")
_GLUED_ARTICLE = re.compile(r"\b(from|of|in|to|at|on|by|into|since|with)(the)(?=\s)")
_WRAPPED_LINE = re.compile(r"(?<=[a-z0-9,;])\n(?=[a-z(])")


def repair(text: str) -> str:
    """Undo the damage scraping does, keeping paragraphs on their own lines.

    Repeated paragraphs (a photo caption above and below the picture) are kept
    once, so a figure in a caption is not counted twice.
    """
    if not text.isascii():  # mojibake always has non-ASCII characters; plain ASCII text has nothing to fix
        text = ftfy.fix_text(text, normalization="NFC", uncurl_quotes=False)
    text = _SPACED_ENTITY.sub(_decode_spaced_entity, text)
    text = html.unescape(text)
    text = _BARE_ENTITY.sub(lambda m: _BARE_REPLACEMENTS[m.group(1)], text)
    text = _PLACEHOLDER.sub(" ", text)
    text = _WRAPPED_LINE.sub(" ", text)  # hard-wrapped plain text: a line that goes on in lower case
    text = _GLUED.sub(r"\1 \2", text)
    text = _GLUED_ARTICLE.sub(r"\1 \2", text)
    lines: list[str] = []
    seen: set[str] = set()
    for raw in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = _HORIZONTAL_SPACE.sub(" ", raw).strip()
        if not line:
            if lines and lines[-1]:
                lines.append("")
            continue
        fingerprint = line.lower()
        if len(fingerprint) >= 40 and fingerprint in seen:
            continue
        seen.add(fingerprint)
        lines.append(line)
    return "\n".join(lines).strip()


@dataclass(frozen=True, slots=True)
class Sentence:
    """A sentence and where it starts in the repaired text."""

    text: str
    start: int
    paragraph: int  # index of the paragraph (line) it belongs to

    @property
    def end(self) -> int:
        return self.start + len(self.text)


_ABBREVIATIONS = {
    "mr", "mrs", "ms", "dr", "prof", "st", "gen", "lt", "col", "sgt", "capt", "maj", "rep", "sen", "gov",
    "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
    "no", "nos", "vs", "etc", "approx", "est", "inc", "ltd", "co", "corp", "dept", "mt", "ft", "km", "e.g", "i.e",
    "u.s", "u.n", "u.k", "a.m", "p.m", "al",
}
_SENTENCE_END = re.compile(r"[.!?]+[\"”’')\]]*\s+(?=[\"“‘(\[]?[A-Z0-9])")


def _sentence(line: str, start: int, end: int, offset: int, paragraph: int) -> Sentence | None:
    raw = line[start:end]
    chunk = raw.strip()
    return Sentence(chunk, offset + start + len(raw) - len(raw.lstrip()), paragraph) if chunk else None


def split_sentences(text: str) -> list[Sentence]:
    """Split repaired text into sentences; each line is at least one sentence.

    Headlines, captions and live-blog headers have no final stop, so a line
    break always ends a sentence.
    """
    sentences: list[Sentence | None] = []
    offset = 0
    for paragraph, line in enumerate(text.split("\n")):
        start = 0
        for match in _SENTENCE_END.finditer(line):
            last_word = re.search(r"([A-Za-z.]+)$", line[start:match.start()])
            if last_word:
                word = last_word.group(1).lower().rstrip(".")
                if word in _ABBREVIATIONS or (len(word) == 1 and word.isalpha()):
                    continue
            sentences.append(_sentence(line, start, match.end(), offset, paragraph))
            start = match.end()
        sentences.append(_sentence(line, start, len(line), offset, paragraph))
        offset += len(line) + 1
    return [s for s in sentences if s is not None]
