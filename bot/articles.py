"""Fetch an entry's article page and turn it into an Article for the extractors.

Why there is always an Article: a figure in a headline or feed summary is
still news, so when the page cannot be used (no link, HTTP error, timeout,
too large, not HTML, no main text) the entry's own title and summary are
used instead, with text_source "summary" and fetch_error saying why — the
pipeline never has to special-case a failed page. Each fallback for a page
that was tried is logged as a warning with its reason (the pipeline stores
fetch_error but does not log it).
"""

from __future__ import annotations

import asyncio
import logging
import time as clock
from dataclasses import replace
from datetime import UTC, datetime, time

import httpx

from bot.cleaning import CleanedPage, clean_html, looks_binary, looks_like_html
from bot.http import CappedResponse, FetchError, fetch_capped
from bot.models import Article, FeedEntry

log = logging.getLogger(__name__)

PAGE_ACCEPT = "text/html, application/xhtml+xml;q=0.9, */*;q=0.5"


async def fetch_article(client: httpx.AsyncClient, entry: FeedEntry, *, max_bytes: int) -> Article:
    """The entry's page text when it can be fetched and cleaned, else its title and summary."""
    if not entry.link:
        return summary_article(entry, "entry has no link")
    try:
        response = await fetch_capped(client, entry.link, max_bytes, {"Accept": PAGE_ACCEPT}, what="page")
    except FetchError as exc:
        return _fallback(entry, exc.reason)
    if not response.body.strip():
        return _fallback(entry, f"empty page (HTTP {response.status})")
    if not _is_html(response):
        return _fallback(entry, f"not an HTML page: got {response.content_type}")
    if looks_binary(response.body):  # an image or noise labelled text/html: nothing for trafilatura to find
        return _fallback(entry, f"not an HTML page: got binary data (served as {response.content_type})")
    # Cleaning is CPU work (lxml, trafilatura); a thread keeps other downloads moving meanwhile.
    started = clock.perf_counter()
    try:
        page = await asyncio.to_thread(clean_html, response.body, response.final_url, encoding=response.charset)
        reason = "no article text found on the page"
    except Exception as exc:
        # The pipeline gathers all pages at once: one page that trips the cleaner must cost that page only.
        log.warning("cleaning %s failed", entry.link, exc_info=True)
        page, reason = None, f"could not clean the page: {type(exc).__name__}: {exc}"
    seconds = clock.perf_counter() - started
    if page is None:
        return replace(_fallback(entry, reason), clean_seconds=seconds)
    return replace(_page_article(entry, response, page), clean_seconds=seconds)


def _fallback(entry: FeedEntry, reason: str) -> Article:
    """summary_article for a page that was tried and failed, with the reason logged."""
    log.warning("page %s not used, falling back to the feed summary: %s", entry.link, reason)
    return summary_article(entry, reason)


def summary_article(entry: FeedEntry, reason: str) -> Article:
    """The fallback Article built from the feed entry alone; reason goes to fetch_error."""
    parts = [entry.title.strip()]
    summary = entry.summary.strip()
    if summary and summary != parts[0]:
        parts.append(summary)
    return Article(
        entry_key=entry.key,
        url=entry.link,
        title=entry.title,
        text="\n\n".join(part for part in parts if part),
        published=entry.published,
        site_name=None,
        text_source="summary",
        fetch_error=reason,
    )


def _page_article(entry: FeedEntry, response: CappedResponse, page: CleanedPage) -> Article:
    published = entry.published
    if published is None and page.date is not None:
        published = datetime.combine(page.date, time(0, 0), tzinfo=UTC)
    return Article(
        entry_key=entry.key,
        url=response.final_url,
        title=entry.title or page.title or "",
        text=page.text,
        published=published,
        site_name=page.site_name,
        text_source="page",
    )


def _is_html(response: CappedResponse) -> bool:
    media_type = response.content_type
    if media_type in ("text/html", "application/xhtml+xml"):
        return True
    # Servers that send no type, or a generic one, often still send HTML.
    return media_type in ("", "text/plain", "application/octet-stream") and looks_like_html(
        response.body[:4096]
    )
