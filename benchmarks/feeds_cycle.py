"""Benchmark: whole poll cycles over 1,000 feeds served from loopback.

    python benchmarks/feeds_cycle.py [--feeds 1000] [--new-share 0.2] [--items 10] [--max-entries 3]
                                     [--concurrency 32] [--new-items 2] [--hosts 1] [--backlog skip|keep]
                                     [--no-etag] [--no-jobs] [--tracemalloc] [--cycles 1|2|3]

One local HTTP/1.1 server (asyncio, keep-alive, Content-Length, ETag → 304 on If-None-Match) runs in a
child process, so its CPU time and memory are not counted as the service's. It serves `--feeds` RSS feeds
of `--items` items each and a short news article behind every item, written from a few templates with
varied figures, places and sources. By default everything is on 127.0.0.1; `--hosts N` spreads the feeds
(and their articles) over N loopback addresses 127.0.0.1, 127.0.0.2, …, as if they were N sites (the
service fetches at most service.per_host_concurrency pages from one host at a time).

The service is opened once with open_service() on a TOML config written to a temp dir (its database is
there too), with a ConsoleNotifier writing into a StringIO, and runs:

  1. first poll: every feed is new, every item is new;
  2. mixed: `--new-share` of the feeds have `--new-items` new items, the rest answer 304;
  3. nothing new: every feed answers 304;
  4. nothing new again, polled the way the running service polls: one job per feed
     (Service.poll_feed, each feed's next_poll_at cleared first so that every job is due); `--no-jobs` skips it.

service.max_entries_per_feed (`--max-entries`) does not drop the entries over the cap: they stay
unprocessed and later cycles take them up, oldest first. With `--backlog skip` (the default) the benchmark
marks them processed after each cycle (an SQL UPDATE on its own temp database), so cycle 1 reads only the
newest `--max-entries` items of each feed and the nothing-new cycles really have nothing to do; with
`--backlog keep` the service works through them in cycles 2 and 3 as it would in production.

For each cycle: wall and CPU time (time.process_time), peak memory (the RSS high-water mark of the cycle,
reset through /proc/self/clear_refs, and ru_maxrss over the whole run), feeds/s, articles processed, where
the wall time went (CycleStats.seconds; parse, clean and extract are summed over worker threads, so they
overlap the rest, and parse and clean include the wait for a worker thread and for the GIL), the SQLite work
inside the polling and storing steps (timed by wrapping Store methods), and alerts. `--no-etag` serves
unchanged feeds as 200 with the same body instead of 304 (the "unchanged" path).

`--tracemalloc` adds tracemalloc's peak per cycle, but tracing every allocation makes the storing step
about four times slower and adds its own memory to the RSS, so the timings of such a run are not the
service's; the default run leaves it off.

Run time on 2 cores: about 10 minutes with the defaults, 2 minutes with `--feeds 400`. Most of it is the
storing step of cycles 1 and 2, whose wire-copy check compares each new article with every article stored
within three days of it, so it grows with the square of the articles.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import io
import json
import multiprocessing
import os
import random
import resource
import sys
import tempfile
import time
import tracemalloc
import urllib.request
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from html import escape
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

# --- the articles -----------------------------------------------------------------------------------

# (town as written, province as written): all found by the bundled gazetteer.
PLACES = (
    ("Saraqib", "Idlib province"), ("Ariha", "Idlib province"), ("Sarmada", "Idlib province"),
    ("Tal Abyad", "Raqqa governorate"), ("El Fasher", "North Darfur"), ("Nyala", "South Darfur"),
    ("Goma", "North Kivu"), ("Beni", "North Kivu"), ("Bunia", "Ituri province"), ("Khan Younis", "Gaza"),
    ("Rafah", "Gaza"), ("Baidoa", "Bay region"), ("Kismayo", "Lower Juba"), ("Kharkiv", "Kharkiv oblast"),
    ("Kramatorsk", "Donetsk oblast"), ("Djibo", "Soum province"), ("Mekelle", "Tigray"),
    ("Marib", "Marib governorate"), ("Sittwe", "Rakhine state"), ("Maiduguri", "Borno state"),
    ("Pemba", "Cabo Delgado"),
)
SOURCES = ("the UN refugee agency", "OCHA", "the International Organization for Migration",
           "the local health directorate", "Médecins Sans Frontières", "the civil defence",
           "the provincial governor's office", "the Norwegian Refugee Council")
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
OUTLETS = ("Frontline Wire", "Daily Courier", "Crossroads News", "The Border Herald", "Relief Monitor",
           "Evening Dispatch", "Valley Tribune", "The Morning Ledger")
HEADLINES = ("Thousands flee fighting around {town}", "{town}: shelters overflow as families keep arriving",
             "Shelling hits {town} as residents leave", "Civilians killed in strikes on {town}",
             "New displacement reported in {province}", "Aid groups warn of worsening crisis near {town}",
             "Roads out of {town} jammed as people escape", "Hospitals in {town} struggle with wounded")
DISPLACED = (
    "More than {n:,} people fled {town} in {province} over the past week, {source} said on {day}.",
    "Some {n:,} residents have left {town} since {day}, according to {source}.",
    "At least {n:,} people were displaced from villages around {town} in the past {k} days, {source} said.",
    "Nearly {n:,} people have arrived in makeshift camps outside {town} this week, {source} reported.",
    "An estimated {n:,} people have been forced from their homes in {town}, {province}, since {day}, "
    "{source} said in a statement.",
)
CASUALTIES = (
    "At least {killed} civilians were killed and {injured} injured when shells struck a market in {town} on "
    "{day}, local officials said.",
    "{Source} said {killed} people had died in the attacks on {town} since {day}, among them {children} children.",
    "Medics in {town} said they had treated {injured} wounded people in the past 24 hours.",
)
STRIKES = (
    "Monitors counted {strikes} air strikes on the outskirts of {town} on {day} alone.",
    "{strikes} drone strikes hit the area around {town} over the weekend, {source} said.",
)
COLOUR = (
    "Families loaded mattresses, blankets and cooking pots onto trucks and tractors, and the roads leading "
    "out of the town were jammed for hours.",
    "Aid workers said the shelters were already full and that many new arrivals were sleeping in schools, "
    "mosques and unfinished buildings.",
    "The price of fuel has nearly doubled since the fighting began, residents said, putting the journey out "
    "of reach for many of the poorest households.",
    "A doctor at the main hospital said supplies of blood and anaesthetic would run out within days unless a "
    "convoy got through.",
    "Humanitarian agencies have appealed for safe passage for civilians and for access to the areas most "
    "affected by the fighting.",
    "Local councils have opened registration points so that displaced families can receive food parcels, "
    "water and hygiene kits.",
    "Rain over the past few nights has flooded parts of the camps, turning the paths between the tents into "
    "deep mud.",
    "Teachers said most schools in the district had closed, and that several were now housing families who "
    "had nowhere else to go.",
    "Several aid convoys were turned back at checkpoints this week, according to people familiar with the "
    "operation.",
    "Residents who stayed behind described long nights in basements as the shelling went on until dawn.",
    "Farmers said they had abandoned their fields weeks before the harvest, leaving crops to rot.",
    "Water trucks reach the largest camp only every other day, and queues form long before sunrise.",
    "The mobile network has been down for much of the week, making it hard for families to find relatives "
    "who left separately.",
    "Officials said a new site with room for several hundred tents was being prepared on higher ground.",
    "Bakeries in the town have cut their hours because flour deliveries have become irregular.",
    "Volunteers have set up a kitchen in a wedding hall that serves hot meals twice a day.",
)


def _rng(*key: object) -> random.Random:
    return random.Random(":".join(map(str, key)))


def article_story(feed: int, item: int) -> tuple[str, str, list[str]]:
    """(headline, summary, paragraphs) of one item's article; the same every time for the same item."""
    rng = _rng("article", feed, item)
    town, province = rng.choice(PLACES)
    day = rng.choice(WEEKDAYS)
    fields = dict(town=town, province=province, day=day, n=rng.randrange(800, 60_000, 50),
                  k=rng.randint(2, 10), killed=rng.randint(3, 80), injured=rng.randint(5, 150),
                  children=rng.randint(1, 9), strikes=rng.randint(3, 40))
    source = rng.choice(SOURCES)
    fields.update(source=source, Source=source[0].upper() + source[1:])
    headline = rng.choice(HEADLINES).format(**fields)
    figures = []
    kind = rng.random()
    if kind < 0.15:  # a feature with no figure in it
        pass
    elif kind < 0.6:
        figures.append(rng.choice(DISPLACED).format(**fields))
        if rng.random() < 0.5:
            figures.append(rng.choice(CASUALTIES).format(**fields))
    else:
        figures.append(rng.choice(CASUALTIES).format(**fields))
        if rng.random() < 0.5:
            figures.append(rng.choice(STRIKES).format(**fields))
    colour = rng.sample(COLOUR, rng.randint(3, 5))
    paragraphs = [*figures[:1], *colour[:2], *figures[1:], *colour[2:]]
    if not figures:
        paragraphs.insert(0, f"Life in {town} has changed beyond recognition since the fighting reached "
                             f"{province}, people who live there say.")
    summary = paragraphs[0]
    return headline, summary, paragraphs


