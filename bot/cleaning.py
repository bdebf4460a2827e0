"""Turn HTML into the plain text the extractors read.

Pure functions, no network: the live pipeline (bot.articles) and
`dwatch extract` on saved HTML files call the same clean_html(), so a figure
found in a test file is found the same way in a live article.

Why we decode bytes ourselves before trafilatura: trafilatura guesses the
charset from the bytes alone, which often mistakes a short windows-1252 page
for another single-byte codepage. The order here follows browsers: byte order
mark, then the HTTP charset, then <meta charset>, then UTF-8, then a
statistical guess. ISO-8859-1 and ASCII labels are read as windows-1252, as the
HTML standard says, so "smart quotes" in such pages survive.

Why strip_html has its own small tokenizer instead of html.parser: feed
titles and summaries are text from strangers, and Python 3.11's HTMLParser
is super-linear on unclosed markup (15 KB of "<a <a <a ..." took 6 s, 200 KB
of "</</..." 12 s) and raises AssertionError on "<![" that is not CDATA.
The tokenizer below reads markup the way browsers do (a tag runs to its ">"
outside quoted values, an unclosed one to the end) in one linear pass.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from datetime import date
from html import unescape

import charset_normalizer
import trafilatura

_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# Labels that the HTML standard maps to windows-1252 (a superset that also decodes 0x80–0x9F).
_AS_WINDOWS_1252 = {"ascii", "latin_1", "iso8859-1", "cp1252"}
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-z0-9_.:-]+)""", re.IGNORECASE)
_XML_ENCODING = re.compile(rb"""<\?xml[^>]+encoding\s*=\s*["']([a-z0-9_.:-]+)""", re.IGNORECASE)
# One piece of markup starting at a "<"; every alternative consumes what it scans, so a pass is linear.
_MARKUP = re.compile(
    r"""
      <!--.*?(?:-->|\Z)                             # comment (one left open runs to the end)
    | <(?P<close>/?)(?P<name>[A-Za-z][^\s/>]*)      # start or end tag, then its attributes up to ">":
      (?:[^>"'=]+|=\s*"[^"]*"|=\s*'[^']*'|[="'])*+  #   a quoted value may hold ">"; possessive, no backtracking
      (?:>|\Z)                                      #   (a tag left open runs to the end)
    | <[!?/][^>]*(?:>|\Z)                           # doctype, processing instruction, bogus comment
    """,
    re.DOTALL | re.VERBOSE,
)
_BLOCK_TAGS = frozenset(
    {"p", "div", "br", "li", "ul", "ol", "tr", "table", "blockquote", "section", "article", "pre", "hr",
     "h1", "h2", "h3", "h4", "h5", "h6", "header", "footer", "figcaption"}
)  # fmt: skip
_SKIP_TAGS = frozenset(("script", "style", "template", "noscript"))  # their text is not the story's
# script and style hold raw text, not markup: "if (a<b)" must not open a tag.
_RAW_TEXT_END = {name: re.compile(rf"</{name}[\s/>]", re.IGNORECASE) for name in ("script", "style")}
_CONTROL_BYTES = bytes(range(0x00, 0x09)) + bytes(range(0x0E, 0x20))  # never in text (tab, LF, CR, FF are)
_HTML_SIGNS = re.compile(
    r"<\s*(?:!doctype\s+html|html|head|body|meta|title|article|main|div|p|h[1-6]|section|span|a\s)[\s>/]",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class CleanedPage:
    """The main text of a page and the metadata worth keeping."""

    text: str
    title: str | None
    date: date | None  # publication date from the page's metadata, when it states one
    site_name: str | None


def clean_html(
    html: str | bytes, url: str | None = None, *, encoding: str | None = None
) -> CleanedPage | None:
    """Extract the article text (favouring precision over recall) and metadata; None when no text.

    encoding is the charset the server declared, if any; bytes without one
    are decoded as described in the module docstring.
    """
    markup = decode_html(html, encoding) if isinstance(html, bytes) else html
    if not markup.strip():
        return None
    document = trafilatura.bare_extraction(
        markup,
        url=url,
        with_metadata=True,
        favor_precision=True,
        include_comments=False,
        include_tables=True,
        include_images=False,
        # No "extensive" search: a date guessed from stray page text is worse than none.
        date_extraction_params={"original_date": True, "extensive_search": False},
    )
    if document is None:
        return None
    text = _tidy(getattr(document, "text", None) or "")
    if not text:
        return None
    return CleanedPage(
        text=text,
        title=_tidy(getattr(document, "title", None) or "") or None,
        date=_parse_date(getattr(document, "date", None)),
        site_name=_tidy(getattr(document, "sitename", None) or "") or None,
    )


def decode_html(data: bytes, declared: str | None = None) -> str:
    """Decode an HTML document's bytes: BOM, declared charset, <meta>, UTF-8, guess, windows-1252."""
    for bom, codec in _BOMS:
        if data.startswith(bom):
            return data[len(bom) :].decode(codec, errors="replace")
    head = data[:4096]
    for label in (declared, _first_group(_META_CHARSET, head), _first_group(_XML_ENCODING, head)):
        codec = _codec(label)
        if codec is None:
            continue
        try:
            return data.decode(codec)
        except UnicodeDecodeError:
            continue
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    best = charset_normalizer.from_bytes(data[:65536]).best()
    codec = _codec(best.encoding) if best is not None else None
    return data.decode(codec or "cp1252", errors="replace")


def looks_like_html(data: str | bytes) -> bool:
    """True when the start of data looks like HTML markup, not plain text (`dwatch extract` decides by it)."""
    if isinstance(data, bytes):
        data = data[:4096].decode("utf-8", errors="ignore")
    return bool(_HTML_SIGNS.search(data[:4096]))


def looks_binary(data: bytes) -> bool:
    """True for an image, archive or noise: a NUL or over 5 % control bytes near the start (UTF-16 aside).

    Used to say "binary data" instead of a misleading parse error when a feed or page URL serves one.
    """
    head = data[:1024]
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or head[:2] in (b"<\x00", b"\x00<"):
        return False  # UTF-16 markup has a NUL in every other byte
    return b"\x00" in head or len(head) - len(head.translate(None, _CONTROL_BYTES)) > len(head) // 20


def strip_html(fragment: str) -> str:
    """Plain text of an HTML fragment (a feed summary): tags dropped, entities decoded, blocks on lines.

    Linear in the length of fragment whatever it holds (see the module docstring).
    """
    if "<" not in fragment and "&" not in fragment:
        return _tidy(fragment)
    # A CDATA section inside HTML comes from a feed that wrapped its HTML twice: read what it wraps as HTML.
    fragment = fragment.replace("<![CDATA[", "").replace("]]>", "")
    parts: list[str] = []
    skipping = 0  # depth inside script/style/template/noscript
    text_from = pos = 0
    while (start := fragment.find("<", pos)) != -1:
        markup = _MARKUP.match(fragment, start)
        if markup is None:
            pos = start + 1  # "2 < 3": a "<" that opens nothing is text
            continue
        if not skipping:
            parts.append(unescape(fragment[text_from:start]))
        text_from = pos = markup.end()
        name = (markup["name"] or "").lower()
        if name in _SKIP_TAGS:
            if markup["close"]:
                skipping = max(0, skipping - 1)
            elif not markup.group().endswith("/>"):
                skipping += 1
                if name in _RAW_TEXT_END:  # jump to its end tag, which the loop then reads
                    end = _RAW_TEXT_END[name].search(fragment, pos)
                    text_from = pos = end.start() if end else len(fragment)
        elif name in _BLOCK_TAGS:
            parts.append("\n")
    if not skipping:
        parts.append(unescape(fragment[text_from:]))
    return _tidy("".join(parts))


def _tidy(text: str) -> str:
    """Collapse runs of spaces inside lines and drop empty lines, keeping paragraph breaks as newlines."""
    lines = (re.sub(r"[ \t\f\v\u00a0]+", " ", line).strip() for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def _first_group(pattern: re.Pattern[bytes], data: bytes) -> str | None:
    match = pattern.search(data)
    return match.group(1).decode("ascii", errors="ignore") if match else None


def _codec(label: str | None) -> str | None:
    """A Python codec name for a charset label, or None when unknown."""
    if not label:
        return None
    try:
        name = codecs.lookup(label.strip().strip("\"'")).name
    except LookupError:
        return None
    if name in _AS_WINDOWS_1252:
        return "cp1252"
    if name.startswith("utf-16") or name.startswith("utf-32"):
        return None  # a label inside ASCII-compatible bytes cannot really be UTF-16
    return name


def _parse_date(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None
