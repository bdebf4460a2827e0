"""The running service: one cycle (`--once`) or a scheduler that keeps polling.

All wiring lives here: the store, the gazetteer, the demo server when the
config asks for it, the notifier, the pipeline and the jobs. Ctrl-C and
SIGTERM stop it cleanly; whatever a cycle had not finished is taken up by
the next run, because entries are only marked processed with their results.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import AsyncIterator
from dataclasses import dataclass

from bot.config import Config
from bot.demo_server import DemoServer, start_demo_server
from bot.notifiers import ConsoleNotifier, Notifier
from bot.outbox import drain
from bot.pipeline import CycleStats, Pipeline
from bot.store import Store
from extractors import Gazetteer, default_gazetteer

log = logging.getLogger(__name__)


@dataclass
class Service:
    config: Config
    store: Store
    gazetteer: Gazetteer
    notifier: Notifier
    pipeline: Pipeline
    demo: DemoServer | None

    async def cycle(self) -> CycleStats:
        stats = await self.pipeline.run_cycle()
        await self.deliver()
        return stats

    async def deliver(self) -> None:
        while True:
            result = await drain(self.store, self.notifier)
            if result.sent == 0:
                break


def console_recipients(_report: object) -> list[str]:
    return ["console"]


@contextlib.asynccontextmanager
async def open_service(config: Config, *, notifier: Notifier | None = None) -> AsyncIterator[Service]:
    """Everything a run needs, closed again on the way out."""
    store = Store(config.service.database)
    demo = start_demo_server(config.demo_directory()) if config.demo.serve else None
    try:
        gazetteer = default_gazetteer(extra=store.user_places())
        notifier = notifier or ConsoleNotifier()
        pipeline = Pipeline(config, store, gazetteer, console_recipients, demo.base_url if demo else None)
        yield Service(config, store, gazetteer, notifier, pipeline, demo)
    finally:
        if demo:
            demo.stop()
        store.close()


async def run_once(config: Config, *, notifier: Notifier | None = None) -> CycleStats:
    async with open_service(config, notifier=notifier) as service:
        return await service.cycle()


async def run_forever(config: Config, *, notifier: Notifier | None = None) -> None:
    """Poll on the scheduler until SIGINT or SIGTERM."""
    from apscheduler.schedulers.asyncio import AsyncIOScheduler

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    async with open_service(config, notifier=notifier) as service:
        scheduler = AsyncIOScheduler()
        scheduler.add_job(service.cycle, "interval", minutes=config.service.poll_interval_minutes,
                          id="poll", coalesce=True, max_instances=1, misfire_grace_time=300,
                          next_run_time=_now())
        scheduler.add_job(service.deliver, "interval", seconds=10, id="outbox", coalesce=True, max_instances=1)
        scheduler.start()
        log.info("polling %d feeds every %s min; Ctrl-C to stop", len(config.feeds),
                 config.service.poll_interval_minutes)
        try:
            await stop.wait()
        finally:
            scheduler.shutdown(wait=False)
            log.info("stopped")


def _now():
    from datetime import UTC, datetime

    return datetime.now(UTC)