def article_html(feed: int, item: int, published: datetime) -> bytes:
    headline, _, paragraphs = article_story(feed, item)
    outlet = OUTLETS[feed % len(OUTLETS)]
    rng = _rng("related", feed, item)
    related = "".join(f"<li><a href='/a/{feed}/{rng.randrange(1000)}.html'>"
                      f"{escape(rng.choice(HEADLINES).format(town=rng.choice(PLACES)[0], province='the region'))}"
                      "</a></li>" for _ in range(5))
    body = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    nav = "".join(f"<li><a href='/section/{s.lower()}'>{s}</a></li>"
                  for s in ("World", "Africa", "Middle East", "Europe", "Asia", "Opinion", "Video", "Podcasts"))
    return (f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{escape(headline)} | {outlet}"
            f"</title><meta property='og:site_name' content='{outlet}'>"
            f"<meta property='article:published_time' content='{published.isoformat()}'>"
            f"<meta name='viewport' content='width=device-width'></head><body>"
            f"<header><a href='/' class='logo'>{outlet}</a><nav><ul>{nav}</ul></nav></header>"
            f"<main><article><h1>{escape(headline)}</h1><p class='byline'>By staff reporters · "
            f"<time datetime='{published.isoformat()}'>{published:%d %B %Y}</time></p>{body}</article>"
            f"<aside><h2>Related</h2><ul>{related}</ul></aside></main>"
            f"<footer><p>© {outlet}. All rights reserved.</p><a href='/privacy'>Privacy</a> "
            f"<a href='/terms'>Terms</a></footer></body></html>").encode()


