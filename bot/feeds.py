"""Poll feeds: conditional GET with httpx, parse the bytes with feedparser.

Why fetch and parse are split: feedparser can fetch URLs itself, but then it
would bypass our size cap, timeouts, User-Agent and shared connection pool.
So httpx downloads (bot.http.fetch_capped) and feedparser only ever sees
bytes.

Polling is cheap when nothing changed: the ETag / Last-Modified of the last
good response go out as If-None-Match / If-Modified-Since (a 304 is
"not_modified"), and a 200 whose body hashes to the last body is "unchanged";
neither is parsed. A bad feed never raises: it comes back as status "error"
with a reason a person can act on, and one bad feed never stops the others.

Server hints travel with the result for the scheduler (bot.feed_health): a
429 or 503 with Retry-After sets retry_after, and Cache-Control max-age on a
200 or 304 sets max_age. Both are clamped to a week, so a garbled or hostile
header can neither silence a feed for months nor overflow a timedelta.

Why feedparser's HTML sanitizer and relative-URI rewriting are off: every
title and summary is reduced to plain text by strip_html anyway, and those
two passes re-parse each entry's HTML with feedparser's sgmllib, which costs
time on every large feed and grows quadratically on hostile markup (thousands
of unclosed "<!--" in one summary took seconds).
"""

from __future__ import annotations

import asyncio
import email.utils
import hashlib
import logging
import re
import time
import xml.sax
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from io import BytesIO
from typing import Any
from urllib.parse import urlsplit

import feedparser
import httpx

from bot.cleaning import looks_binary, strip_html
from bot.http import CappedResponse, FetchError, fetch_capped
from bot.models import FeedEntry, FeedFetch, FeedSpec, FeedValidators

log = logging.getLogger(__name__)

FEED_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/rdf+xml;q=0.9, "
    "application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"
)
# The document's first real tag is <html> or an HTML doctype (after BOM, XML declaration, comments).
_HTML_ROOT = re.compile(
    rb"^(?:\xef\xbb\xbf)?\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html)\b", re.I | re.S
)
# feedparser flags these as "bozo" although the feed itself parsed fine.
_BENIGN_BOZO = (feedparser.CharacterEncodingOverride, feedparser.NonXMLContentType)
# Every feed has one of these elements. A body with none (a 5 MB line of junk, a PDF) is not a feed, and
# is not handed to feedparser, whose lenient parser would spend seconds (~40 µs a "<") to find nothing.
_FEED_MARKUP = re.compile(rb"<(?:[a-z][\w.-]*:)?(?:rss|feed|rdf|channel|item|entry)[\s>/]", re.IGNORECASE)
_MAX_HINT_SECONDS = 7 * 24 * 3600  # longest Retry-After / max-age we pass on (see the module docstring)


async def fetch_feed(
    client: httpx.AsyncClient, spec: FeedSpec, validators: FeedValidators, *, max_bytes: int
) -> FeedFetch:
    """Poll one feed once. Never raises for a bad feed: problems come back as status "error"."""
    headers = {"Accept": FEED_ACCEPT}
    if validators.etag:
        headers["If-None-Match"] = validators.etag
    if validators.last_modified:
        headers["If-Modified-Since"] = validators.last_modified
    try:
        response = await fetch_capped(client, spec.fetch_url or spec.url, max_bytes, headers, what="feed",
                                      pin=spec.pinned_address)
    except FetchError as exc:
        retry_after = retry_after_seconds(exc.headers) if exc.status in (429, 503) else None
        error = exc.reason if retry_after is None else f"{exc.reason} (retry after {retry_after:g} s)"
        return FeedFetch(
            feed=spec, status="error", validators=validators, error=error, http_status=exc.status,
            retry_after=retry_after,
        )

    etag = response.headers.get("etag")
    last_modified = response.headers.get("last-modified")
    max_age = max_age_seconds(response.headers)
    if response.status == 304:
        kept = FeedValidators(
            etag=etag or validators.etag,
            last_modified=last_modified or validators.last_modified,
            body_hash=validators.body_hash,
        )
        return FeedFetch(feed=spec, status="not_modified", validators=kept, http_status=304, max_age=max_age)

    body_hash = hashlib.sha256(response.body).hexdigest()
    fresh = FeedValidators(etag=etag, last_modified=last_modified, body_hash=body_hash)
    if body_hash == validators.body_hash:
        return FeedFetch(
            feed=spec, status="unchanged", validators=fresh, http_status=response.status, max_age=max_age
        )
    # Parsing a large feed is CPU work; keep it off the event loop so other downloads proceed.
    started = time.perf_counter()
    parsed = await asyncio.to_thread(parse_feed_bytes, response)
    parse_seconds = time.perf_counter() - started
    if isinstance(parsed, str):
        return FeedFetch(
            feed=spec, status="error", validators=validators, error=parsed, http_status=response.status,
            parse_seconds=parse_seconds, max_age=max_age,
        )
    entries, title, warning = parsed
    return FeedFetch(
        feed=spec,
        status="ok",
        entries=entries,
        validators=fresh,
        http_status=response.status,
        title=title,
        warning=warning,
        parse_seconds=parse_seconds,
        max_age=max_age,
    )


