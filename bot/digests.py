"""Daily digests: at the hour a subscriber chose, in their time zone, one short message of what moved.

Sent only when something changed: a place with no new figure since the last
digest is left out, and a day when nothing moved sends nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.alerts import StoredReport
from bot.audience import place_chain
from bot.store import Store, from_iso
from extractors import Gazetteer


def parse_digest(args: list[str]) -> tuple[str, str] | str:
    """('07:30', 'Europe/Istanbul') from ['07:30', 'Europe/Istanbul'], or a message saying what is wrong."""
    if not args:
        return "Give a time and a time zone, e.g. /digest 07:30 Europe/Istanbul, or /digest off"
    try:
        hour, minute = (int(part) for part in args[0].split(":"))
        at = time(hour, minute)
    except ValueError:
        return f"“{args[0]}” is not a time of day: use HH:MM, e.g. /digest 07:30 Africa/Khartoum"
    tz = args[1] if len(args) > 1 else "UTC"
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        return f"“{tz}” is not a time zone I know: use a name like Europe/Istanbul, Asia/Damascus or UTC"
    return at.strftime("%H:%M"), tz


def _places_inside(store: Store, gazetteer: Gazetteer, place_ids: set[str]) -> list[str]:
    names = set()
    for name, place_id in store.conn.execute("SELECT DISTINCT place, place_id FROM reports WHERE place IS NOT NULL"):
        if "*" in place_ids or place_ids & set(place_chain(gazetteer, place_id)):
            names.add(name)
    return sorted(names)


def compose_digest(store: Store, gazetteer: Gazetteer, chat_id: int, after: datetime | None,
                   until: datetime) -> str | None:
    """The digest text, or None when nothing moved for the chat's places."""
    watched = {place_id for place_id, _, _ in store.watches_of(chat_id)}
    reports = store.reports_stored_between(_places_inside(store, gazetteer, watched), after, until)
    if not reports:
        return None
    latest: dict[tuple[str, str], StoredReport] = {}
    for r in reports:
        latest[(r.place or "", r.metric)] = r  # later ones win: reports come in publication order
    lines = [f"Daily digest: {len(reports)} new figure(s)"]
    for (place, metric), r in sorted(latest.items()):
        qualifier = f"{r.qualifier} " if r.qualifier and r.qualifier != "total" else ""
        when = f"{r.published:%d %b}" if r.published else "?"
        lines.append(f"• {place} — {metric}: {qualifier}{r.value:,} ({r.source or 'unattributed'}, {when})")
    return "\n".join(lines)


def due_digests(store: Store, gazetteer: Gazetteer, now: datetime | None = None) -> list[tuple[int, str]]:
    """(chat_id, text) of the digests to send now; marks every chat whose hour has come as considered today."""
    now = now or datetime.now(UTC)
    due = []
    for row in store.digest_subscribers():
        local = now.astimezone(ZoneInfo(row["digest_tz"] or "UTC"))
        hour, minute = (int(p) for p in row["digest_time"].split(":"))
        if (local.hour, local.minute) < (hour, minute) or row["digest_last_day"] == local.date().isoformat():
            continue
        text = compose_digest(store, gazetteer, row["chat_id"], from_iso(row["digest_covered_until"]), now)
        store.digest_considered(row["chat_id"], local.date().isoformat(), now if text else None)
        if text:
            due.append((row["chat_id"], text))
    return due
