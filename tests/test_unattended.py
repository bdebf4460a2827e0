"""Running for months: feed health, clean shutdown, restart, admin notices, and the token kept out of logs."""

from __future__ import annotations

import asyncio
import logging
import os
import random
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from httpserver import LoopbackServer

from bot.config import load_config
from bot.feed_health import next_schedule
from bot.models import FeedFetch, FeedSpec
from bot.notifiers import ConsoleNotifier
from bot.service import RedactToken, open_service
from bot.store import Store

REPO = Path(__file__).resolve().parents[1]
NOW = datetime(2024, 6, 1, 12, tzinfo=UTC)
SPEC = FeedSpec(url="https://example.org/feed.xml", name="Example")
HOUR = timedelta(hours=1)


def schedule(fetch: FeedFetch, errors: int = 0, failing_since: datetime | None = None):
    return next_schedule(fetch, consecutive_errors=errors, failing_since=failing_since, now=NOW,
                         interval=timedelta(minutes=30), max_backoff=timedelta(hours=24),
                         disable_after=timedelta(hours=72), rng=random.Random(1))


def test_a_healthy_feed_is_polled_on_its_interval_with_jitter() -> None:
    plan = schedule(FeedFetch(SPEC, "ok"))
    assert timedelta(minutes=27) <= plan.next_poll_at - NOW <= timedelta(minutes=33)
    assert plan.failing_since is None and plan.disabled_reason is None
    cached = schedule(FeedFetch(SPEC, "not_modified", max_age=7200))
    assert plan.next_poll_at < cached.next_poll_at and cached.next_poll_at - NOW >= 2 * HOUR


def test_errors_back_off_exponentially_up_to_a_day_and_honour_retry_after() -> None:
    waits = [schedule(FeedFetch(SPEC, "error", error="HTTP 500"), errors=n, failing_since=NOW).next_poll_at - NOW
             for n in (1, 2, 3, 4, 12)]
    assert waits[0] < waits[1] < waits[2] < waits[3]
    assert waits[-1] <= timedelta(hours=24, minutes=150)  # capped at a day (± jitter)
    asked = schedule(FeedFetch(SPEC, "error", error="HTTP 429", retry_after=4 * 3600), errors=1, failing_since=NOW)
    assert asked.next_poll_at - NOW >= timedelta(hours=3, minutes=30)


def test_a_feed_dead_for_too_long_is_disabled_with_its_reason() -> None:
    plan = schedule(FeedFetch(SPEC, "error", error="HTTP 404 Not Found"), errors=200,
                    failing_since=NOW - timedelta(hours=80))
    assert plan.disabled_reason and "HTTP 404 Not Found" in plan.disabled_reason


def test_a_dead_feed_is_disabled_the_admins_are_told_and_others_go_on(http_server: LoopbackServer,
                                                                      tmp_path: Path) -> None:
    http_server.route("/gone.xml", "gone", status=404)
    http_server.route("/ok.xml", "<?xml version='1.0'?><rss version='2.0'><channel><title>t</title>"
                      "<link>http://e.test/</link><description>d</description></channel></rss>",
                      content_type="application/rss+xml")
    path = tmp_path / "c.toml"
    path.write_text(f'[service]\ndatabase = "{tmp_path / "u.db"}"\n'
                    f'[[feeds]]\nname = "Gone"\nurl = "{http_server.url("/gone.xml")}"\n'
                    f'[[feeds]]\nname = "Fine"\nurl = "{http_server.url("/ok.xml")}"\n', encoding="utf-8")
    config = load_config(path)
    told: list[str] = []

    async def go() -> None:
        async with open_service(config, notifier=ConsoleNotifier()) as service:
            await service.cycle()
            service.store.schedule_feed(http_server.url("/gone.xml"), next_poll_at=None,
                                        failing_since=datetime.now(UTC) - timedelta(hours=100))

            async def tell(text: str) -> None:
                told.append(text)

            service.pipeline.notify_admins = tell
            await service.cycle()
            assert [s.name for s in service.pipeline.current_specs()] == ["Fine"]
            stats = await service.cycle()
            assert stats.feeds == 1 and stats.feeds_failed == 0  # the disabled feed costs nothing more

    asyncio.run(go())
    assert len(told) == 1 and "Feed disabled: Gone" in told[0] and "404" in told[0]
    with Store(tmp_path / "u.db") as store:
        gone = store.feed_health(http_server.url("/gone.xml"))
    assert gone is not None and gone["disabled"] == 1


