"""One poll cycle: feeds → articles → figures → store → alerts → outbox.

Each stage is a call with a typed value in and out; this module only wires
them. An entry is marked processed in the same transaction that stores its
article, reports and alerts, so a crash anywhere in a cycle leaves the entry
unprocessed and the next cycle takes it up again — and an alert already
recorded is never recorded twice (its fingerprint is unique).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Collection
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import httpx

from bot.alerts import Evaluation, StoredReport
from bot.articles import fetch_article
from bot.config import Config
from bot.crashpoints import crash_point
from bot.feed_health import next_schedule
from bot.feeds import fetch_feeds
from bot.judging import Judge
from bot.models import Article, FeedEntry, FeedFetch, FeedSpec
from bot.store import Store, from_iso, to_iso
from bot.syndication import WIRE_BANDS, same_story, sketch
from bot.urls import UnsafeURL, public_address
from extractors import Gazetteer, extract

log = logging.getLogger(__name__)


@dataclass
class CycleStats:
    """What one cycle did: logged as one line, shown by `dwatch status`."""

    feeds: int = 0
    feeds_failed: int = 0
    feeds_unchanged: int = 0
    new_entries: int = 0
    articles: int = 0
    reports: int = 0
    alerts: int = 0
    errors: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        return asdict(self)

    def summary(self) -> str:
        """One key=value line (easy to grep and to parse), with where the time went."""
        timing = " ".join(f"{k}_s={v:.3f}" for k, v in self.seconds.items())
        return (f"cycle feeds={self.feeds} failed={self.feeds_failed} unchanged={self.feeds_unchanged} "
                f"new_entries={self.new_entries} articles={self.articles} reports={self.reports} "
                f"alerts={self.alerts} {timing}")


RecipientsFor = Callable[[StoredReport, Evaluation], list[str]]
AdminNotice = Callable[[str], Awaitable[None]]


class Pipeline:
    """Runs poll cycles against one store; `recipients` decides who receives an alert."""

    def __init__(self, config: Config, store: Store, gazetteer: Gazetteer, recipients: RecipientsFor,
                 demo_base_url: str | None = None, notify_admins: AdminNotice | None = None):
        self.config = config
        self.store = store
        self.gazetteer = gazetteer
        self.recipients = recipients
        self.notify_admins = notify_admins
        self.judge = Judge(store, config.alerts, recipients)
        self.configured: tuple[FeedSpec, ...] = config.feed_specs(demo_base_url)
        self._client: httpx.AsyncClient | None = None

    def client(self) -> httpx.AsyncClient:
        """One client for every poll, so connections to a site are reused across feed jobs."""
        if self._client is None or self._client.is_closed:
            from bot.http import make_client

            self._client = make_client(self.config.http)
        return self._client

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    def current_specs(self) -> tuple[FeedSpec, ...]:
        """The configured feeds and those admins added from chat, less the disabled ones."""
        known = {spec.url for spec in self.configured}
        added = tuple(FeedSpec(url=url, name=name) for url, name in self.store.chat_feeds() if url not in known)
        disabled = self.store.disabled_feeds()
        return tuple(spec for spec in self.configured + added if spec.url not in disabled)

    def _due(self, spec: FeedSpec, now: datetime) -> bool:
        health = self.store.feed_health(spec.url)
        next_poll = health and health.get("next_poll_at")
        return not next_poll or next_poll <= to_iso(now)

    async def run_cycle(self, client: httpx.AsyncClient | None = None, *, urls: Collection[str] | None = None,
                        due_only: bool = False, now: datetime | None = None) -> CycleStats:
        """Poll feeds (all, or `urls`; with due_only, only those whose backoff or cache time has passed)."""
        now = now or datetime.now(UTC)
        specs = self.current_specs()
        if urls is not None:
            specs = tuple(spec for spec in specs if spec.url in urls)
        if due_only:
            specs = tuple(spec for spec in specs if self._due(spec, now))
        stats = CycleStats(feeds=len(specs))
        if not specs:
            return stats
        client = client or self.client()
        started = time.monotonic()
        work = await self._poll(client, specs, stats)
        stats.seconds["feeds"] = time.monotonic() - started
        started = time.monotonic()
        articles = await self._fetch_articles(client, work)
        stats.seconds["articles"] = time.monotonic() - started
        stats.seconds["clean"] = sum(article.clean_seconds for _, _, article in articles)
        stats.seconds.setdefault("extract", 0.0)
        stats.seconds.setdefault("store", 0.0)
        if articles:
            newest_known = self.store.newest_report_published()
            for spec, entry, article in sorted(articles, key=_publication_order):
                await self._process(spec, entry, article, stats, newest_known)
        if urls is None or stats.new_entries or stats.feeds_failed:
            log.info(stats.summary())
        else:
            log.debug(stats.summary())
        # a whole cycle is "last_cycle"; a feed's own job is "last_poll" (dwatch status shows both)
        key = "last_cycle" if urls is None else "last_poll"
        self.store.set_state(key, {"at": now.isoformat(), **stats.as_dict()})
        return stats

    async def _poll(self, client: httpx.AsyncClient, specs: tuple[FeedSpec, ...],
                    stats: CycleStats) -> list[tuple[FeedSpec, FeedEntry]]:
        validators = {spec.url: self.store.feed_validators(spec.url) for spec in specs}
        refused, pins = await self._check_chat_feeds(specs)
        allowed = [replace(spec, pinned_address=pins[spec.url]) if spec.url in pins else spec
                   for spec in specs if spec.url not in refused]
        fetched = await fetch_feeds(client, allowed, validators, max_bytes=self.config.http.max_feed_bytes,
                                    concurrency=self.config.http.concurrency)
        by_url = {fetch.feed.url: fetch for fetch in fetched}
        fetches = [by_url.get(spec.url) or FeedFetch(feed=spec, status="error",
                                                     error=refused.get(spec.url, "not polled"))
                   for spec in specs]
        work: list[tuple[FeedSpec, FeedEntry]] = []
        limit = self.config.service.max_entries_per_feed
        stats.seconds["parse"] = sum(fetch.parse_seconds for fetch in fetches)
        for spec, fetch in zip(specs, fetches, strict=True):
            self.store.record_feed_result(fetch)
            await self._schedule(spec, fetch)
            crash_point("feed-recorded")
            if fetch.status == "error":
                stats.feeds_failed += 1
                stats.errors.append(f"{spec.name}: {fetch.error}")
                log.warning("feed %s failed: %s", spec.name, fetch.error)
            elif fetch.status in ("not_modified", "unchanged"):
                stats.feeds_unchanged += 1
            if fetch.entries:
                stats.new_entries += len(self.store.new_entries(spec.url, fetch.entries))
                self.store.refresh_unprocessed(spec.url, fetch.entries)
            # new entries and any left unfinished by an earlier cycle, oldest first, bounded
            pending = self.store.unprocessed_entries(spec.url)[:limit]
            work.extend((spec, entry) for entry in pending)
        return work

    async def _check_chat_feeds(self, specs: tuple[FeedSpec, ...]) -> tuple[dict[str, str], dict[str, str]]:
        """Feeds added from chat are resolved and checked before every poll, and the poll is pinned to the
        address that was checked: (refused url → reason, url → address to connect to)."""
        if self.config.telegram.allow_private_feeds:
            return {}, {}
        chat_urls = {url for url, _ in self.store.chat_feeds()}
        refused, pins = {}, {}
        for spec in specs:
            if spec.url in chat_urls:
                try:
                    pins[spec.url] = await public_address(spec.url)
                except UnsafeURL as exc:
                    refused[spec.url] = f"refused: {exc}"
        return refused, pins

    async def _schedule(self, spec: FeedSpec, fetch: FeedFetch) -> None:
        """Backoff, Retry-After, Cache-Control, and disabling a feed dead for too long."""
        health = self.store.feed_health(spec.url) or {}
        service = self.config.service
        interval = timedelta(minutes=spec.interval_minutes or service.poll_interval_minutes)
        schedule = next_schedule(
            fetch, consecutive_errors=int(health.get("consecutive_errors") or 0),
            failing_since=from_iso(health.get("failing_since")), now=datetime.now(UTC), interval=interval,
            max_backoff=timedelta(hours=service.max_backoff_hours),
            disable_after=timedelta(hours=service.disable_after_hours))
        self.store.schedule_feed(spec.url, next_poll_at=schedule.next_poll_at, failing_since=schedule.failing_since,
                                 disabled_reason=schedule.disabled_reason)
        if schedule.disabled_reason and not health.get("disabled"):
            notice = f"Feed disabled: {spec.name} ({spec.url}): {schedule.disabled_reason}."
            log.warning(notice)
            if self.notify_admins:
                await self.notify_admins(notice)

    async def _fetch_articles(self, client: httpx.AsyncClient,
                              work: list[tuple[FeedSpec, FeedEntry]]) -> list[tuple[FeedSpec, FeedEntry, Article]]:
        semaphore = asyncio.Semaphore(self.config.http.concurrency)
        per_host: dict[str, asyncio.Semaphore] = {}

        async def one(spec: FeedSpec, entry: FeedEntry) -> tuple[FeedSpec, FeedEntry, Article]:
            host = urlsplit(entry.link or "").hostname or ""
            site = per_host.setdefault(host, asyncio.Semaphore(self.config.service.per_host_concurrency))
            async with semaphore, site:  # one slow site holds at most its own few slots
                article = await fetch_article(client, entry, max_bytes=self.config.http.max_page_bytes)
            return spec, entry, article

        return list(await asyncio.gather(*(one(spec, entry) for spec, entry in work)))

    async def _process(self, spec: FeedSpec, entry: FeedEntry, article: Article, stats: CycleStats,
                       newest_known: datetime | None) -> None:
        # an item with no date anywhere is taken as published when it was found
        published = article.published or datetime.now(UTC)
        started = time.monotonic()
        reports = await asyncio.to_thread(
            extract, article.text, published=published.date() if published else None, title=article.title,
            gazetteer=self.gazetteer)
        stats.seconds["extract"] = stats.seconds.get("extract", 0.0) + time.monotonic() - started
        started = time.monotonic()
        outlet = article.site_name or spec.name
        fingerprint = sketch(article.text)
        with self.store.transaction():
            article_id = self.store.save_article(spec.url, article)
            candidates = self.store.wire_candidates(fingerprint[:WIRE_BANDS], published, exclude=article_id)
            original = next((other for other, other_sketch in candidates if same_story(fingerprint, other_sketch)),
                            None)
            self.store.set_article_wire(article_id, fingerprint, original, published, WIRE_BANDS)
            ids = self.store.save_reports(article_id, reports, outlet, article.url or entry.link, published)
            crash_point("reports-saved")
            stats.alerts += self.judge.judge(self.store.stored_reports(ids), newest_known)
            crash_point("alerts-recorded")
            self.store.mark_processed(spec.url, entry.key)
        crash_point("entry-processed")
        stats.seconds["store"] = stats.seconds.get("store", 0.0) + time.monotonic() - started
        stats.articles += 1
        stats.reports += len(reports)


def _publication_order(item: tuple[FeedSpec, FeedEntry, Article]) -> tuple[datetime, str]:
    article = item[2]
    when = article.published or datetime.max.replace(tzinfo=UTC)
    return when, item[1].key