# --- the server -----------------------------------------------------------------------------------


def host_of(feed: int, hosts: int) -> str:
    return f"127.0.0.{1 + feed % hosts}"


class Site:
    """What the server serves: feed versions, ETags, and counters of what it answered."""

    def __init__(self, feeds: int, items: int, new_items: int, etag: bool, seed: int, hosts: int):
        self.feeds, self.items, self.new_items, self.etag, self.seed = feeds, items, new_items, etag, seed
        self.hosts = hosts
        self.port = 0
        self.start = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
        self.version = [1] * feeds  # version v lists items (v-1)*new_items … (v-1)*new_items + items - 1
        self.advances = 0
        self.bodies: dict[tuple[int, int], bytes] = {}
        self.counts: Counter[str] = Counter()

    def newest_item(self, feed: int) -> int:
        return (self.version[feed] - 1) * self.new_items + self.items - 1

    def published(self, feed: int, item: int) -> datetime:
        # the first poll's items are two hours apart; later ones ten minutes apart, all within the last day
        if item < self.items:
            return self.start - timedelta(hours=2 * (self.items - item), minutes=feed % 60)
        return self.start + timedelta(minutes=10 * (item - self.items) + feed % 7)

    def feed_body(self, feed: int) -> bytes:
        key = (feed, self.version[feed])
        if key not in self.bodies:
            base = f"http://{host_of(feed, self.hosts)}:{self.port}"
            newest = self.newest_item(feed)
            parts = []
            for item in range(newest, newest - self.items, -1):  # newest first, as feeds list them
                headline, summary, _ = article_story(feed, item)
                parts.append(f"<item><guid isPermaLink='false'>feed{feed}-item{item}</guid>"
                             f"<link>{base}/a/{feed}/{item}.html</link><title>{escape(headline)}</title>"
                             f"<description>{escape(summary)}</description>"
                             f"<pubDate>{format_datetime(self.published(feed, item))}</pubDate></item>")
            outlet = OUTLETS[feed % len(OUTLETS)]
            self.bodies[key] = (
                "<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel>"
                f"<title>{outlet} — desk {feed}</title><link>{base}/</link>"
                f"<description>News from desk {feed}</description>{''.join(parts)}</channel></rss>").encode()
        return self.bodies[key]

    def advance(self, share: float) -> int:
        """A new cycle in which `share` of the feeds get new items; returns how many did."""
        self.advances += 1
        changed = _rng("advance", self.seed, self.advances).sample(range(self.feeds), round(share * self.feeds))
        for feed in changed:
            self.version[feed] += 1
        return len(changed)

    def answer(self, path: str, headers: dict[str, str]) -> tuple[int, list[tuple[str, str]], bytes]:
        parts = urlsplit(path)
        segments = parts.path.strip("/").split("/")
        try:
            if segments[0] == "feeds":
                feed = int(segments[1].removesuffix(".xml"))
                if not 0 <= feed < self.feeds:
                    raise ValueError
                extra = []
                if self.etag:
                    tag = f'"f{feed}-v{self.version[feed]}"'
                    if headers.get("if-none-match") == tag:
                        self.counts["feed 304"] += 1
                        return 304, [("ETag", tag)], b""
                    extra.append(("ETag", tag))
                self.counts["feed 200"] += 1
                return 200, [("Content-Type", "application/rss+xml; charset=utf-8"), *extra], self.feed_body(feed)
            if segments[0] == "a":
                feed, item = int(segments[1]), int(segments[2].removesuffix(".html"))
                if not 0 <= feed < self.feeds or not 0 <= item <= self.newest_item(feed):
                    raise ValueError
                self.counts["article 200"] += 1
                return 200, [("Content-Type", "text/html; charset=utf-8")], article_html(
                    feed, item, self.published(feed, item))
            if segments == ["_control", "advance"]:
                share = float(parse_qs(parts.query).get("share", ["0"])[0])
                return 200, [("Content-Type", "application/json")], json.dumps(
                    {"changed": self.advance(share)}).encode()
            if segments == ["_control", "counts"]:
                counts, self.counts = dict(self.counts), Counter()
                return 200, [("Content-Type", "application/json")], json.dumps(counts).encode()
        except (ValueError, IndexError):
            pass
        self.counts["404"] += 1
        return 404, [("Content-Type", "text/plain")], b"not found"


