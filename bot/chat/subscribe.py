"""Subscribing and choosing what to follow.

/start                      subscribe (a short introduction)
/stop                       stop all alerts
/watch PLACE [METRIC]       follow a place (spelling does not matter); a province includes its towns
/unwatch PLACE [METRIC]     stop following it (/unwatch all: everything)
/places                     what I follow, with each place's current figures
/threshold PLACE|all METRIC FLOOR|+PCT   my own thresholds
/mute DURATION, /unmute     pause alerts (2h, 3d, 1w, 90m)
/digest HH:MM TZ, /digest off   a daily message of what moved, at my hour
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import ContextTypes

from bot.chat.common import chat_id, chat_title, metric_of, reply, services
from bot.digests import parse_digest
from bot.places import PlaceError, describe, resolve
from bot.telegram_format import escape
from extractors import Place

WATCH_BUTTON = "w"
INTRO = ("Welcome to <b>displacement-watch</b>. I read humanitarian and news feeds and tell you when a report "
         "changes the picture for a place you follow: people displaced, killed or injured, and places struck.\n\n"
         "Follow a place with /watch, for example <code>/watch Idlib</code> or "
         "<code>/watch Maaret al-Nouman displaced</code>. /help lists everything I understand.")


def _kind(update: Update) -> str:
    return update.effective_chat.type if update.effective_chat else "private"


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    svc = services(context)
    svc.store.subscribe(chat_id(update), _kind(update), chat_title(update))
    await reply(update, INTRO)


async def stop(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    services(context).store.deactivate(chat_id(update), "stopped with /stop")
    await reply(update, "Stopped: you will get no more alerts. Your places are kept; /start resumes them.")


def _split_metric(args: list[str]) -> tuple[str, str]:
    """'Maaret al-Nouman displaced' → ('Maaret al-Nouman', 'displaced'); no metric word → '*'."""
    if len(args) > 1 and metric_of(args[-1]):
        return " ".join(args[:-1]), metric_of(args[-1]) or "*"
    return " ".join(args), "*"


async def _add_watch(update: Update, context: ContextTypes.DEFAULT_TYPE, place: Place, metric: str) -> None:
    svc = services(context)
    svc.store.subscribe(chat_id(update), _kind(update), chat_title(update))
    svc.store.add_watch(chat_id(update), place.id, place.name, metric)
    what = "all figures" if metric == "*" else f"{metric} figures"
    inside = " and the places inside it" if place.kind in ("country", "province", "district") else ""
    await reply(update, f"Following <b>{escape(place.name)}</b>{inside}: {what}.\n"
                        f"<i>{escape(describe(place, svc.gazetteer))}</i>")


async def watch(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    svc = services(context)
    if not context.args:
        await reply(update, "Which place? For example: <code>/watch Idlib</code> or "
                            "<code>/watch Maaret al-Nouman displaced</code>")
        return
    name, metric = _split_metric(context.args)
    try:
        found = resolve(svc.gazetteer, name)
    except PlaceError as exc:
        await reply(update, escape(str(exc)))
        return
    if not found.others:
        await _add_watch(update, context, found.place, metric)
        return
    buttons = [[InlineKeyboardButton(describe(p, svc.gazetteer)[:60], callback_data=f"{WATCH_BUTTON}|{p.id}|{metric}")]
               for p in (found.place, *found.others)[:6]]
    await reply(update, f"Several places are called “{escape(name)}”. Which one?",
                reply_markup=InlineKeyboardMarkup(buttons))


async def watch_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A press on one of /watch's choices."""
    query = update.callback_query
    if query is None or not query.data:
        return
    _, place_id, metric = [*query.data.split("|"), "", "*"][:3]
    place = services(context).gazetteer.by_id(place_id)
    if place is None:
        await query.answer("That place is no longer known.")
        return
    await query.answer(f"Following {place.name}")
    await query.edit_message_text(f"Chosen: {place.name}")
    await _add_watch(update, context, place, metric or "*")


