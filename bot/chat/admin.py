"""Commands for the service's administrators (chat ids listed in telegram.admin_chats).

/addfeed URL [NAME]   poll another feed (http(s) only; private and local addresses refused)
/removefeed URL       stop polling a feed added from chat
/stats                subscribers, feeds, alerts and the outbox
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import ContextTypes

from bot.chat.common import chat_id, reply, services
from bot.telegram_format import escape
from bot.urls import UnsafeURL, check_feed_url


def is_admin(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    admins = services(context).config.telegram.admin_chats
    user = update.effective_user.id if update.effective_user else None
    return chat_id(update) in admins or (user is not None and user in admins)


async def _refuse(update: Update) -> None:
    await reply(update, "This command is for the service's administrators.")


async def addfeed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if not is_admin(update, context):
        await _refuse(update)
        return
    args = context.args or []
    if not args:
        await reply(update, "Give the feed's address, e.g. <code>/addfeed https://example.org/rss.xml Example</code>")
        return
    svc = services(context)
    try:
        url = await check_feed_url(args[0], allow_private=svc.config.telegram.allow_private_feeds)
    except UnsafeURL as exc:
        await reply(update, f"Not added: {escape(str(exc))}.")
        return
    name = " ".join(args[1:]) or url
    if svc.store.add_chat_feed(url, name, chat_id(update)):
        await reply(update, f"Added {escape(name)}; it is polled from the next cycle on.")
    else:
        await reply(update, "That feed is already polled.")


async def removefeed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if not is_admin(update, context):
        await _refuse(update)
        return
    args = context.args or []
    if not args:
        await reply(update, "Give the feed's address, e.g. <code>/removefeed https://example.org/rss.xml</code>")
        return
    if services(context).store.remove_chat_feed(args[0].strip()):
        await reply(update, "Removed.")
    else:
        added = services(context).store.chat_feeds()
        listed = "\n".join(f"• {escape(url)}" for url, _ in added) or "none"
        await reply(update, f"No feed added from chat has that address. Feeds added from chat:\n{listed}\n"
                            "(Feeds from the config file are removed there.)")


async def stats(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if not is_admin(update, context):
        await _refuse(update)
        return
    store = services(context).store
    counts = {**store.counts(), **store.subscriber_counts()}
    await reply(update, "\n".join(f"{k.replace('_', ' ')}: {v:,}" for k, v in counts.items()))
