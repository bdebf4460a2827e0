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
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

from bot.audience import Audience
from bot.config import Config
from bot.demo_server import DemoServer, start_demo_server
from bot.notifiers import ConsoleNotifier, Notifier
from bot.outbox import drain
from bot.pipeline import CycleStats, Pipeline
from bot.store import Store
from extractors import Gazetteer, default_gazetteer

log = logging.getLogger(__name__)
OUTBOX_SECONDS = 5.0


@dataclass
class Service:
    config: Config
    store: Store
    gazetteer: Gazetteer
    notifier: Notifier
    pipeline: Pipeline
    demo: DemoServer | None
    application: object | None = None  # telegram.ext.Application when a token is set
    _busy: asyncio.Lock = field(default_factory=asyncio.Lock)

    async def cycle(self) -> CycleStats:
        async with self._busy:
            stats = await self.pipeline.run_cycle()
        await self.deliver()
        return stats

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
        yield Service(config, store, gazetteer, notifier, pipeline, demo, application)
    finally:
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


async def _run_with_scheduler(service: Service, stop: asyncio.Event) -> None:
    from apscheduler.schedulers.asyncio import AsyncIOScheduler

    config = service.config
    scheduler = AsyncIOScheduler(timezone=UTC)
    scheduler.add_job(service.cycle, "interval", minutes=config.service.poll_interval_minutes, id="poll",
                      next_run_time=datetime.now(UTC), **_job_options())
    scheduler.add_job(service.deliver, "interval", seconds=OUTBOX_SECONDS, id="outbox", **_job_options())
    scheduler.start()
    log.info("polling %d feed(s) every %s min; Ctrl-C to stop", len(config.feeds), config.service.poll_interval_minutes)
    try:
        await stop.wait()
    finally:
        scheduler.shutdown(wait=False)
        async with service._busy:  # let a running cycle finish its article before the store closes
            pass


async def _run_with_telegram(service: Service, stop: asyncio.Event) -> None:
    from telegram.ext import Application

    application: Application = service.application  # type: ignore[assignment]
    config = service.config
    jobs = application.job_queue
    assert jobs is not None, "python-telegram-bot[job-queue] is required"

    async def poll(_context: object) -> None:
        await service.cycle()

    async def deliver(_context: object) -> None:
        await service.deliver()

    jobs.run_repeating(poll, interval=config.service.poll_interval_minutes * 60, first=0, name="poll",
                       job_kwargs=_job_options())
    jobs.run_repeating(deliver, interval=OUTBOX_SECONDS, first=OUTBOX_SECONDS, name="outbox",
                       job_kwargs=_job_options())
    await application.start()
    assert application.updater is not None
    await application.updater.start_polling(allowed_updates=["message", "channel_post", "callback_query"])
    log.info("bot running; polling %d feed(s) every %s min", len(config.feeds), config.service.poll_interval_minutes)
    try:
        await stop.wait()
    finally:
        await application.updater.stop()
        await application.stop()
        async with service._busy:
            pass
