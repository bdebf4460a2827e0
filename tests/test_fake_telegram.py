"""The fake Bot API server, driven through the real python-telegram-bot client."""

from __future__ import annotations

import asyncio
import datetime as dtm
import time
from collections.abc import Awaitable, Callable, Iterator

import pytest
from fake_telegram import BOT_USERNAME, FakeTelegram
from telegram import Bot, BotCommand, InlineKeyboardButton, InlineKeyboardMarkup, LinkPreviewOptions, Update
from telegram.error import BadRequest, Forbidden, RetryAfter
from telegram.ext import (
    Application,
    ApplicationBuilder,
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
)


@pytest.fixture
def tg() -> Iterator[FakeTelegram]:
    with FakeTelegram() as server:
        yield server


async def with_bot(tg: FakeTelegram, body: Callable[[Bot], Awaitable[None]]) -> None:
    async with Bot(tg.token, base_url=tg.base_url) as bot:
        await body(bot)


async def with_app(tg: FakeTelegram, handlers: list[BaseHandler],
                   body: Callable[[Application], Awaitable[None]]) -> None:
    """Run a polling Application against the fake while body runs, then stop it the way the service does."""
    app = ApplicationBuilder().token(tg.token).base_url(tg.base_url).build()
    for handler in handlers:
        app.add_handler(handler)
    await app.initialize()
    await app.start()
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0, timeout=1)
    try:
        await body(app)
    finally:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()


def keyboard(*pairs: tuple[str, str]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(text, callback_data=data) for text, data in pairs]])


def test_get_me_through_base_url(tg: FakeTelegram) -> None:
    async def body(bot: Bot) -> None:
        me = await bot.get_me()
        assert (me.id, me.username, me.is_bot) == (123456, BOT_USERNAME, True)

    asyncio.run(with_bot(tg, body))
    assert tg.methods()[0] == "getMe"
    assert tg.base_url.startswith("http://127.0.0.1:") and tg.base_url.endswith("/bot")


def test_send_message_with_html_and_inline_keyboard_is_recorded_decoded(tg: FakeTelegram) -> None:
    text = '<b>Gaza</b>: 1,200 displaced &amp; 3 killed\n<a href="https://example.org/a?x=1&amp;y=2">Read</a>'

    async def body(bot: Bot) -> None:
        first = await bot.send_message(42, text, parse_mode="HTML", reply_markup=keyboard(("Mute", "mute:gaza")),
                                       link_preview_options=LinkPreviewOptions(is_disabled=True))
        second = await bot.send_message(42, "plain")
        other = await bot.send_message(-1001234, "group")
        assert (first.message_id, second.message_id, other.message_id) == (1, 2, 1)  # numbered per chat
        assert first.chat.type == "private" and other.chat.type == "supergroup"
        assert first.from_user is not None and first.from_user.username == BOT_USERNAME
        assert first.text == "Gaza: 1,200 displaced & 3 killed\nRead"  # Telegram returns the parsed text
        assert first.text_html == '<b>Gaza</b>: 1,200 displaced &amp; 3 killed\n<a href="https://example.org/a?x=1&y=2">Read</a>'
        assert first.reply_markup is not None
        assert first.reply_markup.inline_keyboard[0][0].callback_data == "mute:gaza"

    asyncio.run(with_bot(tg, body))
    sent = tg.sent_messages(42)
    assert [m["text"] for m in sent] == [text, "plain"]
    assert sent[0]["chat_id"] == 42 and sent[0]["parse_mode"] == "HTML" and sent[0]["message_id"] == 1
    assert sent[0]["reply_markup"] == {"inline_keyboard": [[{"text": "Mute", "callback_data": "mute:gaza"}]]}
    assert sent[0]["link_preview_options"] == {"is_disabled": True}
    assert tg.texts(-1001234) == ["group"]


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")  # retry_after: int now, timedelta later
def test_429_injection_raises_retry_after(tg: FakeTelegram) -> None:
    tg.fail_next(42, status=429, retry_after=1)

    async def body(bot: Bot) -> None:
        with pytest.raises(RetryAfter) as caught:
            await bot.send_message(42, "first")
        retry_after = caught.value.retry_after
        seconds = retry_after.total_seconds() if isinstance(retry_after, dtm.timedelta) else retry_after
        assert seconds == 1
        assert (await bot.send_message(42, "second")).text == "second"  # only the next one failed

    asyncio.run(with_bot(tg, body))
    assert tg.texts(42) == ["second"]
    assert [(params["text"], status) for _, params, status in tg.failed_sends(42)] == [("first", 429)]


def test_403_injection_and_block_raise_forbidden(tg: FakeTelegram) -> None:
    tg.fail_next(status=403)
    tg.block(7)

    async def body(bot: Bot) -> None:
        with pytest.raises(Forbidden, match="bot was blocked by the user"):
            await bot.send_message(5, "once")
        await bot.send_message(5, "then fine")
        for _ in range(2):
            with pytest.raises(Forbidden):
                await bot.send_message(7, "blocked")
        tg.unblock(7)
        await bot.send_message(7, "unblocked")

    asyncio.run(with_bot(tg, body))
    assert tg.texts() == ["then fine", "unblocked"]


