"""The bot on Telegram, through the real python-telegram-bot client talking to a fake Bot API on 127.0.0.1.

End to end: people subscribe and follow places with chat commands, a feed
on a loopback server brings an article, and exactly the right people get
exactly one alert. Then every command, wrong arguments, admin-only
commands, and delivery when Telegram says "slow down" or "blocked".
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from fake_telegram import BOT_USERNAME, FakeTelegram
from httpserver import LoopbackServer

from bot.alerts import Evaluation, Rules, StoredReport, build_alert
from bot.config import Config, load_config
from bot.outbox import drain
from bot.service import run_forever
from bot.store import Store
from bot.telegram_app import build_application, on_start
from bot.telegram_notifier import TelegramNotifier
from extractors import default_gazetteer

ADMIN = 900
RSS = "application/rss+xml; charset=utf-8"
ARTICLE = ("<!doctype html><html><head><meta charset='utf-8'><title>Thousands leave Maarat al-Numan</title>"
           "<meta property='og:site_name' content='Levant Ledger'></head><body><article>"
           "<h1>Thousands leave Maarat al-Numan as bombing intensifies</h1>"
           "<p>Nearly 20,000 people have left Maarat al-Numan since December 12, local officials said on Thursday, "
           "as air strikes on the town in Syria's Idlib province continued.</p>"
           "<p>Families headed north towards camps near the Turkish border, aid workers said.</p>"
           "</article></body></html>")


def rss(server: LoopbackServer, with_article: bool) -> str:
    item = (f"<item><guid isPermaLink='false'>maarat-1</guid><link>{server.url('/maarat.html')}</link>"
            "<title>Thousands leave Maarat al-Numan</title><description>Residents leave.</description>"
            "<pubDate>Thu, 19 Dec 2019 08:15:00 GMT</pubDate></item>") if with_article else ""
    return (f"<?xml version='1.0'?><rss version='2.0'><channel><title>Wire</title><link>http://e.test/</link>"
            f"<description>w</description>{item}</channel></rss>")


def write_config(tmp_path: Path, feed_url: str, *, poll_minutes: float = 0.02, extra: str = "") -> Path:
    path = tmp_path / "bot.toml"
    path.write_text(
        f'[service]\ndatabase = "{tmp_path / "bot.db"}"\npoll_interval_minutes = {poll_minutes}\n'
        f"[telegram]\nadmin_chats = [{ADMIN}]\n{extra}\n"
        f'[[feeds]]\nname = "Wire"\nurl = "{feed_url}"\n', encoding="utf-8")
    return path


@pytest.fixture
def tg(monkeypatch: pytest.MonkeyPatch) -> FakeTelegram:
    with FakeTelegram() as server:
        monkeypatch.setenv("TELEGRAM_BOT_TOKEN", server.token)
        monkeypatch.setenv("TELEGRAM_BASE_URL", server.base_url)
        yield server


def alerts_to(tg: FakeTelegram, chat_id: int) -> list[str]:
    """Texts of the alerts (not command replies) a chat received."""
    return [t for t in tg.texts(chat_id) if "Source:" in t]


def test_watch_then_exactly_one_alert_to_exactly_the_right_person(tg: FakeTelegram, http_server: LoopbackServer,
                                                                  tmp_path: Path) -> None:
    http_server.route("/maarat.html", ARTICLE)
    http_server.route("/feed.xml", rss(http_server, with_article=False), content_type=RSS)
    config = load_config(write_config(tmp_path, http_server.url("/feed.xml")))

    async def scenario() -> None:
        stop = asyncio.Event()
        service = asyncio.create_task(run_forever(config, stop=stop))
        try:
            await tg.wait_for_async(lambda t: t.commands() is not None, timeout=20)
            tg.send_text(101, "/start")
            tg.send_text(101, "/watch Maaret al-Nouman")
            tg.send_text(202, "/watch Mosul")
            await tg.wait_for_async(lambda t: any("Following <b>Maarat al-Numan</b>" in x for x in t.texts(101))
                                    and any("Following" in x for x in t.texts(202)), timeout=20)
            http_server.route("/feed.xml", rss(http_server, with_article=True), content_type=RSS)
            await tg.wait_for_async(lambda t: alerts_to(t, 101), timeout=30)
            await asyncio.sleep(3)  # a few more poll cycles: nothing may arrive twice
        finally:
            stop.set()
            await asyncio.wait_for(service, timeout=20)

    asyncio.run(scenario())
    received = alerts_to(tg, 101)
    assert len(received) == 1
    assert received[0].startswith("<b>Maarat al-Numan — displaced: nearly 20,000 people since 12 Dec 2019</b>")
    assert f'<a href="{http_server.url("/maarat.html")}">Read the article</a>' in received[0]
    assert alerts_to(tg, 202) == []
    sent = next(m for m in tg.sent_messages(101) if "Source:" in m["text"])
    assert sent["parse_mode"] == "HTML"
    assert {c["command"] for c in tg.commands() or []} >= {"start", "watch", "unwatch", "places", "threshold",
                                                           "mute", "unmute", "summary", "latest", "sources",
                                                           "help", "stop"}


@asynccontextmanager
async def running_bot(tg: FakeTelegram, config: Config) -> AsyncIterator[Store]:
    store = Store(config.service.database)
    app = build_application(config, store, default_gazetteer(), tg.token)
    await app.initialize()
    await on_start(app)
    await app.start()
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0, timeout=1)
    try:
        yield store
    finally:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()
        store.close()


def ask(tg: FakeTelegram, chat_id: int, text: str, *, replies: int = 1,
        **kwargs: object) -> Callable[[], Awaitable[str]]:
    """Send a command and wait for the bot's answer; returns the newest reply text."""
    async def go() -> str:
        before = len(tg.texts(chat_id))
        tg.send_text(chat_id, text, **kwargs)  # type: ignore[arg-type]
        await tg.wait_for_async(lambda t: len(t.texts(chat_id)) >= before + replies, timeout=10)
        return tg.texts(chat_id)[-1]
    return go


