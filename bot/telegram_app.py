"""The Telegram side of the service, wired in one place (python-telegram-bot 22).

build_application() makes the Application: the token and the Bot API base
URL, the rate limiter, one handler per command (in private chats, groups
and channels), the buttons of /watch, an error handler, and on start the
command list (setMyCommands) and the channels declared in the config.
Polling and delivery run as JobQueue jobs (see bot/service.py); the
service calls on_start() itself, since it starts the Application by hand.
"""

from __future__ import annotations

import logging

from telegram import BotCommand, Update
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    filters,
)

from bot.chat import admin, read, subscribe
from bot.chat.common import SERVICES, Services, reply
from bot.config import Config
from bot.store import Store
from extractors import Gazetteer

log = logging.getLogger(__name__)

COMMANDS: list[tuple[str, str, object]] = [
    ("start", "subscribe to alerts", subscribe.start),
    ("watch", "follow a place: /watch Idlib [displaced]", subscribe.watch),
    ("unwatch", "stop following a place (or all)", subscribe.unwatch),
    ("places", "the places I follow and their figures", subscribe.places),
    ("threshold", "my thresholds: /threshold Idlib displaced 5000", subscribe.threshold),
    ("digest", "daily digest: /digest 07:30 Europe/Istanbul", subscribe.digest),
    ("mute", "pause alerts: /mute 3h", subscribe.mute),
    ("unmute", "resume alerts", subscribe.unmute),
    ("summary", "a place's figures: /summary Idlib 7", read.summary),
    ("latest", "the newest figures for my places", read.latest),
    ("sources", "the feeds and their health", read.sources),
    ("help", "every command, with examples", read.help_command),
    ("stop", "stop all alerts", subscribe.stop),
]
ADMIN_COMMANDS: list[tuple[str, object]] = [
    ("addfeed", admin.addfeed),
    ("removefeed", admin.removefeed),
    ("stats", admin.stats),
]


def build_application(config: Config, store: Store, gazetteer: Gazetteer, token: str) -> Application:
    application = (
        ApplicationBuilder()
        .token(token)
        .base_url(config.telegram.base_url)
        .rate_limiter(AIORateLimiter(max_retries=0))  # RetryAfter comes back to the outbox, which waits
        .build()
    )
    application.bot_data[SERVICES] = Services(config, store, gazetteer)
    everywhere = filters.UpdateType.MESSAGES | filters.UpdateType.CHANNEL_POSTS
    for name, _, callback in COMMANDS:
        application.add_handler(CommandHandler(name, callback, filters=everywhere))  # type: ignore[arg-type]
    for name, callback in ADMIN_COMMANDS:
        application.add_handler(CommandHandler(name, callback, filters=everywhere))  # type: ignore[arg-type]
    application.add_handler(CallbackQueryHandler(subscribe.watch_button, pattern=rf"^{subscribe.WATCH_BUTTON}\|"))
    application.add_error_handler(_on_error)
    return application


async def on_start(application: Application) -> None:
    """After initialize(): publish the command list and subscribe the configured channels."""
    await application.bot.set_my_commands([BotCommand(name, description) for name, description, _ in COMMANDS])
    services: Services = application.bot_data[SERVICES]
    for problem in sync_channels(services.config, services.store, services.gazetteer):
        log.warning("telegram.channels: %s", problem)


def sync_channels(config: Config, store: Store, gazetteer: Gazetteer) -> list[str]:
    """Make the channels declared in the config subscribers with exactly the places and thresholds declared."""
    from bot.places import PlaceError, resolve

    problems = []
    for channel in config.telegram.channels:
        store.subscribe(channel.chat_id, "channel", None, from_config=True)
        for place_id, _, metric in store.watches_of(channel.chat_id):
            store.remove_watch(channel.chat_id, place_id, metric)
        for name in channel.places:
            if name == "*":
                store.add_watch(channel.chat_id, "*", "every place")
                continue
            try:
                place = resolve(gazetteer, name).place
            except PlaceError as exc:
                problems.append(f"channel {channel.chat_id}: {exc}")
                continue
            store.add_watch(channel.chat_id, place.id, place.name)
        if channel.floor:
            for metric, value in channel.floor.as_dict().items():
                store.set_rule(channel.chat_id, "*", metric, floor=value)
        if channel.relative_step is not None:
            for metric in ("displaced", "killed", "injured", "strikes"):
                store.set_rule(channel.chat_id, "*", metric, relative_step=channel.relative_step)
    return problems


async def _on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    log.error("chat command failed: %s", context.error, exc_info=context.error)
    if isinstance(update, Update) and update.effective_message:
        try:
            await reply(update, "Sorry, something went wrong with that command. It has been logged.")
        except Exception:
            log.debug("could not tell the user about the error")