async def unwatch(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    svc = services(context)
    me = chat_id(update)
    if not context.args:
        await reply(update, "Which place? For example: <code>/unwatch Idlib</code>, or <code>/unwatch all</code>")
        return
    watched = svc.store.watches_of(me)
    if [a.lower() for a in context.args] == ["all"]:
        for place_id, _, metric in watched:
            svc.store.remove_watch(me, place_id, metric)
        await reply(update, f"Stopped following {len(watched)} place(s).")
        return
    name, metric = _split_metric(context.args)
    try:
        candidates = {p.id for p in (lambda r: (r.place, *r.others))(resolve(svc.gazetteer, name))}
    except PlaceError as exc:
        await reply(update, escape(str(exc)))
        return
    removed = sum(svc.store.remove_watch(me, place_id, None if metric == "*" else metric)
                  for place_id, _, _ in watched if place_id in candidates)
    if removed:
        await reply(update, f"Stopped following {escape(name)}.")
    else:
        names = ", ".join(sorted({n for _, n, _ in watched})) or "nothing yet"
        await reply(update, f"You do not follow {escape(name)}. You follow: {escape(names)}.")


async def places(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    svc = services(context)
    watched = svc.store.watches_of(chat_id(update))
    if not watched:
        await reply(update, "You follow no place yet. Try <code>/watch Idlib</code>.")
        return
    lines = ["<b>You follow</b>"]
    for place_id, name, metric in watched:
        what = "" if metric == "*" else f" ({metric})"
        label = "every place" if place_id == "*" else escape(name)
        lines.append(f"• <b>{label}</b>{what}")
        for b in svc.store.place_baselines([name]):
            if metric not in ("*", b["metric"]):
                continue
            qualifier = f"{b['qualifier']} " if b["qualifier"] else ""
            lines.append(f"   {b['metric']}: {escape(qualifier)}{b['value']:,} "
                         f"({escape(b['source'] or 'unattributed')}, {(b['published'] or '')[:10]})")
    await reply(update, "\n".join(lines))


_PCT = re.compile(r"^\+?(\d+(?:\.\d+)?)%$")


async def threshold(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    svc = services(context)
    example = ("<code>/threshold Idlib displaced 5000</code> (alert from 5,000) or "
               "<code>/threshold all killed +50%</code> (alert on a 50% rise)")
    args = context.args or []
    if len(args) < 3:
        await reply(update, f"Give a place (or all), a metric and a number. For example: {example}")
        return
    *place_words, metric_word, amount = args
    metric = metric_of(metric_word)
    if metric is None:
        await reply(update, f"“{escape(metric_word)}” is not a metric: use displaced, killed, injured or strikes. "
                            f"For example: {example}")
        return
    pct = _PCT.match(amount)
    floor = int(amount.replace(",", "")) if amount.replace(",", "").isdigit() else None
    if pct is None and floor is None:
        await reply(update, f"“{escape(amount)}” is neither a number nor a percentage. For example: {example}")
        return
    place_name = " ".join(place_words)
    if place_name.lower() in ("all", "*", "everywhere"):
        scope, label = "*", "every place"
    else:
        try:
            place = resolve(svc.gazetteer, place_name).place
        except PlaceError as exc:
            await reply(update, escape(str(exc)))
            return
        scope, label = place.id, place.name
    me = chat_id(update)
    svc.store.subscribe(me, _kind(update), chat_title(update))
    if pct:
        svc.store.set_rule(me, scope, metric, relative_step=float(pct.group(1)) / 100)
        await reply(update, f"For {escape(label)}, {metric}: alert on a rise of at least {pct.group(1)}%.")
    else:
        svc.store.set_rule(me, scope, metric, floor=floor)
        await reply(update, f"For {escape(label)}, {metric}: a first figure alerts from {floor:,}.")


_DURATION = re.compile(r"^(\d+)\s*(m|min|mins|minutes?|h|hrs?|hours?|d|days?|w|weeks?)?$", re.IGNORECASE)


def parse_duration(text: str) -> timedelta | None:
    match = _DURATION.match(text.strip())
    if not match:
        return None
    amount, unit = int(match.group(1)), (match.group(2) or "h").lower()
    if unit.startswith("m"):
        return timedelta(minutes=amount)
    if unit.startswith("h"):
        return timedelta(hours=amount)
    if unit.startswith("d"):
        return timedelta(days=amount)
    return timedelta(weeks=amount)


async def digest(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/digest HH:MM TZ: one message a day of what moved for my places (only when something did); /digest off."""
    svc = services(context)
    args = context.args or []
    me = chat_id(update)
    if [a.lower() for a in args] == ["off"]:
        svc.store.set_digest(me, None, None)
        await reply(update, "Daily digest off.")
        return
    parsed = parse_digest(args)
    if isinstance(parsed, str):
        await reply(update, escape(parsed))
        return
    svc.store.subscribe(me, _kind(update), chat_title(update))
    svc.store.set_digest(me, *parsed)
    await reply(update, f"Daily digest at {parsed[0]} ({escape(parsed[1])}), sent only when something changed.")


async def mute(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    span = parse_duration(" ".join(context.args or []))
    if span is None or span <= timedelta(0) or span > timedelta(days=365):
        await reply(update, "For how long? For example: <code>/mute 2h</code>, <code>/mute 3d</code>, "
                            "<code>/mute 1w</code>")
        return
    until = datetime.now(UTC) + span
    services(context).store.set_mute(chat_id(update), until)
    await reply(update, f"Muted until {until:%d %b %Y %H:%M} UTC. /unmute to resume earlier.")


async def unmute(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    services(context).store.set_mute(chat_id(update), None)
    await reply(update, "Alerts resumed.")