def test_every_command_answers_and_wrong_arguments_get_an_example(tg: FakeTelegram, tmp_path: Path) -> None:
    config = load_config(write_config(tmp_path, "https://example.org/feed.xml"))

    async def scenario() -> None:
        async with running_bot(tg, config) as store:
            assert "Welcome" in await ask(tg, 7, "/start")()
            assert "/watch Idlib" in await ask(tg, 7, "/help")()
            assert "Which place?" in await ask(tg, 7, "/watch")()
            unknown = await ask(tg, 7, "/watch Saraqibbbx al-Nowhere")()
            assert "no place called" in unknown and "Did you mean" in unknown
            # two places are called Idlib: the bot asks which, with buttons
            await ask(tg, 7, "/watch Idlib")()
            question = tg.sent_messages(7)[-1]
            buttons = [b for row in question["reply_markup"]["inline_keyboard"] for b in row]
            assert len(buttons) >= 2 and "Idlib Governorate" in buttons[0]["text"]
            tg.press_button(7, question["message_id"], buttons[0]["callback_data"])
            await tg.wait_for_async(lambda t: any("Following <b>Idlib Governorate</b>" in x for x in t.texts(7)))
            assert store.watches_of(7) == [("iso:SY-ID", "Idlib Governorate", "*")]
            assert "Following <b>Saraqib</b>" in await ask(tg, 7, "/watch Saraqeb killed")()
            assert "Saraqib</b> (killed)" in await ask(tg, 7, "/places")()
            assert "not a metric" in await ask(tg, 7, "/threshold Idlib deaths-ish 5000")()
            assert "neither a number" in await ask(tg, 7, "/threshold Idlib displaced lots")()
            assert "from 5,000" in await ask(tg, 7, "/threshold Idlib displaced 5000")()
            assert "50%" in await ask(tg, 7, "/threshold all killed +50%")()
            assert store.rules_of(7) == [("*", "killed", None, 0.5), ("iso:SY-ID", "displaced", 5000, None)]
            assert "For how long?" in await ask(tg, 7, "/mute soon")()
            assert "Muted until" in await ask(tg, 7, "/mute 2h")()
            assert store.subscriber(7)["muted_until"]  # type: ignore[index]
            assert "resumed" in await ask(tg, 7, "/unmute")()
            assert "Stopped following" in await ask(tg, 7, "/unwatch Saraqib")()
            assert "You do not follow" in await ask(tg, 7, "/unwatch Kharkiv")()
            assert "no figures" in (await ask(tg, 7, "/summary Idlib 7")()).lower()
            assert "between 1 and 365" in await ask(tg, 7, "/summary Idlib 9999")()
            assert "No figures yet" in await ask(tg, 7, "/latest")()
            assert "No feed" in await ask(tg, 7, "/sources")()
            assert "Stopped" in await ask(tg, 7, "/stop")()
            assert store.subscriber(7)["active"] == 0  # type: ignore[index]
            # in a group, commands are addressed to the bot
            group = await ask(tg, -100555, f"/watch@{BOT_USERNAME} Mosul", chat_type="supergroup")()
            assert "Following <b>Mosul</b>" in group
            # and in a channel, where commands arrive as channel posts
            tg.channel_post(-100777, "/watch Aleppo Governorate")
            await tg.wait_for_async(lambda t: any("Following <b>Aleppo Governorate</b>" in x
                                                  for x in t.texts(-100777)))
            assert store.subscriber(-100777)["kind"] == "channel"  # type: ignore[index]

    asyncio.run(scenario())


