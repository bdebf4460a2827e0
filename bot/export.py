"""Open data: the reports as CSV, JSON or HXL-tagged CSV for humanitarian data tools.

HXL (the Humanitarian Exchange Language) adds a row of hashtags under the
header so tools such as HDX recognise the columns: #affected+idps for people
displaced, #affected+killed, #date+reported, #meta+source, #meta+url …
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from datetime import date
from typing import Any, TextIO

from bot.audience import place_chain
from bot.store import Store
from extractors import Gazetteer

# (column, HXL hashtag)
COLUMNS: tuple[tuple[str, str], ...] = (
    ("date_reported", "#date+reported"),
    ("place", "#loc+name"),
    ("province", "#adm1+name"),
    ("country", "#country+code"),
    ("metric", "#indicator+name"),
    ("displaced", "#affected+idps"),
    ("killed", "#affected+killed"),
    ("injured", "#affected+injured"),
    ("strikes", "#event+num+strikes"),
    ("value", "#value"),
    ("qualifier", "#meta+qualifier"),
    ("unit", "#meta+unit"),
    ("status", "#status"),
    ("vague", "#meta+vague"),
    ("period_start", "#date+start"),
    ("period_end", "#date+end"),
    ("period_kind", "#meta+period"),
    ("source", "#meta+source"),
    ("outlet", "#meta+publisher"),
    ("link", "#meta+url"),
    ("quote", "#description"),
)
FIELDS = [name for name, _ in COLUMNS]


def export_rows(store: Store, gazetteer: Gazetteer, *, since: date | None = None,
                place: str | None = None) -> list[dict[str, Any]]:
    """One row per stored report, oldest first; `place` keeps a place and the places inside it."""
    wanted = None
    if place:
        from bot.places import resolve

        wanted = resolve(gazetteer, place).place.id
    rows = []
    query = """SELECT published, place, place_id, country, metric, value, qualifier, unit, status, vague,
                      period_start, period_end, period_kind, source, outlet, link, quote
               FROM reports WHERE (? IS NULL OR published >= ?) ORDER BY published, id"""
    since_text = since.isoformat() if since else None
    for (published, name, place_id, country, metric, value, qualifier, unit, status, vague, period_start, period_end,
         period_kind, source, outlet, link, quote) in store.conn.execute(query, (since_text, since_text)):
        chain = place_chain(gazetteer, place_id)
        if wanted and wanted not in chain:
            continue
        province = next((p.name for p in (gazetteer.by_id(i) for i in chain[1:]) if p and p.kind == "province"), None)
        row = {"date_reported": (published or "")[:10], "place": name, "province": province, "country": country,
               "metric": metric, "value": value, "qualifier": qualifier, "unit": unit, "status": status,
               "vague": bool(vague), "period_start": period_start, "period_end": period_end,
               "period_kind": period_kind, "source": source, "outlet": outlet, "link": link, "quote": quote}
        for metric_name in ("displaced", "killed", "injured", "strikes"):
            row[metric_name] = value if metric == metric_name else None
        rows.append(row)
    return rows


def write(rows: Iterable[dict[str, Any]], out: TextIO, fmt: str) -> int:
    """Write rows as csv, hxl or json; returns how many."""
    rows = list(rows)
    if fmt == "json":
        json.dump(rows, out, ensure_ascii=False, indent=1)
        out.write("\n")
        return len(rows)
    writer = csv.DictWriter(out, fieldnames=FIELDS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    if fmt == "hxl":
        writer.writerow({name: tag for name, tag in COLUMNS})
    for row in rows:
        writer.writerow({k: ("" if v is None else v) for k, v in row.items()})
    return len(rows)
