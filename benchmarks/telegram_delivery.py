"""Benchmark: one alert to many subscribers through a fake Telegram Bot API on 127.0.0.1.

    python benchmarks/telegram_delivery.py [--subscribers 10000] [--limited 10000] [--skip-kill]

1. Without a rate limiter: the raw cost of draining the outbox (messages per second, peak memory).
2. With PTB's AIORateLimiter, as the service runs: messages per second against Telegram's 30/s.
3. Crash safety: a sender process is killed with SIGKILL midway through the outbox, restarted,
   and every chat is checked: how many got the alert twice, how many never got it.

The fake server is tests/fake_telegram.py; the real python-telegram-bot client talks to it.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))

from bot.alerts import Evaluation, Rules, StoredReport, build_alert  # noqa: E402
from bot.outbox import drain  # noqa: E402
from bot.store import Store  # noqa: E402
from bot.telegram_notifier import TelegramNotifier  # noqa: E402


def prepare(db: Path, subscribers: int) -> None:
    """A store with `subscribers` chats and one alert queued for all of them."""
    with Store(db) as store:
        with store.transaction():
            store.conn.executemany(
                "INSERT INTO subscribers (chat_id, kind, active, created_at) VALUES (?, 'private', 1, '')",
                [(chat,) for chat in range(1, subscribers + 1)])
        report = StoredReport(
            id=1, metric="displaced", value=235_000, unit="people", qualifier="more than", vague=False, low=None,
            high=None, status="new", place="Idlib Governorate", period_kind=None, period_start=None,
            period_end=None, period_text=None, source="UN", quote="More than 235,000 people have fled.",
            outlet="Frontline Wire", link="http://example.test/idlib", published=None)
        rules = Rules({"displaced": 1000}, 0.2, {"displaced": 1000})
        alert = build_alert(report, Evaluation("first", True, "benchmark"), [], rules)
        store.record_alert(alert, [str(chat) for chat in range(1, subscribers + 1)])


async def drain_all(db: Path, base_url: str, token: str, *, limited: bool) -> tuple[int, float]:
    """Send everything pending; (messages sent, seconds)."""
    from telegram import Bot
    from telegram.ext import AIORateLimiter, ExtBot

    bot = ExtBot(token, base_url=base_url, rate_limiter=AIORateLimiter(max_retries=0)) if limited \
        else Bot(token, base_url=base_url)
    sent = 0
    started = time.perf_counter()
    async with bot:
        notifier = TelegramNotifier(bot)
        with Store(db) as store:
            while True:
                result = await drain(store, notifier, batch=500)
                sent += result.sent
                if result.sent == 0 and result.retried == 0:
                    break
    return sent, time.perf_counter() - started


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_stage(title: str, subscribers: int, *, limited: bool) -> None:
    from fake_telegram import FakeTelegram

    with tempfile.TemporaryDirectory() as tmp, FakeTelegram() as tg:
        db = Path(tmp) / "bench.db"
        prepare(db, subscribers)
        sent, seconds = asyncio.run(drain_all(db, tg.base_url, tg.token, limited=limited))
        delivered = Counter(int(m["chat_id"]) for m in tg.sent_messages())
        print(f"{title}: {sent:,} messages in {seconds:.1f} s = {sent / seconds:.1f} messages/s; "
              f"{len(delivered):,} chats reached, duplicates {sum(1 for n in delivered.values() if n > 1)}; "
              f"peak RSS {peak_rss_mb():.0f} MB")


def run_kill_test(subscribers: int) -> None:
    from fake_telegram import FakeTelegram

    with tempfile.TemporaryDirectory() as tmp, FakeTelegram() as tg:
        db = Path(tmp) / "kill.db"
        prepare(db, subscribers)
        command = [sys.executable, __file__, "--drain-only", str(db), "--base-url", tg.base_url, "--token", tg.token]
        sender = subprocess.Popen(command)
        deadline = time.monotonic() + 120
        while len(tg.sent_messages()) < subscribers // 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        os.kill(sender.pid, signal.SIGKILL)
        sender.wait()
        at_kill = len(tg.sent_messages())
        subprocess.run(command, check=True)
        delivered = Counter(int(m["chat_id"]) for m in tg.sent_messages())
        duplicates = sum(n - 1 for n in delivered.values() if n > 1)
        lost = subscribers - len(delivered)
        print(f"kill -9 after {at_kill:,} of {subscribers:,} messages, then restart: "
              f"{sum(delivered.values()):,} sent, {lost} lost, {duplicates} duplicate(s)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--subscribers", type=int, default=10_000, help="for the raw and kill runs")
    parser.add_argument("--limited", type=int, default=10_000, help="subscribers for the rate-limited run (0: skip)")
    parser.add_argument("--skip-kill", action="store_true")
    parser.add_argument("--drain-only", metavar="DB", help=argparse.SUPPRESS)
    parser.add_argument("--base-url", help=argparse.SUPPRESS)
    parser.add_argument("--token", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.drain_only:  # the sender process of the kill test
        asyncio.run(drain_all(Path(args.drain_only), args.base_url, args.token, limited=False))
        return 0
    run_stage("without the rate limiter", args.subscribers, limited=False)
    if args.limited:
        run_stage("with AIORateLimiter", args.limited, limited=True)
    if not args.skip_kill:
        run_kill_test(args.subscribers)
    return 0


if __name__ == "__main__":
    sys.exit(main())