def test_admin_commands_are_for_admins_and_refuse_local_addresses(tg: FakeTelegram, tmp_path: Path) -> None:
    config = load_config(write_config(tmp_path, "https://example.org/feed.xml"))

    async def scenario() -> None:
        async with running_bot(tg, config) as store:
            assert "administrators" in await ask(tg, 7, "/addfeed https://example.org/rss.xml")()
            assert "administrators" in await ask(tg, 7, "/stats")()
            refused = await ask(tg, ADMIN, "/addfeed http://127.0.0.1:8080/feed.xml Local")()
            assert "private or local address" in refused
            assert "only http:// and https://" in await ask(tg, ADMIN, "/addfeed ftp://example.org/feed")()
            assert "subscribers" in await ask(tg, ADMIN, "/stats")()
            assert store.chat_feeds() == []

    asyncio.run(scenario())


def test_configured_channels_are_subscribers_with_their_places(tg: FakeTelegram, tmp_path: Path) -> None:
    extra = "[[telegram.channels]]\nchat_id = -1001234567890\nplaces = [\"Idlib\"]\nfloor = { displaced = 5000 }\n"
    config = load_config(write_config(tmp_path, "https://example.org/feed.xml", extra=extra))

    async def scenario() -> None:
        async with running_bot(tg, config) as store:
            watched = store.watches_of(-1001234567890)
            assert [name for _, name, _ in watched] == ["Idlib Governorate"]
            assert ("*", "displaced", 5000, None) in store.rules_of(-1001234567890)

    asyncio.run(scenario())


def _queue_alert(store: Store, chat_ids: list[int]) -> None:
    report = StoredReport(id=1, metric="displaced", value=20_000, unit="people", qualifier="nearly", vague=False,
                          low=None, high=None, status="new", place="Maarat al-Numan", period_kind=None,
                          period_start=None, period_end=None, period_text=None, source="officials <local>",
                          quote="Nearly 20,000 people & more have left.", outlet="Levant <Ledger>",
                          link="http://example.test/a?x=1&y=2", published=None)
    rules = Rules({"displaced": 100}, 0.2, {"displaced": 100})
    alert = build_alert(report, Evaluation("first", True, "test"), [], rules)
    store.record_alert(alert, [str(c) for c in chat_ids])


