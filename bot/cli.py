"""The `dwatch` command: a thin skin over functions Python users can call too.

    dwatch run --config config/demo.toml --once     one full cycle, then exit
    dwatch run --config config/default.toml         keep polling on the scheduler
    dwatch extract [--format jsonl|table] FILE...   figures in text or HTML files
    dwatch alerts [--limit N]                       recent alerts
    dwatch replay [--since DATE]                    the alerts stored reports would give under today's rules
    dwatch status                                   feeds, outbox, counts
    dwatch places show NAME                         a place's current figures and history
    dwatch summary PLACE [--days N] [--png FILE]    latest figures, their change and sources, and a chart
    dwatch export --format csv|json|hxl             the reports as open data
    dwatch places add NAME --alias A --in PARENT    teach the gazetteer a place

A wrong config stops with the file, the key and what was expected (exit 2).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from bot.config import Config, ConfigError, load_config
from bot.resources import config_dir

EXIT_USAGE = 2


def _default_config() -> Path:
    local = Path("config/default.toml")
    return local if local.exists() else config_dir() / "default.toml"


def _load(path: str | None) -> Config:
    return load_config(Path(path) if path else _default_config())


def _iso_date(text: str) -> date:
    """argparse type for --since: a clear message instead of a traceback."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date like 2019-12-01, got {text!r}") from None


