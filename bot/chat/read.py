"""Reading what the service knows.

/summary [PLACE] [DAYS]   each metric's latest figure, its change and its sources (default: my places, 7 days)
/latest [N]               the newest figures for my places (or everywhere when I follow none)
/sources                  the feeds and their health
/help                     every command, with examples
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import ContextTypes

from bot.alerts import Rules
from bot.chat.common import chat_id, reply, services
from bot.places import PlaceError, resolve
from bot.summaries import summary_chart, summary_text
from bot.telegram_format import escape, fit

HELP = """<b>displacement-watch</b> alerts you when a report changes the picture for a place you follow.

<b>Follow</b>
/watch PLACE [METRIC] — e.g. <code>/watch Idlib</code>, <code>/watch Maaret al-Nouman displaced</code>
/unwatch PLACE — or <code>/unwatch all</code>
/places — what you follow, with current figures

<b>Tune</b>
/threshold PLACE|all METRIC FLOOR|+PCT — e.g. <code>/threshold Idlib displaced 5000</code>,
<code>/threshold all killed +50%</code>
/mute DURATION — e.g. <code>/mute 3h</code>, <code>/mute 2d</code>; /unmute
/digest HH:MM TZ — a daily message of what moved, e.g. <code>/digest 07:30 Asia/Damascus</code>; /digest off

<b>Read</b>
/summary [PLACE] [DAYS] — e.g. <code>/summary Idlib 7</code>
/latest [N] — the newest figures for your places
/sources — the feeds and their health

/start subscribes, /stop stops all alerts. Metrics: displaced, killed, injured, strikes.
Spelling does not matter: Maarat al-Numan = Maaret al-Nouman = Ma’arat al-Num’an."""


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await reply(update, HELP)


def _place_and_days(args: list[str]) -> tuple[str, int | None]:
    if args and args[-1].isdigit():
        return " ".join(args[:-1]), int(args[-1])
    return " ".join(args), None


async def summary(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    svc = services(context)
    name, days = _place_and_days(context.args or [])
    days = days or 7
    if days < 1 or days > 365:
        await reply(update, "Give the number of days between 1 and 365, e.g. <code>/summary Idlib 7</code>")
        return
    if name:
        try:
            places = [resolve(svc.gazetteer, name).place]
        except PlaceError as exc:
            await reply(update, escape(str(exc)))
            return
    else:
        ids = [place_id for place_id, _, _ in svc.store.watches_of(chat_id(update)) if place_id != "*"]
        places = [p for p in (svc.gazetteer.by_id(i) for i in dict.fromkeys(ids)) if p]
        if not places:
            await reply(update, "Which place? For example: <code>/summary Idlib 7</code> "
                                "(or follow places with /watch and ask /summary)")
            return
    texts = [escape(summary_text(svc.store, svc.gazetteer, place, days)) for place in places[:5]]
    await reply(update, fit("\n\n".join(texts)))
    for place in places[:3]:  # a chart per place, legible on a phone
        floors = dict(Rules.from_config(svc.config.alerts, place.name).floor)
        png = summary_chart(svc.store, svc.gazetteer, place, days, floors)
        if png and update.effective_message:
            await update.effective_message.reply_photo(png, caption=f"{place.name}: last {days} days")


async def latest(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    svc = services(context)
    args = context.args or []
    if args and not (args[0].isdigit() and 1 <= int(args[0]) <= 50):
        await reply(update, "Give how many figures (1–50), e.g. <code>/latest 5</code>")
        return
    count = int(args[0]) if args else 5
    names = [name for place_id, name, _ in svc.store.watches_of(chat_id(update)) if place_id != "*"]
    reports = svc.store.recent_reports(count, names or None)
    if not reports:
        await reply(update, "No figures yet for your places.")
        return
    lines = []
    for r in reports:
        qualifier = f"{r.qualifier} " if r.qualifier and r.qualifier != "total" else ""
        when = f"{r.published:%d %b}" if r.published else "?"
        link = f' <a href="{escape(r.link)}">source</a>' if r.link else ""
        lines.append(f"• {when} <b>{escape(r.place or '')}</b> {r.metric}: {escape(qualifier)}{r.value:,} "
                     f"({escape(r.source or 'unattributed')}, {escape(r.outlet or '?')}){link}")
    await reply(update, fit("\n".join(lines)))


async def sources(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    feeds = services(context).store.feed_statuses()
    if not feeds:
        await reply(update, "No feed has been polled yet.")
        return
    lines = ["<b>Feeds</b>"]
    for feed in feeds:
        state = "✅" if feed["last_status"] in ("ok", "not_modified", "unchanged") else "⚠️"
        detail = f" — {escape(feed['last_error'])}" if feed["last_error"] else ""
        lines.append(f"{state} {escape(feed['name'] or feed['url'])}: last success "
                     f"{(feed['last_success'] or 'never')[:16]}{detail}")
    await reply(update, fit("\n".join(lines)))