def test_sigterm_stops_cleanly_and_a_restart_resumes(tmp_path: Path) -> None:
    demo = (REPO / "config" / "demo.toml").read_text(encoding="utf-8")
    config = tmp_path / "demo.toml"
    config.write_text(demo, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("TELEGRAM_")}
    command = [sys.executable, "-m", "bot.cli", "run", "--config", str(config)]
    service = subprocess.Popen(command, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True)
    deadline = time.monotonic() + 120
    db = tmp_path / "dwatch-demo.db"
    while time.monotonic() < deadline:
        if db.exists():
            with Store(db) as store:
                if store.counts()["alerts"] >= 5 and store.counts()["outbox_pending"] == 0:
                    break
        time.sleep(0.5)
    service.send_signal(signal.SIGTERM)
    out, err = service.communicate(timeout=60)
    assert service.returncode == 0, err[-2000:]
    assert "stopped" in err and "Traceback" not in err
    assert out.count("Maarat al-Numan — displaced: nearly 20,000") == 1
    again = subprocess.run([*command, "--once"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert again.returncode == 0 and "Maarat al-Numan" not in again.stdout  # resumes: nothing new twice


def test_the_token_never_reaches_the_log(caplog) -> None:  # type: ignore[no-untyped-def]
    token = "123456:SECRET-token-value"
    handler = logging.StreamHandler()
    handler.addFilter(RedactToken(token))
    record = logging.LogRecord("telegram", logging.INFO, __file__, 1,
                               "POST https://api.telegram.org/bot%s/getUpdates failed", (token,), None)
    handler.filter(record)
    assert token not in record.getMessage() and "<token>" in record.getMessage()


def test_feed_jobs_running_at_once_do_not_disturb_each_other(http_server: LoopbackServer, tmp_path: Path) -> None:
    """APScheduler overlaps different feeds' jobs: each must poll and record its own feed."""
    feed = ("<?xml version='1.0'?><rss version='2.0'><channel><title>t</title><link>http://e.test/</link>"
            "<description>d</description><item><guid>{n}</guid><title>Item {n}</title>"
            "<description>More than {n},000 people fled Saraqib on Monday.</description></item></channel></rss>")
    urls = []
    for n in range(1, 9):
        http_server.route(f"/f{n}.xml", feed.format(n=n), content_type="application/rss+xml", delay=0.05 * n)
        urls.append(http_server.url(f"/f{n}.xml"))
    path = tmp_path / "c.toml"
    path.write_text(f'[service]\ndatabase = "{tmp_path / "j.db"}"\n'
                    + "".join(f'[[feeds]]\nname = "F{i}"\nurl = "{u}"\n' for i, u in enumerate(urls, 1)),
                    encoding="utf-8")
    config = load_config(path)

    async def go() -> list[int]:
        async with open_service(config, notifier=ConsoleNotifier()) as service:
            results = await asyncio.gather(*(service.poll_feed(url) for url in urls))
            return [stats.feeds for stats in results]

    assert asyncio.run(go()) == [1] * 8
    with Store(tmp_path / "j.db") as store:
        statuses = {f["url"]: f["last_status"] for f in store.feed_statuses()}
        assert statuses == dict.fromkeys(urls, "ok")
        assert store.counts()["entries"] == 8 and store.counts()["unprocessed"] == 0