async def fetch_feeds(
    client: httpx.AsyncClient,
    specs: Sequence[FeedSpec],
    validators_by_url: Mapping[str, FeedValidators],
    *,
    max_bytes: int,
    concurrency: int = 8,
) -> list[FeedFetch]:
    """Poll many feeds at once (at most `concurrency` at a time); results in the order of specs.

    validators_by_url is keyed by FeedSpec.url (the feed's identity, as in the store).
    """
    semaphore = asyncio.Semaphore(concurrency)

    async def one(spec: FeedSpec) -> FeedFetch:
        async with semaphore:
            try:
                return await fetch_feed(
                    client, spec, validators_by_url.get(spec.url, FeedValidators()), max_bytes=max_bytes
                )
            except Exception as exc:
                # fetch_feed turns every expected failure into an "error" result; this is the
                # safety net that keeps an unexpected bug in one feed from sinking the cycle.
                log.exception("unexpected failure polling %s", spec.url)
                return FeedFetch(feed=spec, status="error", error=f"internal error: {exc!r}")

    return list(await asyncio.gather(*(one(spec) for spec in specs)))


# --- server hints ----------------------------------------------------------------------------------


def retry_after_seconds(headers: Mapping[str, str], now: datetime | None = None) -> float | None:
    """Retry-After as seconds from now: "120" or an HTTP date ("Wed, 21 Oct 2026 07:28:00 GMT").

    None when absent or unreadable; a date in the past is 0; anything over a week is a week.
    """
    value = (headers.get("retry-after") or "").strip()
    if (seconds := _whole_seconds(value)) is not None:
        return seconds
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # "-0000" means UTC without saying so
        when = when.replace(tzinfo=UTC)
    seconds = (when - (now or datetime.now(UTC))).total_seconds()
    return float(round(min(max(seconds, 0.0), _MAX_HINT_SECONDS)))


def max_age_seconds(headers: Mapping[str, str]) -> float | None:
    """Cache-Control max-age in seconds (at most a week); None when absent, unreadable, no-store or no-cache."""
    directives: dict[str, str] = {}
    for directive in (headers.get("cache-control") or "").split(","):
        name, _, value = directive.partition("=")
        directives.setdefault(name.strip().lower(), value.strip().strip('"'))
    if "no-store" in directives or "no-cache" in directives:
        return None  # "ask every time": there is no age to wait for
    return _whole_seconds(directives.get("max-age", ""))


def _whole_seconds(value: str) -> float | None:
    """ASCII digits as seconds, at most a week; None otherwise (str.isdigit would let "²" through to int())."""
    return float(min(int(value), _MAX_HINT_SECONDS)) if re.fullmatch(r"[0-9]+", value) else None


# --- parsing ---------------------------------------------------------------------------------------