def _setup_logging(level: str) -> None:
    logging.basicConfig(level=getattr(logging, level.upper(), logging.INFO), stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for noisy in ("httpx", "httpcore", "apscheduler", "trafilatura", "htmldate", "courlan"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


# --- run ---


def cmd_run(args: argparse.Namespace) -> int:
    from bot.service import protect_token, run_forever, run_once

    config = _load(args.config)
    _setup_logging(config.service.log_level)
    protect_token(config.telegram_token())
    if args.once:
        stats = asyncio.run(run_once(config))
        print(f"{stats.alerts} new alert(s); {stats.articles} article(s), {stats.reports} figure(s) read from "
              f"{stats.feeds} feed(s) ({stats.feeds_failed} failing).", file=sys.stderr)
        for error in stats.errors:
            print(f"  feed problem: {error}", file=sys.stderr)
        return 0
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run_forever(config))
    return 0


# --- extract ---


def read_document(path: Path) -> tuple[str, str | None, date | None]:
    """Text, title and date of a text or HTML file (HTML is cleaned like a live article)."""
    from bot.cleaning import clean_html, looks_like_html

    data = path.read_bytes()
    if looks_like_html(data):
        page = clean_html(data)
        if page is None:
            return "", None, None
        return page.text, page.title, page.date
    return data.decode("utf-8", errors="replace"), None, None


def _gazetteer(config_path: str | None):
    """The bundled gazetteer plus the places users added to the configured database (when it exists)."""
    from bot.store import Store
    from extractors import default_gazetteer

    try:
        config = _load(config_path)
    except ConfigError:
        if config_path:
            raise
        return default_gazetteer()
    if not Path(config.service.database).exists():
        return default_gazetteer()
    with Store(config.service.database) as store:
        return default_gazetteer(extra=store.user_places())


def extract_files(paths: Sequence[Path], config_path: str | None = None) -> list[dict]:
    """Reports of every file as JSON-ready dicts with their `document`."""
    from extractors import extract

    gazetteer = _gazetteer(config_path)
    rows: list[dict] = []
    for path in paths:
        text, title, published = read_document(path)
        for report in extract(text, published=published, title=title, gazetteer=gazetteer):
            rows.append({"document": str(path), **report.to_json()})
    return rows


def _table(rows: list[dict]) -> str:
    headers = ["metric", "value", "qualifier", "unit", "status", "place", "period", "source", "quote"]
    lines = []
    for row in rows:
        value = f"{row['value']:,}" + (" (vague)" if row["vague"] else "")
        if row.get("low") is not None and row.get("high") is not None:
            value = f"{row['low']:,}–{row['high']:,}"
        period = row.get("period_text") or ""
        if row.get("period_start") or row.get("period_end"):
            start, end = row.get("period_start") or "…", row.get("period_end") or "…"
            period = f"{period} [{row.get('period_kind')}: {start}→{end}]"
        quote = row["quote"].replace("\n", " ")
        lines.append([row["metric"], value, row.get("qualifier") or "", row.get("unit") or "", row.get("status") or "",
                      row.get("place") or (f"({row['place_text']})" if row.get("place_text") else ""), period.strip(),
                      row.get("source") or "", quote[:90] + ("…" if len(quote) > 90 else "")])
    widths = [max(len(h), *(len(str(line[i])) for line in lines)) if lines else len(h) for i, h in enumerate(headers)]
    out = []
    current_doc = None
    for row, line in zip(rows, lines, strict=True):
        if row["document"] != current_doc:
            current_doc = row["document"]
            out.append(f"\n{current_doc}")
            out.append("  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)))
        out.append("  ".join(str(c).ljust(w) for c, w in zip(line, widths, strict=True)).rstrip())
    return "\n".join(out).lstrip("\n") if out else "no figures found"


def cmd_extract(args: argparse.Namespace) -> int:
    paths = [Path(p) for p in args.files]
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        print(f"dwatch extract: no such file: {', '.join(missing)}", file=sys.stderr)
        return EXIT_USAGE
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    rows = extract_files(paths, args.config)
    if args.format == "table":
        print(_table(rows))
    else:
        for row in rows:
            print(json.dumps(row, ensure_ascii=False))
    return 0


# --- alerts and status ---


def cmd_alerts(args: argparse.Namespace) -> int:
    from bot.store import Store

    config = _load(args.config)
    with Store(config.service.database) as store:
        alerts = store.recent_alerts(args.limit)
    if not alerts:
        print("no alerts yet")
    for alert in reversed(alerts):
        print(f"#{alert['id']} {alert['created_at'][:16]} [{alert['level']}] {alert['message']}\n")
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime, timedelta

    from bot.store import Store

    config = _load(args.config)
    if not Path(config.service.database).exists():
        print(f"database: {config.service.database} (not created yet: run `dwatch run` first)")
        return 0
    with Store(config.service.database) as store:
        counts = store.counts()
        feeds = store.feed_statuses()
        last = store.state("last_cycle")
        today = store.alerts_since(datetime.now(UTC) - timedelta(days=1))
        people = store.subscriber_counts()
    print(f"database: {config.service.database}")
    print(f"outbox: {counts['outbox_pending']} waiting, {counts['outbox_dead']} dead-lettered; "
          f"alerts in the last 24 h: {today}; alerts in all: {counts['alerts']}")
    print(f"reports: {counts['reports']} from {counts['articles']} articles; "
          f"entries waiting: {counts['unprocessed']}; "
          f"subscribers: {people['subscribers']} active, {people['inactive']} inactive")
    if last:
        secs = ", ".join(f"{k} {v:.2f}s" for k, v in (last.get("seconds") or {}).items())
        print(f"last poll: {last.get('at', '?')[:19]} — {last.get('feeds')} feed(s), "
              f"{last.get('feeds_failed')} failed, {last.get('new_entries')} new entries, "
              f"{last.get('alerts')} alert(s){'; ' + secs if secs else ''}")
    groups = {"ok": [], "failing": [], "disabled": [], "never polled": []}
    for feed in feeds:
        if feed.get("disabled"):
            groups["disabled"].append(feed)
        elif feed["last_status"] == "error":
            groups["failing"].append(feed)
        elif feed["last_status"]:
            groups["ok"].append(feed)
        else:
            groups["never polled"].append(feed)
    print(f"feeds: {len(groups['ok'])} ok, {len(groups['failing'])} failing, {len(groups['disabled'])} disabled")
    for name, members in groups.items():
        for feed in members:
            detail = ""
            if name == "failing":
                detail = (f" — {feed['last_error']} ({feed['consecutive_errors']} in a row; "
                          f"next try {feed['next_poll_at'] or 'soon'})")
            elif name == "disabled":
                detail = f" — {feed['disabled_reason']}"
            print(f"  [{name}] {feed['name'] or feed['url']}: last success {(feed['last_success'] or 'never')[:19]}"
                  f"{detail}")
    return 0


# --- summaries and export ---


def cmd_summary(args: argparse.Namespace) -> int:
    from bot.alerts import Rules
    from bot.places import PlaceError, resolve
    from bot.store import Store
    from bot.summaries import summary_chart, summary_text
    from extractors import default_gazetteer

    config = _load(args.config)
    if args.days < 1 or args.days > 3650:
        print("dwatch summary: --days must be between 1 and 3650", file=sys.stderr)
        return EXIT_USAGE
    with Store(config.service.database) as store:
        gazetteer = default_gazetteer(extra=store.user_places())
        try:
            place = resolve(gazetteer, " ".join(args.place)).place
        except PlaceError as exc:
            print(f"dwatch summary: {exc}", file=sys.stderr)
            return 1
        print(summary_text(store, gazetteer, place, args.days))
        if args.png:
            floors = dict(Rules.from_config(config.alerts, place.name).floor)
            png = summary_chart(store, gazetteer, place, args.days, floors)
            if png is None:
                print("no figures to chart", file=sys.stderr)
            else:
                Path(args.png).write_bytes(png)
                print(f"chart written to {args.png}", file=sys.stderr)
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from bot.export import export_rows, write
    from bot.places import PlaceError
    from bot.store import Store
    from extractors import default_gazetteer

    config = _load(args.config)
    with Store(config.service.database) as store:
        try:
            rows = export_rows(store, default_gazetteer(extra=store.user_places()), since=args.since,
                               place=args.place)
        except PlaceError as exc:
            print(f"dwatch export: {exc}", file=sys.stderr)
            return 1
    if args.output:
        with open(args.output, "w", encoding="utf-8", newline="") as out:
            count = write(rows, out, args.format)
        print(f"{count} report(s) written to {args.output}", file=sys.stderr)
    else:
        write(rows, sys.stdout, args.format)
    return 0


# --- replay ---


def cmd_replay(args: argparse.Namespace) -> int:
    from bot.replay import replay_store
    from bot.store import Store

    config = _load(args.config)
    with Store(config.service.database) as store:
        result = replay_store(store, config.alerts, since=args.since)
    rule = "─" * 72
    for alert in result.alerts:
        print(f"{rule}\n[{alert.kind}, {alert.level}] {alert.message}")
    counts: dict[str, int] = {}
    for _, kind in result.verdicts:
        counts[kind] = counts.get(kind, 0) + 1
    summary = ", ".join(f"{kind} {n}" for kind, n in sorted(counts.items()))
    print(f"{len(result.alerts)} alert(s) would have fired from {len(result.verdicts)} report(s) ({summary}).",
          file=sys.stderr)
    return 0


# --- places ---


def cmd_places_show(args: argparse.Namespace) -> int:
    from bot.places import PlaceError, place_picture
    from bot.store import Store
    from extractors import default_gazetteer

    config = _load(args.config)
    with Store(config.service.database) as store:
        try:
            print(place_picture(store, default_gazetteer(extra=store.user_places()), " ".join(args.name)))
        except PlaceError as exc:
            print(f"dwatch places show: {exc}", file=sys.stderr)
            return 1
    return 0


def cmd_places_add(args: argparse.Namespace) -> int:
    from bot.places import PlaceError, add_place, describe
    from bot.store import Store
    from extractors import default_gazetteer

    config = _load(args.config)
    with Store(config.service.database) as store:
        gazetteer = default_gazetteer(extra=store.user_places())
        try:
            place = add_place(store, gazetteer, " ".join(args.name), aliases=args.alias or [], parent=args.parent,
                              kind=args.kind, country=args.country)
        except PlaceError as exc:
            print(f"dwatch places add: {exc}", file=sys.stderr)
            return 1
        print(f"added {describe(place, gazetteer)}"
              + (f"; also written {', '.join(place.aliases)}" if place.aliases else ""))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="dwatch", description="Watch news feeds for displacement, casualty and "
                                     "strike figures and alert the people who follow a place.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = sub.add_parser("run", help="poll the feeds (one cycle with --once)")
    run.add_argument("--config", help="TOML config (default: config/default.toml)")
    run.add_argument("--once", action="store_true", help="run one full cycle and exit")
    run.set_defaults(func=cmd_run)

    ext = sub.add_parser("extract", help="print the figures found in text or HTML files")
    ext.add_argument("--format", choices=("jsonl", "table"), default="jsonl")
    ext.add_argument("--config", help="also know the places added to this config's database")
    ext.add_argument("files", nargs="+", metavar="FILE")
    ext.set_defaults(func=cmd_extract)

    alerts = sub.add_parser("alerts", help="list recent alerts")
    alerts.add_argument("--config")
    alerts.add_argument("--limit", type=int, default=20)
    alerts.set_defaults(func=cmd_alerts)

    summ = sub.add_parser("summary", help="a place's latest figures, their change and sources (and a chart)")
    summ.add_argument("place", nargs="+")
    summ.add_argument("--days", type=int, default=7)
    summ.add_argument("--png", metavar="FILE", help="also draw the trend chart into this PNG file")
    summ.add_argument("--config")
    summ.set_defaults(func=cmd_summary)

    exp = sub.add_parser("export", help="the reports as CSV, JSON or HXL")
    exp.add_argument("--format", choices=("csv", "json", "hxl"), default="csv")
    exp.add_argument("--since", metavar="DATE", type=_iso_date)
    exp.add_argument("--place", metavar="NAME", help="a place and the places inside it")
    exp.add_argument("--output", "-o", metavar="FILE", help="write to a file instead of standard output")
    exp.add_argument("--config")
    exp.set_defaults(func=cmd_export)

    rep = sub.add_parser("replay", help="re-run the alert engine over stored reports with the current thresholds")
    rep.add_argument("--config")
    rep.add_argument("--since", metavar="DATE", type=_iso_date,
                     help="only alerts for reports published on or after DATE")
    rep.set_defaults(func=cmd_replay)

    places = sub.add_parser("places", help="show a place's picture, or add a place the gazetteer lacks")
    places_sub = places.add_subparsers(dest="places_command", required=True, metavar="ACTION")
    show = places_sub.add_parser("show", help="current figures and history of a place")
    show.add_argument("name", nargs="+")
    show.add_argument("--config")
    show.set_defaults(func=cmd_places_show)
    add = places_sub.add_parser("add", help="add a place (village, camp, district) with its other spellings")
    add.add_argument("name", nargs="+")
    add.add_argument("--alias", action="append", metavar="NAME", help="another spelling (repeatable)")
    add.add_argument("--in", dest="parent", metavar="PARENT", help="the province or country it lies in")
    add.add_argument("--country", metavar="CODE", help="ISO country code, when there is no --in")
    add.add_argument("--kind", default="town", choices=("town", "camp", "district", "area", "province"))
    add.add_argument("--config")
    add.set_defaults(func=cmd_places_add)

    status = sub.add_parser("status", help="feeds, outbox and counts")
    status.add_argument("--config")
    status.set_defaults(func=cmd_status)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except ConfigError as exc:
        print(f"dwatch: configuration error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `dwatch export | head`: the reader has what it wanted
        with contextlib.suppress(OSError):
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115 — keeps the interpreter's final flush quiet
        return 0


if __name__ == "__main__":
    sys.exit(main())
