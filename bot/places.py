"""Places people follow: resolving what they type, adding places the gazetteer lacks, and a place's picture.

Names are matched without regard to spelling (exact alias, then the
spelling key, then a fuzzy match with a floor), so "Maaret al-Nouman" finds
Maarat al-Numan. An unknown name is answered with the nearest names.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.store import Store
from extractors import Gazetteer, Place
from extractors.placenames import fold


class PlaceError(ValueError):
    """A name that does not resolve to one place; the message suggests what to type instead."""


@dataclass(frozen=True, slots=True)
class Resolution:
    place: Place
    others: tuple[Place, ...]  # further places with the same name, best first


def describe(place: Place, gazetteer: Gazetteer) -> str:
    """'Saraqib (town, Idlib Governorate, Syria)'."""
    chain = ", ".join(p.name for p in gazetteer.ancestors(place))
    return f"{place.name} ({place.kind}{', ' + chain if chain else ''})"


def resolve(gazetteer: Gazetteer, name: str) -> Resolution:
    """The place a person means by a name, or PlaceError naming the nearest known names."""
    name = name.strip()
    if not name:
        raise PlaceError("give a place name, for example: Idlib, Maarat al-Numan, Kharkiv")
    found = gazetteer.resolve(name)
    if not found:
        suggestions = gazetteer.suggest(name)
        hint = f" Did you mean: {', '.join(suggestions)}?" if suggestions else ""
        raise PlaceError(f"no place called {name!r} is known.{hint}")
    return Resolution(found[0], tuple(found[1:6]))


def add_place(store: Store, gazetteer: Gazetteer, name: str, *, aliases: list[str], parent: str | None,
              kind: str = "town", country: str | None = None) -> Place:
    """Store a place the gazetteer lacks, under a parent it knows; it is used from the next start on."""
    name = name.strip()
    if not name:
        raise PlaceError("the new place needs a name")
    parent_place = resolve(gazetteer, parent).place if parent else None
    if parent_place is None and not country:
        raise PlaceError("say where the place is: --in PARENT (a province or country) or --country CODE")
    country = (country or (parent_place.country if parent_place else None) or "").upper() or None
    place = Place(id=f"user:{fold(name).replace(' ', '-')}:{(country or '').lower()}", name=name, kind=kind,
                  country=country, parent=parent_place.id if parent_place else (f"iso:{country}" if country else None),
                  aliases=tuple(a.strip() for a in aliases if a.strip()), curated=True)
    store.add_place(place)
    gazetteer.add(place)
    return place


_VERDICTS = {"first": "alert (first figure)", "rise": "alert (rise)", "highest": "alert (highest in a while)",
             "corroboration": "same figure as an earlier report", "contradiction": "lower than another source",
             "superseded": "already superseded", "late": "found late: history", "below": "below the alert floor",
             "none": "no alert (within the steps)", "same-article": "same article as a larger figure"}


def _period(row: dict) -> str:
    if row["period_kind"] == "cumulative" and row["period_start"]:
        return f"since {row['period_start']}"
    if row["period_kind"] in ("window", "day") and row["period_start"]:
        return f"{row['period_start']}→{row['period_end']}" if row["period_end"] != row["period_start"] \
            else f"on {row['period_start']}"
    return "period not given"


def place_picture(store: Store, gazetteer: Gazetteer, name: str, *, limit: int = 15) -> str:
    """What the service believes about a place and what it was told, newest first."""
    resolution = resolve(gazetteer, name)
    place = resolution.place
    lines = [describe(place, gazetteer)]
    if place.aliases:
        lines.append("also written: " + ", ".join(place.aliases[:12]))
    if resolution.others:
        lines.append("other places of that name: " + "; ".join(describe(p, gazetteer) for p in resolution.others))
    baselines = store.place_baselines([place.name])
    lines.append("")
    lines.append("current figures:" if baselines else "current figures: none yet")
    for b in baselines:
        qualifier = f"{b['qualifier']} " if b["qualifier"] else ""
        lines.append(f"  {b['metric']:<9} {qualifier}{b['value']:,}  ({b['period_kind'] or 'period unknown'}; "
                     f"{(b['published'] or '')[:10]}; {b['source'] or 'unattributed'}, {b['outlet'] or '?'})")
    history = store.place_history([place.name], limit=limit)
    lines.append("")
    lines.append("reports, newest first:" if history else "reports: none yet")
    for r in history:
        flags = "".join(f" [{flag}]" for flag in (r["status"] if r["status"] != "new" else None,
                                                  "vague" if r["vague"] else None) if flag)
        period = _period(r)
        verdict = f"  → {_VERDICTS.get(r['evaluation'], r['evaluation'])}" if r["evaluation"] else ""
        lines.append(f"  {(r['published'] or '')[:10]}  {r['metric']:<9} {r['value']:>10,}{flags}  {period:<24} "
                     f"{r['source'] or 'unattributed'} via {r['outlet'] or '?'}{verdict}")
    return "\n".join(lines)
