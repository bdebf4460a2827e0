"""Values that travel between the service's stages (feeds → articles → pipeline → alerts → outbox).

Plain dataclasses, so each stage can be called and tested with values it did
not have to fetch; none of them knows about SQLite or Telegram.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True, slots=True)
class FeedSpec:
    """A feed as configured: where it is and what to call it."""

    url: str
    name: str
    interval_minutes: float | None = None  # None: the schedule's default
    # Where to GET it when that differs from url, which stays the feed's identity in the store:
    # "demo:/feed.xml" is fetched from the demo server's current port (see Config.feed_specs).
    fetch_url: str | None = None
    # For a feed added from chat: the public address its host was checked to resolve to; the poll
    # connects there and nowhere else (see bot/urls.py).
    pinned_address: str | None = None


@dataclass(frozen=True, slots=True)
class FeedValidators:
    """What the last successful fetch told us, for a conditional GET."""

    etag: str | None = None
    last_modified: str | None = None
    body_hash: str | None = None  # sha256 of the last body: a 200 with the same bytes is "unchanged"


@dataclass(frozen=True, slots=True)
class FeedEntry:
    """One item of a feed, with the stable key that tells new from seen."""

    key: str  # guid, else link, else sha1 of title+published
    title: str
    link: str | None
    summary: str  # plain text (HTML stripped)
    published: datetime | None  # timezone-aware UTC when the feed gives a date


@dataclass(frozen=True, slots=True)
class FeedFetch:
    """The outcome of polling one feed once.

    status: "ok" (parsed entries), "not_modified" (304, nothing parsed),
    "unchanged" (200 with the same body as last time, nothing parsed),
    or "error" (error says why; the feed is left as it was).
    """

    feed: FeedSpec
    status: str
    entries: tuple[FeedEntry, ...] = ()
    validators: FeedValidators = field(default_factory=FeedValidators)
    error: str | None = None
    http_status: int | None = None
    title: str | None = None
    warning: str | None = None  # e.g. feedparser's bozo reason on a feed it still parsed
    parse_seconds: float = 0.0  # time spent in feedparser (for the cycle's accounting)
    retry_after: float | None = None  # seconds the server asked us to wait (Retry-After on 429/503)
    max_age: float | None = None  # seconds the response may be cached (Cache-Control max-age)


@dataclass(frozen=True, slots=True)
class Article:
    """An entry's cleaned article text, ready for the extractors.

    text_source says where the text came from: "page" (fetched and cleaned by
    trafilatura) or "summary" (the page failed or had no text; fetch_error
    says why).
    """

    entry_key: str
    url: str | None
    title: str
    text: str
    published: datetime | None
    site_name: str | None
    text_source: str
    fetch_error: str | None = None
    clean_seconds: float = 0.0  # time spent cleaning the page (for the cycle's accounting)