def test_delivery_waits_on_retry_after_stops_blocked_users_and_escapes_html(tg: FakeTelegram,
                                                                           tmp_path: Path) -> None:
    from telegram import Bot

    async def scenario() -> None:
        with Store(tmp_path / "d.db") as store:
            for chat in (11, 12, 13):
                store.subscribe(chat, "private", None)
            _queue_alert(store, [11, 12, 13])
            tg.fail_next(11, status=429, retry_after=1)
            tg.block(12)
            async with Bot(tg.token, base_url=tg.base_url) as bot:
                notifier = TelegramNotifier(bot, per_chat_interval=0)
                first = await drain(store, notifier)
                second = await drain(store, notifier)
            assert (first.sent, first.retried, first.dead) == (1, 1, 1)  # 13 sent, 11 asked to wait, 12 blocked
            assert (second.sent, second.dead) == (1, 0)  # 11 after waiting
            assert store.subscriber(12)["active"] == 0  # type: ignore[index]
            statuses = dict(store.conn.execute("SELECT recipient, status FROM outbox").fetchall())
            assert statuses == {"11": "sent", "12": "dead", "13": "sent"}

    asyncio.run(scenario())
    assert len(tg.texts(11)) == 1 and len(tg.texts(13)) == 1 and tg.texts(12) == []
    text = tg.sent_messages(13)[0]["text"]
    assert "officials &lt;local&gt;, via Levant &lt;Ledger&gt;" in text
    assert '<a href="http://example.test/a?x=1&amp;y=2">Read the article</a>' in text
    assert tg.sent_messages(13)[0]["link_preview_options"]["is_disabled"] is True


def test_network_errors_back_off_and_are_dead_lettered_after_five_attempts(tg: FakeTelegram,
                                                                           tmp_path: Path) -> None:
    from telegram import Bot

    async def scenario() -> None:
        with Store(tmp_path / "n.db") as store:
            store.subscribe(21, "private", None)
            _queue_alert(store, [21])
            tg.fail_next(21, status=502, count=10)
            async with Bot(tg.token, base_url=tg.base_url) as bot:
                notifier = TelegramNotifier(bot, per_chat_interval=0)
                result = await drain(store, notifier)
                assert (result.sent, result.retried) == (0, 1)
                assert await drain(store, notifier) == type(result)(0, 0, 0)  # backing off: not due yet
                for _ in range(4):
                    store.conn.execute("UPDATE outbox SET next_attempt_at = NULL")
                    await drain(store, notifier)
            row = store.conn.execute("SELECT status, attempts, last_error FROM outbox").fetchone()
            assert row[0] == "dead" and row[1] == 5 and "network" in row[2]

    asyncio.run(scenario())


def test_summary_sends_the_figures_and_a_chart_and_digest_is_set(tg: FakeTelegram, demo_db: Path,
                                                                 tmp_path: Path) -> None:
    import shutil

    db = tmp_path / "filled.db"
    shutil.copy(demo_db, db)
    path = write_config(tmp_path, "https://example.org/feed.xml")
    path.write_text(path.read_text(encoding="utf-8").replace(str(tmp_path / "bot.db"), str(db)), encoding="utf-8")
    config = load_config(path)

    async def scenario() -> None:
        async with running_bot(tg, config) as store:
            await ask(tg, 8, "/watch Idlib Governorate")()
            text = await ask(tg, 8, "/summary Idlib Governorate 14")()
            assert "Idlib Governorate, last 14 days:" in text and "more than 235,000" in text
            await tg.wait_for_async(lambda t: t.photos(8), timeout=20)
            latest = await ask(tg, 8, "/latest 3")()
            assert latest.count("•") == 3
            assert "not a time zone" in await ask(tg, 8, "/digest 07:30 Atlantis/Nowhere")()
            assert "Daily digest at 07:30 (Asia/Damascus)" in await ask(tg, 8, "/digest 07:30 Asia/Damascus")()
            assert store.subscriber(8)["digest_tz"] == "Asia/Damascus"  # type: ignore[index]

    asyncio.run(scenario())
    photo = tg.photos(8)[0]
    assert photo["caption"] == "Idlib Governorate: last 14 days"
