"""The running service: one cycle (`--once`) or a service that keeps polling.

All wiring lives here: the store, the gazetteer, the demo server when the
config asks for it, the notifier (Telegram when a token is set, else the
console), the pipeline and the jobs. With Telegram the jobs run on the
JobQueue inside python-telegram-bot (APScheduler underneath) beside the
chat commands; without it, the same jobs run on a plain APScheduler.
Ctrl-C and SIGTERM stop cleanly; whatever a cycle had not finished is taken
up by the next run, because entries are only marked processed with their
results.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from bot.audience import Audience
from bot.config import Config
from bot.demo_server import DemoServer, start_demo_server
from bot.models import FeedSpec
from bot.notifiers import ConsoleNotifier, DeliveryError, Notifier
from bot.outbox import drain
from bot.pipeline import CycleStats, Pipeline
from bot.store import Store
from extractors import Gazetteer, default_gazetteer

log = logging.getLogger(__name__)
OUTBOX_SECONDS = 5.0
REFRESH_SECONDS = 60.0  # how often feeds added or removed from chat get or lose their job


@dataclass
class Service:
    config: Config
    store: Store
    gazetteer: Gazetteer
    notifier: Notifier
    pipeline: Pipeline
    demo: DemoServer | None
    application: object | None = None  # telegram.ext.Application when a token is set
    _running: set[asyncio.Task] = field(default_factory=set)

    async def cycle(self) -> CycleStats:
        """Every enabled feed, now (the --once run)."""
        return await self._tracked(self.pipeline.run_cycle())

    async def poll_feed(self, url: str) -> CycleStats:
        """One feed's job: poll it if its backoff or cache time has passed."""
        return await self._tracked(self.pipeline.run_cycle(urls={url}, due_only=True))

    async def _tracked(self, work: Awaitable[CycleStats]) -> CycleStats:
        task = asyncio.current_task()
        if task is not None:
            self._running.add(task)
        try:
            stats = await work
            await self.deliver()
            return stats
        finally:
            if task is not None:
                self._running.discard(task)

    async def finish(self, timeout: float = 30.0) -> None:
        """Let polls in progress store what they have read before the store closes."""
        running = [t for t in self._running if t is not asyncio.current_task()]
        if running:
            await asyncio.wait(running, timeout=timeout)

    async def send_digests(self) -> None:
        """The daily digests that are due now (Telegram only)."""
        if self.application is None:
            return
        from bot.digests import due_digests

        for chat, text in due_digests(self.store, self.gazetteer):
            try:
                await self.notifier.send(str(chat), text)
            except DeliveryError as exc:
                log.warning("digest to %s failed: %s", chat, exc.reason)

    async def notify_admins(self, text: str) -> None:
        """Tell the configured admin chats (best effort; the log has it anyway)."""
        if self.application is None:
            return
        for chat in self.config.telegram.admin_chats:
            try:
                await self.notifier.send(str(chat), text)
            except DeliveryError as exc:
                log.warning("could not tell admin chat %s: %s", chat, exc.reason)

    async def deliver(self) -> None:
        """Drain the outbox until nothing due is left."""
        while True:
            result = await drain(self.store, self.notifier)
            if result.sent == 0 and result.retried == 0:
                break


class RedactToken(logging.Filter):
    """Keeps the bot token out of every log line (URLs of Bot API calls contain it)."""

    def __init__(self, token: str):
        super().__init__()
        self.token = token

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if self.token in message:
            record.msg = message.replace(self.token, "<token>")
            record.args = ()
        return True


def protect_token(token: str | None) -> None:
    if not token:
        return
    for handler in logging.getLogger().handlers:
        handler.addFilter(RedactToken(token))


@contextlib.asynccontextmanager
async def open_service(config: Config, *, notifier: Notifier | None = None) -> AsyncIterator[Service]:
    """Everything a run needs, closed again on the way out."""
    store = Store(config.service.database)
    demo = start_demo_server(config.demo_directory()) if config.demo.serve else None
    application = None
    try:
        gazetteer = default_gazetteer(extra=store.user_places())
        token = config.telegram_token() if notifier is None else None
        if token:
            from bot.telegram_app import build_application, on_start
            from bot.telegram_notifier import TelegramNotifier

            protect_token(token)
            application = build_application(config, store, gazetteer, token)
            await application.initialize()
            await on_start(application)
            notifier = TelegramNotifier(application.bot)
        notifier = notifier or ConsoleNotifier()
        telegram = notifier.name == "telegram"
        audience = Audience(store, gazetteer, config.alerts, console=not telegram, subscribers=telegram)
        pipeline = Pipeline(config, store, gazetteer, audience.recipients, demo.base_url if demo else None)
        service = Service(config, store, gazetteer, notifier, pipeline, demo, application)
        pipeline.notify_admins = service.notify_admins
        yield service
    finally:
        if "pipeline" in locals():
            await pipeline.aclose()
        if application is not None:
            with contextlib.suppress(Exception):
                await application.shutdown()
        if demo:
            demo.stop()
        store.close()


