"""What every chat handler needs: the service's parts, the chat, and a one-line way to answer."""

from __future__ import annotations

from dataclasses import dataclass

from telegram import LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.ext import ContextTypes

from bot.config import Config
from bot.store import Store
from extractors import Gazetteer
from extractors.report import METRICS

SERVICES = "services"


@dataclass
class Services:
    config: Config
    store: Store
    gazetteer: Gazetteer


def services(context: ContextTypes.DEFAULT_TYPE) -> Services:
    return context.application.bot_data[SERVICES]


def chat_id(update: Update) -> int:
    assert update.effective_chat is not None
    return update.effective_chat.id


def chat_title(update: Update) -> str | None:
    chat = update.effective_chat
    if chat is None:
        return None
    return chat.title or chat.full_name or chat.username


async def reply(update: Update, html_text: str, **kwargs: object) -> None:
    """Answer in the chat the command came from (a message, a channel post or a button press)."""
    message = update.effective_message
    if message is None:
        return
    await message.reply_text(html_text, parse_mode=ParseMode.HTML,
                             link_preview_options=LinkPreviewOptions(is_disabled=True), **kwargs)


def metric_of(word: str) -> str | None:
    """'displaced', 'deaths', 'wounded', 'airstrikes' … → the metric, or None."""
    word = word.lower().strip()
    aliases = {"displacement": "displaced", "idps": "displaced", "fled": "displaced", "deaths": "killed",
               "dead": "killed", "killings": "killed", "casualties": "killed", "wounded": "injured",
               "injuries": "injured", "strike": "strikes", "airstrikes": "strikes", "shelling": "strikes"}
    word = aliases.get(word, word)
    return word if word in METRICS else None