REASONS = {200: "OK", 304: "Not Modified", 400: "Bad Request", 404: "Not Found"}


async def _connection(site: Site, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """HTTP/1.1 with keep-alive: one request after another on the same connection."""
    site.counts["connections"] += 1
    try:
        while True:
            try:
                head = await reader.readuntil(b"\r\n\r\n")
            except (asyncio.IncompleteReadError, asyncio.LimitOverrunError):
                return
            lines = head.decode("latin-1").split("\r\n")
            try:
                method, target, version = lines[0].split(" ", 2)
            except ValueError:
                return
            headers = {}
            for line in lines[1:]:
                name, sep, value = line.partition(":")
                if sep:
                    headers[name.strip().lower()] = value.strip()
            length = headers.get("content-length", "0")
            if length.isdigit() and int(length):
                await reader.readexactly(int(length))
            status, extra, body = site.answer(target, headers) if method in ("GET", "HEAD") else (400, [], b"")
            close = headers.get("connection", "").lower() == "close" or version == "HTTP/1.0"
            out = [f"HTTP/1.1 {status} {REASONS.get(status, 'OK')}", *(f"{k}: {v}" for k, v in extra)]
            if status != 304:
                out.append(f"Content-Length: {len(body)}")
            if close:
                out.append("Connection: close")
            writer.write(("\r\n".join(out) + "\r\n\r\n").encode("latin-1") + (b"" if method == "HEAD" else body))
            await writer.drain()
            if close:
                return
    except ConnectionError:
        pass
    finally:
        writer.close()


def serve(conn: Any, feeds: int, items: int, new_items: int, etag: bool, seed: int, hosts: int) -> None:
    """The child process: listen on the loopback address(es) on one free port, send the port back, serve."""

    async def main() -> None:
        site = Site(feeds, items, new_items, etag, seed, hosts)
        handler = functools.partial(_connection, site)
        addresses = [host_of(i, hosts) for i in range(min(hosts, feeds))]
        for _ in range(20):
            first = await asyncio.start_server(handler, addresses[0], 0, backlog=1024)
            site.port = first.sockets[0].getsockname()[1]
            try:  # the other addresses on the same port (so that a URL differs only by its host)
                others = [await asyncio.start_server(handler, a, site.port, backlog=1024) for a in addresses[1:]]
                break
            except OSError:
                first.close()
        else:
            raise OSError("no port free on every loopback address")
        conn.send(site.port)
        conn.close()
        await asyncio.gather(*(server.serve_forever() for server in [first, *others]))

    asyncio.run(main())


def control(path: str, port: int) -> dict[str, Any]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as response:
        return json.loads(response.read())


# --- the service ----------------------------------------------------------------------------------


def write_config(directory: Path, port: int, args: argparse.Namespace) -> Path:
    feeds = "".join(f'[[feeds]]\nname = "{OUTLETS[i % len(OUTLETS)]} desk {i:04d}"\n'
                    f'url = "http://{host_of(i, args.hosts)}:{port}/feeds/{i:04d}.xml"\n' for i in range(args.feeds))
    path = directory / "bench.toml"
    path.write_text(
        f'[service]\ndatabase = "{directory / "bench.db"}"\nmax_entries_per_feed = {args.max_entries}\n'
        'log_level = "WARNING"\n'
        f"[http]\ntimeout_seconds = 10\nconcurrency = {args.concurrency}\n"
        "[alerts]\nfloor = { displaced = 500, killed = 5, injured = 10, strikes = 3 }\n"
        f"{feeds}",
        encoding="utf-8",
    )
    return path


class Timers:
    """Wall time and calls of wrapped functions."""

    def __init__(self) -> None:
        self.seconds: Counter[str] = Counter()
        self.calls: Counter[str] = Counter()

    def wrap(self, name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(fn)
        def timed(*a: Any, **kw: Any) -> Any:
            started = time.perf_counter()
            try:
                return fn(*a, **kw)
            finally:
                self.seconds[name] += time.perf_counter() - started
                self.calls[name] += 1

        return timed

    def take(self) -> tuple[Counter[str], Counter[str]]:
        taken = (self.seconds, self.calls)
        self.seconds, self.calls = Counter(), Counter()
        return taken


# Store methods called once per feed (or once per cycle) while polling; the parts of storing one article.
POLL_STORE = ("current_specs", "feed_validators", "record_feed_result", "feed_health", "schedule_feed",
              "new_entries", "refresh_unprocessed", "unprocessed_entries")
STORE_PARTS = ("save_article", "recent_sketches", "same_story", "save_reports", "judge", "history",
               "mark_processed")
OTHER = ("newest_report_published", "set_state")


def instrument(service: Any, timers: Timers) -> None:
    """Wrap the store's methods (and same_story, the judge) with timers; whatever exists in this version."""
    import bot.pipeline

    store = service.store
    for name in (*POLL_STORE, *STORE_PARTS, *OTHER):
        if callable(getattr(store, name, None)):
            setattr(store, name, timers.wrap(name, getattr(store, name)))
    pipeline = service.pipeline
    pipeline.current_specs = timers.wrap("current_specs", pipeline.current_specs)
    pipeline.judge.judge = timers.wrap("judge", pipeline.judge.judge)
    bot.pipeline.same_story = timers.wrap("same_story", bot.pipeline.same_story)


def reset_peak_rss() -> bool:
    """Reset the kernel's high-water mark of this process's RSS (Linux: /proc/self/clear_refs, "5")."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def rss_mb() -> tuple[float, float | None, float]:
    """(RSS now, peak RSS since the last reset or None, ru_maxrss: peak over the process's life) in MB."""
    status = dict(line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines() if ":" in line)

    def kb(key: str) -> float | None:
        return int(status[key].split()[0]) / 1e3 if key in status else None

    return kb("VmRSS") or 0.0, kb("VmHWM"), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3


def verdicts(store: Any, after_report: int) -> str:
    """What the alert engine made of the figures stored since report id `after_report`."""
    rows = store.conn.execute("SELECT COALESCE(evaluation, 'not judged'), COUNT(*) FROM reports WHERE id > ? "
                              "GROUP BY 1 ORDER BY 2 DESC", (after_report,)).fetchall()
    return ", ".join(f"{kind} {count:,}" for kind, count in rows) or "none"


def last_report(store: Any) -> int:
    return store.conn.execute("SELECT COALESCE(MAX(id), 0) FROM reports").fetchone()[0]


def settle_backlog(store: Any, skip: bool) -> tuple[int, int]:
    """(entries left unprocessed, how many of them the benchmark marked processed)."""
    left = store.conn.execute("SELECT COUNT(*) FROM entries WHERE processed = 0").fetchone()[0]
    if skip and left:
        with store.transaction():
            store.conn.execute("UPDATE entries SET processed = 1 WHERE processed = 0")
        return left, left
    return left, 0


class Measure:
    """Wall, CPU, memory and timers around one cycle."""

    def __init__(self, timers: Timers, traced: bool, out: io.StringIO):
        self.timers, self.traced, self.out = timers, traced, out

    def __enter__(self) -> Measure:
        self.timers.take()
        if self.traced:
            tracemalloc.reset_peak()
        self.hwm_reset = reset_peak_rss()
        self.printed = self.out.getvalue().count(RULE)
        self.cpu, self.wall = time.process_time(), time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall = time.perf_counter() - self.wall
        self.cpu = time.process_time() - self.cpu
        self.peak = tracemalloc.get_traced_memory()[1] / 1e6 if self.traced else None
        self.rss = rss_mb()
        self.seconds, self.calls = self.timers.take()
        self.printed = self.out.getvalue().count(RULE) - self.printed


RULE = "─" * 72  # ConsoleNotifier frames each alert with this line


def mem_line(m: Measure) -> str:
    traced = f"tracemalloc peak {m.peak:.1f} MB" if m.peak is not None else "tracemalloc off (--tracemalloc)"
    now, peak, maxrss = m.rss
    cycle_peak = f"peak RSS in this cycle {peak:.0f} MB, " if m.hwm_reset and peak is not None else ""
    return f"{traced}; {cycle_peak}RSS now {now:.0f} MB, ru_maxrss (whole run) {maxrss:.0f} MB"


def report(label: str, m: Measure, stats: Any, deliver: float, changed: int, feeds: int, server: dict[str, int],
           backlog: tuple[int, int], judged: str) -> None:
    wall, seconds, timed, calls = m.wall, stats.seconds, m.seconds, m.calls

    def part(value: float) -> str:
        return f"{value:7.2f} s {100 * value / wall:5.1f} %"

    def listed(names: tuple[str, ...]) -> str:
        return ", ".join(f"{k} {timed[k]:.2f} s/{calls[k]:,}" for k in names if calls[k])

    print(f"\n== {label} ==")
    print(f"  feeds with new content : {changed:,} of {feeds:,}; the server answered "
          + ", ".join(f"{k} ×{v:,}" for k, v in sorted(server.items())))
    print(f"  wall time              : {wall:8.2f} s  (run_cycle {wall - deliver:.2f} s + outbox drain "
          f"{deliver:.2f} s)")
    print(f"  CPU time               : {m.cpu:8.2f} s  ({100 * m.cpu / wall:.0f} % of one core)")
    print(f"  memory                 : {mem_line(m)}")
    print(f"  feeds/s                : {feeds / wall:8.1f}   ({1000 * wall / feeds:.2f} ms wall, "
          f"{1000 * m.cpu / feeds:.2f} ms CPU per feed)")
    print(f"  feeds                  : {stats.feeds:,} polled, {stats.feeds_unchanged:,} not modified/unchanged, "
          f"{stats.feeds_failed:,} failed")
    dropped = f", {backlog[1]:,} of them marked processed by the benchmark (--backlog skip)" if backlog[1] else ""
    print(f"  entries                : {stats.new_entries:,} new; {stats.articles:,} articles processed "
          f"({stats.reports:,} figures); left unprocessed {backlog[0]:,}{dropped}")
    print(f"  alerts                 : {stats.alerts:,} made, {m.printed:,} delivered (to the StringIO)")
    if stats.reports:
        print(f"  figures judged as      : {judged}")
    print("  share of wall time (parse, clean, extract: summed over threads, GIL waits included):")
    print(f"    polling feeds        : {part(seconds.get('feeds', 0.0))}   (download, parse and SQLite)")
    print(f"      parse (threads)    : {part(seconds.get('parse', 0.0))}")
    poll_sql = sum(timed[k] for k in POLL_STORE)
    print(f"      per-feed SQLite    : {part(poll_sql)}   ({listed(POLL_STORE)})")
    print(f"    articles             : {part(seconds.get('articles', 0.0))}   (download and clean)")
    print(f"      clean (threads)    : {part(seconds.get('clean', 0.0))}")
    print(f"    extracting           : {part(seconds.get('extract', 0.0))}")
    print(f"    storing              : {part(seconds.get('store', 0.0))}   (SQLite, wire-copy check, alert engine)")
    if stats.articles:
        print(f"      of which           : {listed(STORE_PARTS)}")
    if stats.errors:
        print(f"  errors                 : {len(stats.errors)}, first: {stats.errors[0]}")


async def bench(args: argparse.Namespace, port: int) -> list[tuple[str, Measure, int, int]]:
    from bot.config import load_config
    from bot.notifiers import ConsoleNotifier
    from bot.service import open_service

    rows: list[tuple[str, Measure, int, int]] = []  # (label, measure, articles, alerts)
    traced = args.tracemalloc
    with tempfile.TemporaryDirectory(prefix="dwatch-bench-") as tmp:
        config = load_config(write_config(Path(tmp), port, args))
        out = io.StringIO()
        timers = Timers()
        started = time.perf_counter()
        async with open_service(config, notifier=ConsoleNotifier(out)) as service:
            print(f"open_service (store, gazetteer): {time.perf_counter() - started:.2f} s")
            instrument(service, timers)

            async def cycle(label: str, share: float | None) -> None:
                changed = args.feeds if share is None else control(f"/_control/advance?share={share}", port)[
                    "changed"]
                before = last_report(service.store)
                with Measure(timers, traced, out) as m:
                    stats = await service.pipeline.run_cycle()
                    deliver = time.perf_counter()
                    await service.deliver()
                    deliver = time.perf_counter() - deliver
                backlog = settle_backlog(service.store, args.backlog == "skip")
                report(label, m, stats, deliver, changed, args.feeds, control("/_control/counts", port), backlog,
                       verdicts(service.store, before))
                rows.append((label, m, stats.articles, stats.alerts))

            what = "304" if not args.no_etag else "200 with the same body"
            await cycle(f"cycle 1: first poll, all {args.feeds:,} feeds and all their items new "
                        f"(at most {args.max_entries} entries per feed processed)", None)
            if args.cycles >= 2:
                await cycle(f"cycle 2: mixed, {args.new_share:.0%} of the feeds with {args.new_items} new items, "
                            f"the rest {what}", args.new_share)
            if args.cycles >= 3:
                await cycle(f"cycle 3: nothing new, every feed answers {what}", 0.0)
            if args.cycles >= 3 and not args.no_jobs:
                await per_feed_jobs(service, timers, traced, out, args, port, rows)
        print(f"\ndatabase: {(Path(tmp) / 'bench.db').stat().st_size / 1e6:.1f} MB; "
              f"alert text delivered: {len(out.getvalue()) / 1e3:.0f} kB")
    return rows


async def per_feed_jobs(service: Any, timers: Timers, traced: bool, out: io.StringIO, args: argparse.Namespace,
                        port: int, rows: list[tuple[str, Measure, int, int]]) -> None:
    """Cycle 4: the scheduler's way, one Service.poll_feed job per feed, one after another."""
    with service.store.transaction():
        service.store.conn.execute("UPDATE feeds SET next_poll_at = NULL")  # every feed's interval has passed
    urls = [spec.url for spec in service.pipeline.configured]
    articles = alerts = polled = 0
    with Measure(timers, traced, out) as m:
        for url in urls:
            stats = await service.poll_feed(url)
            polled += stats.feeds
            articles += stats.articles
            alerts += stats.alerts
    server = control("/_control/counts", port)
    print(f"\n== cycle 4: nothing new, polled as the running service does: {len(urls):,} Service.poll_feed jobs, "
          "one after another ==")
    print("  the server answered    : " + ", ".join(f"{k} ×{v:,}" for k, v in sorted(server.items())))
    print(f"  wall time              : {m.wall:8.2f} s   ({1000 * m.wall / len(urls):.2f} ms per job)")
    print(f"  CPU time               : {m.cpu:8.2f} s   ({1000 * m.cpu / len(urls):.2f} ms per job)")
    print(f"  memory                 : {mem_line(m)}")
    print(f"  feeds/s                : {len(urls) / m.wall:8.1f}; {polled:,} feeds polled, {articles:,} articles, "
          f"{alerts:,} alerts")
    print("  SQLite and the like, summed over the jobs: " + ", ".join(
        f"{k} {m.seconds[k]:.2f} s/{m.calls[k]:,}" for k in (*POLL_STORE, *OTHER) if m.calls[k]))
    rows.append(("4 (jobs)", m, articles, alerts))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--feeds", type=int, default=1000)
    parser.add_argument("--new-share", type=float, default=0.2, help="share of feeds with new items in cycle 2")
    parser.add_argument("--items", type=int, default=10, help="items in each feed")
    parser.add_argument("--new-items", type=int, default=2, help="new items in a feed that changed")
    parser.add_argument("--max-entries", type=int, default=3, help="service.max_entries_per_feed")
    parser.add_argument("--concurrency", type=int, default=32, help="http.concurrency")
    parser.add_argument("--hosts", type=int, default=1, choices=range(1, 255), metavar="1..254",
                        help="loopback addresses the feeds are spread over (sites)")
    parser.add_argument("--backlog", choices=("skip", "keep"), default="skip",
                        help="entries over max_entries: marked processed by the benchmark, or left to the service")
    parser.add_argument("--no-etag", action="store_true", help="answer unchanged feeds 200 with the same body")
    parser.add_argument("--no-jobs", action="store_true", help="skip cycle 4 (one poll_feed job per feed)")
    parser.add_argument("--tracemalloc", action="store_true",
                        help="trace Python allocations for a peak per cycle (slows the storing step about 4×)")
    parser.add_argument("--cycles", type=int, default=3, choices=(1, 2, 3), help="stop after this cycle")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    receive, send = multiprocessing.Pipe(duplex=False)
    server = multiprocessing.get_context("spawn").Process(
        target=serve, args=(send, args.feeds, args.items, args.new_items, not args.no_etag, args.seed, args.hosts),
        name="feeds-server", daemon=True)
    server.start()
    if not receive.poll(30):
        print("the feed server did not start", file=sys.stderr)
        server.terminate()
        return 1
    port = receive.recv()
    print(f"server: port {port} on {args.hosts} loopback address(es), child process {server.pid}; "
          f"{args.feeds:,} feeds × {args.items} items; http.concurrency={args.concurrency}, "
          f"max_entries_per_feed={args.max_entries}, backlog {args.backlog}; {os.cpu_count()} CPUs, "
          f"load average {os.getloadavg()[0]:.2f}; tracemalloc {'on' if args.tracemalloc else 'off'}")
    if args.tracemalloc:
        tracemalloc.start()
    started = time.perf_counter()
    try:
        rows = asyncio.run(bench(args, port))
    finally:
        server.terminate()
        server.join(5)
    print(f"total: {time.perf_counter() - started:.1f} s; load average at the end {os.getloadavg()[0]:.2f}")
    print("\ncycle     articles  alerts   wall s   CPU s  feeds/s  ms/feed  peak RSS MB  tracemalloc MB")
    for label, m, articles, alerts in rows:
        name = label.split(":")[0].removeprefix("cycle ")
        peak = f"{m.peak:14.1f}" if m.peak is not None else f"{'-':>14s}"
        rss = f"{m.rss[1]:11.0f}" if m.hwm_reset and m.rss[1] is not None else f"{'-':>11s}"
        print(f"{name:8s}  {articles:8,}  {alerts:6,}  {m.wall:7.2f}  {m.cpu:6.2f}  {args.feeds / m.wall:7.1f}  "
              f"{1000 * m.wall / args.feeds:7.2f}  {rss}  {peak}")
    for label, m, articles, _ in rows[2:]:
        if articles == 0:
            print(f"nothing-new cycle {label.split(':')[0].removeprefix('cycle ')}: "
                  f"{1000 * m.wall / args.feeds:.2f} ms wall, {1000 * m.cpu / args.feeds:.2f} ms CPU per feed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