def parse_feed_bytes(response: CappedResponse) -> tuple[tuple[FeedEntry, ...], str | None, str | None] | str:
    """Parse a downloaded feed: (entries, feed title, warning), or a string saying why it is not a feed."""
    if not response.body.strip():
        return "not a feed: empty response"
    if b"\x00" not in response.body[:4] and not _FEED_MARKUP.search(response.body):  # (UTF-16/32 has NULs)
        return _not_a_feed(response, None)
    headers = {
        key: value for key, value in response.headers.items() if key in ("content-type", "content-language")
    }
    # Relative links in the feed resolve against where it was actually fetched from.
    headers["content-location"] = response.final_url
    # No sanitizing or URI rewriting inside entry HTML: we only keep its plain text (module docstring).
    parsed = feedparser.parse(
        BytesIO(response.body), response_headers=headers, sanitize_html=False, resolve_relative_uris=False
    )
    exc = parsed.get("bozo_exception") if parsed.get("bozo") else None
    serious = exc is not None and not isinstance(exc, _BENIGN_BOZO)
    entries = _entries(parsed.entries)
    title = strip_html(parsed.feed.get("title", "")) or None
    if entries:
        if serious:
            warning = f"malformed feed, parsed anyway: {_bozo_reason(exc)}"
            log.warning("feed %s: %s (%d entries)", response.final_url, warning, len(entries))
            return entries, title, warning
        # A charset or content-type mismatch feedparser recovered from: worth a note, not an alarm.
        warning = _bozo_reason(exc) if exc is not None else None
        if warning:
            log.info("feed %s: %s", response.final_url, warning)
        return entries, title, warning
    if parsed.get("version") and not serious:
        return (), title, (_bozo_reason(exc) if exc is not None else None)
    return _not_a_feed(response, exc if serious else None)


def _not_a_feed(response: CappedResponse, exc: BaseException | None) -> str:
    media_type = response.content_type or "no content type"
    if ("xml" in media_type or media_type == "text/plain") and looks_binary(response.body):
        return f"not a feed: got binary data (served as {media_type}), no entries"
    if "html" in media_type:
        return f"not a feed: got {media_type}, no entries"
    if _HTML_ROOT.match(response.body[:4096]):
        return f"not a feed: got an HTML page (served as {media_type}), no entries"
    if exc is not None and response.body.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
        return f"malformed XML: {_bozo_reason(exc)}"
    return f"not a feed: got {media_type}, no entries"


def _bozo_reason(exc: BaseException | None) -> str:
    if exc is None:
        return ""
    if isinstance(exc, xml.sax.SAXParseException):
        return f"{exc.getMessage()} (line {exc.getLineNumber()}, column {exc.getColumnNumber()})"
    return str(exc) or type(exc).__name__


def _entries(raw_entries: list[Any]) -> tuple[FeedEntry, ...]:
    entries: dict[str, FeedEntry] = {}
    for raw in raw_entries:
        entry = _entry(raw)
        entries.setdefault(entry.key, entry)  # a feed listing an item twice yields it once
    return tuple(entries.values())


def _entry(raw: Any) -> FeedEntry:
    title = " ".join(_text(raw, "title").split())  # a headline is one line, whatever the feed's markup
    link = _http_link(raw.get("link") or "")
    summary = _text(raw, "summary")
    if not summary and raw.get("content"):
        content = raw["content"][0]
        summary = _plain(content.get("value", ""), content.get("type", "text/html"))
    published_raw = raw.get("published") or raw.get("updated") or ""
    key = (raw.get("id") or "").strip() or link
    if not key:
        key = hashlib.sha1((title + published_raw).encode("utf-8")).hexdigest()
    published = _utc(raw.get("published_parsed") or raw.get("updated_parsed"))
    return FeedEntry(key=key, title=title, link=link, summary=summary, published=published)


def _http_link(value: str) -> str | None:
    """value when it is an http(s) URL, else None.

    feedparser hands back an Atom id as the link when there is none ("urn:uuid:…"); that, javascript:
    or file: is no page to fetch, and a malformed URL ("http://[::1") must not sink the whole feed.
    """
    link = value.strip()
    try:
        return link if link and urlsplit(link).scheme.lower() in ("http", "https") else None
    except ValueError:
        return None


def _text(raw: Any, name: str) -> str:
    value = raw.get(name) or ""
    detail = raw.get(f"{name}_detail") or {}
    return _plain(value, detail.get("type", "text/html"))


def _plain(value: str, media_type: str) -> str:
    """Feed text as plain text: HTML is stripped; plain text only has its whitespace tidied."""
    if "html" in media_type:
        return strip_html(value)
    return re.sub(r"\s+", " ", value).strip()


def _utc(parsed: time.struct_time | None) -> datetime | None:
    """feedparser's *_parsed values are UTC struct_times; make them aware datetimes."""
    if not parsed:
        return None
    try:
        return datetime(*parsed[:6], tzinfo=UTC)
    except (TypeError, ValueError, OverflowError):
        return None
