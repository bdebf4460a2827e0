"""The Telegram transport under the outbox, through the real python-telegram-bot client.

It sends one message to one chat and translates Telegram's answers into
what the outbox needs to know: RetryAfter (wait that long), Forbidden or a
vanished chat (stop sending to it), a network failure (retry later). The
overall limit (about 30 messages a second) and the group limit (20 a
minute) are kept by PTB's AIORateLimiter on the bot; the one-message-a-
second-per-chat limit is kept here. The "console" recipient still prints.
"""

from __future__ import annotations

import asyncio
import time
import warnings

from telegram import Bot, LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut

from bot.notifiers import ConsoleNotifier, DeliveryError
from bot.telegram_format import alert_html

PER_CHAT_INTERVAL = 1.0  # seconds between two messages to one chat


class TelegramNotifier:
    name = "telegram"

    def __init__(self, bot: Bot, console: ConsoleNotifier | None = None, per_chat_interval: float = PER_CHAT_INTERVAL):
        self.bot = bot
        self.console = console or ConsoleNotifier()
        self.per_chat_interval = per_chat_interval
        self._last_sent: dict[int, float] = {}

    async def send(self, recipient: str, text: str) -> int | None:
        if recipient == "console":
            return await self.console.send(recipient, text)
        try:
            chat_id = int(recipient)
        except ValueError:
            raise DeliveryError(f"not a chat id: {recipient!r}", permanent=True) from None
        wait = self._last_sent.get(chat_id, 0.0) + self.per_chat_interval - time.monotonic()
        if wait > 0:
            await asyncio.sleep(wait)
        try:
            message = await self.bot.send_message(chat_id, alert_html(text), parse_mode=ParseMode.HTML,
                                                  link_preview_options=LinkPreviewOptions(is_disabled=True))
        except RetryAfter as exc:
            with warnings.catch_warnings():  # PTB 22 warns that retry_after will become a timedelta
                warnings.simplefilter("ignore")
                wait_for = exc.retry_after
            seconds = wait_for.total_seconds() if hasattr(wait_for, "total_seconds") else float(wait_for)
            raise DeliveryError(f"Telegram asked to wait {seconds} s", retry_after=float(seconds)) from None
        except Forbidden as exc:
            raise DeliveryError(f"forbidden: {exc.message}", permanent=True) from None
        except BadRequest as exc:
            gone = "chat not found" in exc.message.lower() or "deactivated" in exc.message.lower()
            raise DeliveryError(f"bad request: {exc.message}", permanent=gone) from None
        except (TimedOut, NetworkError) as exc:
            raise DeliveryError(f"network: {exc.message}") from None
        except TelegramError as exc:
            raise DeliveryError(f"telegram: {exc.message}") from None
        finally:
            self._last_sent[chat_id] = time.monotonic()
        return message.message_id
