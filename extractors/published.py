"""The publication date of a text that carries it in its opening lines.

Live articles bring their date from the feed or the page's metadata; a text
file given to `dwatch extract` often has it near the top ("27 December,
2019", "date 2019-12-26"). Periods are resolved against it.
"""

from __future__ import annotations

import re
from datetime import date

from extractors.periods import _MONTHS

_MONTH = r"(January|February|March|April|May|June|July|August|September|October|November|December)"
_PATTERNS = [
    re.compile(r"\b(?P<y>(?:19|20)\d\d)-(?P<m>\d\d)-(?P<d>\d\d)\b"),
    re.compile(rf"\b(?P<d>\d{{1,2}})\s+{_MONTH.replace('(', '(?P<mn>', 1)},?\s+(?P<y>(?:19|20)\d\d)\b"),
    re.compile(rf"\b{_MONTH.replace('(', '(?P<mn>', 1)}\s+(?P<d>\d{{1,2}}),?\s+(?P<y>(?:19|20)\d\d)\b"),
]


def detect_published(text: str, *, lines: int = 6) -> date | None:
    """The first full date in the opening lines, or None."""
    head = "\n".join(text.splitlines()[:lines])
    for pattern in _PATTERNS:
        match = pattern.search(head)
        if not match:
            continue
        groups = match.groupdict()
        month = int(groups["m"]) if groups.get("m") else _MONTHS[groups["mn"].lower()]
        try:
            return date(int(groups["y"]), month, int(groups["d"]))
        except ValueError:
            continue
    return None