def test_html_is_checked_like_telegram_does(tg: FakeTelegram) -> None:
    async def body(bot: Bot) -> None:
        with pytest.raises(BadRequest, match="parse entities"):
            await bot.send_message(1, "<5,000 people displaced", parse_mode="HTML")
        with pytest.raises(BadRequest, match="parse entities"):
            await bot.send_message(1, "<b>unclosed", parse_mode="HTML")
        with pytest.raises(BadRequest, match="too long"):
            await bot.send_message(1, "x" * 4097)
        assert (await bot.send_message(1, "&lt;5,000 people", parse_mode="HTML")).text == "<5,000 people"

    asyncio.run(with_bot(tg, body))


def test_photo_upload_and_commands(tg: FakeTelegram) -> None:
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256))

    async def body(bot: Bot) -> None:
        message = await bot.send_photo(42, photo=png, caption="<b>Map</b>", parse_mode="HTML")
        assert message.photo and message.caption == "Map"
        await bot.set_my_commands([BotCommand("watch", "Follow a place"), BotCommand("start", "Start")])
        assert [c.command for c in await bot.get_my_commands()] == ["watch", "start"]

    asyncio.run(with_bot(tg, body))
    photo = tg.photos(42)[0]
    assert photo["photo"].data == png and photo["caption"] == "<b>Map</b>"
    assert tg.commands() == [{"command": "watch", "description": "Follow a place"},
                             {"command": "start", "description": "Start"}]


def test_application_answers_start(tg: FakeTelegram) -> None:
    seen: list[list[str]] = []

    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        seen.append(list(context.args or []))
        assert update.effective_message is not None
        await update.effective_message.reply_text("Welcome")

    async def body(app: Application) -> None:
        tg.send_text(42, "/start hello")
        await tg.wait_for_async(lambda t: t.texts(42), timeout=3)

    started = time.monotonic()
    asyncio.run(with_app(tg, [CommandHandler("start", start)], body))
    assert time.monotonic() - started < 3
    assert seen == [["hello"]]
    assert tg.texts(42) == ["Welcome"]
    assert {"getMe", "deleteWebhook", "getUpdates"} <= set(tg.methods())
    assert tg.pending_updates() == 0  # the updater confirmed it on the way out


def test_callback_query_reaches_handler(tg: FakeTelegram) -> None:
    presses: list[str] = []

    async def on_press(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None and query.data is not None
        presses.append(query.data)
        await query.answer("Muted")
        await query.edit_message_text("Muted Gaza")

    async def body(app: Application) -> None:
        sent = await app.bot.send_message(42, "Alert", reply_markup=keyboard(("Mute", "mute:gaza")))
        with pytest.raises(ValueError, match="no button"):
            tg.press_button(42, sent.message_id, "mute:elsewhere")
        tg.press_button(42, sent.message_id, "mute:gaza")
        await tg.wait_for_async(lambda t: t.edits(), timeout=3)

    asyncio.run(with_app(tg, [CallbackQueryHandler(on_press)], body))
    assert presses == ["mute:gaza"]
    assert tg.callback_answers()[0]["text"] == "Muted"
    edit = tg.edits()[0]
    assert (edit["chat_id"], edit["message_id"], edit["text"]) == (42, 1, "Muted Gaza")
    assert tg.message(42, 1)["text"] == "Muted Gaza"  # type: ignore[index]


def test_group_command_addressed_to_the_bot(tg: FakeTelegram) -> None:
    group = -1001234567890
    replies: list[tuple[int, str]] = []

    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_chat is not None and update.effective_message is not None
        replies.append((update.effective_chat.id, update.effective_chat.type))
        await update.effective_message.reply_text("Hello group")

    async def body(app: Application) -> None:
        tg.send_text(group, "/start@someone_else_bot")  # for another bot: ignored
        tg.send_text(group, f"/start@{BOT_USERNAME} now", user_id=777)
        await tg.wait_for_async(lambda t: t.texts(group), timeout=3)

    asyncio.run(with_app(tg, [CommandHandler("start", start)], body))
    assert replies == [(group, "supergroup")]
    assert tg.texts(group) == ["Hello group"]


def test_long_poll_is_capped_and_wakes_on_update(tg: FakeTelegram) -> None:
    async def body(bot: Bot) -> None:
        started = time.monotonic()
        assert await bot.get_updates(timeout=30) == ()
        assert time.monotonic() - started < 2  # capped at max_poll_wait

        async def later() -> None:
            await asyncio.sleep(0.2)
            tg.send_text(9, "hi")

        task = asyncio.create_task(later())
        updates = await bot.get_updates(timeout=5)
        await task
        assert [u.message.text for u in updates if u.message] == ["hi"]
        assert await bot.get_updates(offset=updates[-1].update_id + 1) == ()

    asyncio.run(with_bot(tg, body))


def test_sustains_hundreds_of_messages_per_second(tg: FakeTelegram) -> None:
    async def body(bot: Bot) -> None:
        started = time.monotonic()
        for i in range(300):
            await bot.send_message(5, f"m{i}")
        assert time.monotonic() - started < 2.5

    asyncio.run(with_bot(tg, body))
    assert [m["message_id"] for m in tg.sent_messages(5)] == list(range(1, 301))