async def run_once(config: Config, *, notifier: Notifier | None = None) -> CycleStats:
    async with open_service(config, notifier=notifier) as service:
        return await service.cycle()


async def run_forever(config: Config, *, notifier: Notifier | None = None,
                      stop: asyncio.Event | None = None) -> None:
    """Poll and deliver until SIGINT or SIGTERM (or `stop` is set)."""
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    async with open_service(config, notifier=notifier) as service:
        if service.application is not None:
            await _run_with_telegram(service, stop)
        else:
            await _run_with_scheduler(service, stop)
    log.info("stopped")


def _job_options() -> dict[str, object]:
    return {"coalesce": True, "max_instances": 1, "misfire_grace_time": 300}


def _feed_interval(service: Service, spec: FeedSpec) -> float:
    """Seconds between a feed's polls (its own interval, else the service's)."""
    return (spec.interval_minutes or service.config.service.poll_interval_minutes) * 60


def _stagger(index: int, total: int, interval: float) -> float:
    """Spread the first polls of many feeds over a tenth of the interval (at most a minute)."""
    return min(interval * 0.1, 60.0) * index / max(1, total)


class _FeedJobs:
    """One job per feed on APScheduler, kept in step with the feeds (added and removed from chat)."""

    def __init__(self, service: Service, add: Callable[..., object], remove: Callable[[str], object]):
        self.service = service
        self._add = add
        self._remove = remove
        self.urls: set[str] = set()

    def sync(self) -> None:
        specs = self.service.pipeline.current_specs()
        current = [spec.url for spec in specs]
        for index, spec in enumerate(s for s in specs if s.url not in self.urls):
            interval = _feed_interval(self.service, spec)
            self._add(spec.url, interval, _stagger(index, len(current), interval))
            self.urls.add(spec.url)
        for url in self.urls - set(current):
            self._remove(url)
            self.urls.discard(url)


async def _run_with_scheduler(service: Service, stop: asyncio.Event) -> None:
    from apscheduler.schedulers.asyncio import AsyncIOScheduler

    scheduler = AsyncIOScheduler(timezone=UTC)

    def add(url: str, interval: float, delay: float) -> None:
        scheduler.add_job(service.poll_feed, "interval", seconds=interval, args=[url], id=f"feed:{url}",
                          jitter=min(60.0, interval * 0.1), next_run_time=datetime.now(UTC) + timedelta(seconds=delay),
                          **_job_options())

    feeds = _FeedJobs(service, add, lambda url: scheduler.remove_job(f"feed:{url}"))
    feeds.sync()
    scheduler.add_job(feeds.sync, "interval", seconds=REFRESH_SECONDS, id="feeds", **_job_options())
    scheduler.add_job(service.deliver, "interval", seconds=OUTBOX_SECONDS, id="outbox", **_job_options())
    scheduler.start()
    log.info("polling %d feed(s), each on its own schedule; Ctrl-C to stop", len(feeds.urls))
    try:
        await stop.wait()
    finally:
        scheduler.shutdown(wait=False)
        await service.finish()


async def _run_with_telegram(service: Service, stop: asyncio.Event) -> None:
    from telegram.ext import Application

    application: Application = service.application  # type: ignore[assignment]
    config = service.config
    jobs = application.job_queue
    assert jobs is not None, "python-telegram-bot[job-queue] is required"

    async def poll(context: object) -> None:
        await service.poll_feed(context.job.data)  # type: ignore[attr-defined]

    async def deliver(_context: object) -> None:
        await service.deliver()

    async def refresh(_context: object) -> None:
        feeds.sync()

    async def digests(_context: object) -> None:
        await service.send_digests()

    def add(url: str, interval: float, delay: float) -> None:
        jobs.run_repeating(poll, interval=interval, first=delay, name=f"feed:{url}", data=url,
                           job_kwargs={**_job_options(), "jitter": min(60.0, interval * 0.1)})

    def remove(url: str) -> None:
        for job in jobs.get_jobs_by_name(f"feed:{url}"):
            job.schedule_removal()

    feeds = _FeedJobs(service, add, remove)
    feeds.sync()
    jobs.run_repeating(refresh, interval=REFRESH_SECONDS, first=REFRESH_SECONDS, name="feeds",
                       job_kwargs=_job_options())
    jobs.run_repeating(deliver, interval=OUTBOX_SECONDS, first=OUTBOX_SECONDS, name="outbox",
                       job_kwargs=_job_options())
    jobs.run_repeating(digests, interval=60, first=30, name="digests", job_kwargs=_job_options())
    await application.start()
    assert application.updater is not None
    await application.updater.start_polling(allowed_updates=["message", "channel_post", "callback_query"])
    log.info("bot running; polling %d feed(s) every %s min", len(config.feeds), config.service.poll_interval_minutes)
    try:
        await stop.wait()
    finally:
        await application.updater.stop()
        await application.stop()
        await service.finish()
