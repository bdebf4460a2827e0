"""Telling a wire story carried by several outlets from independent reports.

Ten outlets printing one agency's story are one source, not ten. Each
article gets a bottom-k sketch of its word 5-gram hashes (a MinHash variant
that needs one hash function); two sketches estimate the Jaccard similarity
of the two texts, and near-identical texts published close together are the
same story.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable

SKETCH_SIZE = 64
WIRE_BANDS = 8  # the smallest hashes indexed per article: near-identical texts share at least one of them
SHINGLE = 5
SAME_STORY = 0.5  # estimated Jaccard similarity at or above which two texts are one story
_WORD = re.compile(r"[a-z0-9]+")


def sketch(text: str, size: int = SKETCH_SIZE) -> list[int]:
    """The `size` smallest hashes of the text's word 5-grams (fewer for a short text)."""
    words = _WORD.findall(text.lower())
    if len(words) < SHINGLE:
        words = words + [""] * (SHINGLE - len(words))
    hashes = {int.from_bytes(hashlib.blake2b(" ".join(words[i:i + SHINGLE]).encode(), digest_size=8).digest(), "big")
              for i in range(len(words) - SHINGLE + 1)}
    return sorted(hashes)[:size]


def similarity(a: Iterable[int], b: Iterable[int], size: int = SKETCH_SIZE) -> float:
    """Estimated Jaccard similarity of the texts behind two sketches."""
    set_a, set_b = set(a), set(b)
    if not set_a or not set_b:
        return 0.0
    union_smallest = sorted(set_a | set_b)[:size]
    both = sum(1 for h in union_smallest if h in set_a and h in set_b)
    return both / len(union_smallest)


def same_story(a: Iterable[int], b: Iterable[int]) -> bool:
    return similarity(a, b) >= SAME_STORY
