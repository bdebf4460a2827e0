"""Three weeks of reporting on one town, fed to the service cycle by cycle, with the exact alerts expected.

The articles (tests/timeline/*.txt, written for this test) tell a story of
displacement from El Fasher in June 2024:

week 1  Jun 3   Darfur Monitor   12,000 fled since June 1 (UN)          → alert: first figure
        Jun 3   Sahel Post       the same wire story                     → "also reported by … (same wire story)"
        Jun 4   Khartoum Ledger  12,000 since June 1, local aid groups   → "also reported by Khartoum Ledger"
        Jun 5   Nile Wire        13,500 since June 1                     → a rise below the steps: no alert
week 2  Jun 10  Darfur Monitor   20,000 since June 1                     → alert: up from 13,500
        Jun 10  Marra Radio      18,000 since June 1                     → a lower figure for the same period: shown
        Jun 11  Nile Wire        7,000 in the past week                  → alert: a window beside a running count
week 3  Jun 2   Sahel Post       9,000 since June 1, found two weeks late → history, not news
        Jun 17  Darfur Monitor   31,000 since June 1                     → alert: up from 20,000
        Jun 17  Nile Wire        14 killed by shelling on Monday          → alert: first deaths figure
"""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

from httpserver import LoopbackServer

from bot.config import load_config
from bot.notifiers import ConsoleNotifier
from bot.replay import replay_store
from bot.service import open_service
from bot.store import Store

TIMELINE = Path(__file__).parent / "timeline"
RSS = "application/rss+xml; charset=utf-8"
WEEKS = [
    [("d1", "Darfur Monitor", "Mon, 03 Jun 2024 09:00:00 GMT"), ("d2", "Sahel Post", "Mon, 03 Jun 2024 11:30:00 GMT"),
     ("d3", "Khartoum Ledger", "Tue, 04 Jun 2024 08:00:00 GMT"), ("d4", "Nile Wire", "Wed, 05 Jun 2024 16:00:00 GMT")],
    [("d5", "Darfur Monitor", "Mon, 10 Jun 2024 09:00:00 GMT"), ("d6", "Marra Radio", "Mon, 10 Jun 2024 14:00:00 GMT"),
     ("d7", "Nile Wire", "Tue, 11 Jun 2024 10:00:00 GMT")],
    [("late", "Sahel Post", "Sun, 02 Jun 2024 18:00:00 GMT"), ("d8", "Darfur Monitor", "Mon, 17 Jun 2024 09:00:00 GMT"),
     ("d9", "Nile Wire", "Mon, 17 Jun 2024 15:00:00 GMT")],
]
EXPECTED = [  # (metric, value, kind, previous value)
    ("displaced", 12000, "first", None),
    ("displaced", 20000, "rise", 13500),
    ("displaced", 7000, "first", None),
    ("displaced", 31000, "rise", 20000),
    ("killed", 14, "first", None),
]


def page(name: str, outlet: str) -> str:
    headline, *body = (TIMELINE / f"{name}.txt").read_text(encoding="utf-8").strip().splitlines()
    paragraphs = "".join(f"<p>{line}</p>" for line in body if line.strip())
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>{headline}</title>"
            f"<meta property='og:site_name' content='{outlet}'></head><body><nav>Home · World · Africa</nav>"
            f"<article><h1>{headline}</h1>{paragraphs}</article><footer>© {outlet}</footer></body></html>")


def feed(server: LoopbackServer, items: list[tuple[str, str, str]]) -> str:
    entries = "".join(
        f"<item><guid isPermaLink='false'>timeline-{name}</guid><link>{server.url(f'/{name}.html')}</link>"
        f"<title>{name}</title><description>{outlet}</description><pubDate>{when}</pubDate></item>"
        for name, outlet, when in items)
    return (f"<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel><title>Darfur desk</title>"
            f"<link>http://example.test/</link><description>d</description>{entries}</channel></rss>")


def run_cycle(config_path: Path) -> str:
    config = load_config(config_path)
    out = io.StringIO()

    async def go() -> None:
        async with open_service(config, notifier=ConsoleNotifier(out)) as service:
            await service.cycle()

    asyncio.run(go())
    return out.getvalue()


def test_three_weeks_give_exactly_the_expected_alerts(http_server: LoopbackServer, tmp_path: Path) -> None:
    config_path = tmp_path / "timeline.toml"
    config_path.write_text(f'[service]\ndatabase = "{tmp_path / "t.db"}"\n[[feeds]]\nname = "Darfur desk"\n'
                           f'url = "{http_server.url("/feed.xml")}"\n', encoding="utf-8")
    printed = []
    shown: list[tuple[str, str, str]] = []
    for week in WEEKS:
        for name, outlet, _ in week:
            http_server.route(f"/{name}.html", page(name, outlet))
        shown = [*week, *shown]  # newest first, as feeds list them; older items stay in the feed
        http_server.route("/feed.xml", feed(http_server, shown), content_type=RSS)
        printed.append(run_cycle(config_path))

    with Store(tmp_path / "t.db") as store:
        rows = store.conn.execute(
            "SELECT id, metric, value, kind, previous_value, message FROM alerts ORDER BY id").fetchall()
        verdicts = dict(store.conn.execute(
            "SELECT a.entry_key, r.evaluation FROM reports r JOIN articles a ON a.id = r.article_id "
            "WHERE r.vague = 0").fetchall())
        replayed = replay_store(store, load_config(config_path).alerts)

    assert [(m, v, k, p) for _, m, v, k, p, _ in rows] == EXPECTED
    messages = {value: message for _, _, value, _, _, message in rows}
    assert "Also reported by: Sahel Post (same wire story), Khartoum Ledger." in messages[12000]
    assert "Up from 13,500 (since 1 Jun 2024; reported 5 Jun 2024" in messages[20000]
    assert "Other sources give lower figures for the same period: 18,000 (local monitors); range 18,000–20,000" \
        in messages[20000]
    assert "Does not compare with the earlier 20,000" in messages[7000]
    assert "Up from 20,000" in messages[31000]
    assert verdicts["timeline-d4"] == "none"  # a rise within the steps
    assert verdicts["timeline-late"] == "late"

    # what people saw, cycle by cycle: the week-1 alert went out once, already carrying its corroboration
    assert printed[0].count("El Fasher — displaced: at least 12,000 people since 1 Jun 2024") == 1
    assert "Also reported by: Sahel Post (same wire story), Khartoum Ledger." in printed[0]
    assert "9,000" not in printed[2]
    assert all("12,000" not in text for text in printed[1:])

    # replay over the stored reports gives the same alerts
    assert [(a.report.metric, a.report.value, a.kind, a.previous.value if a.previous else None)
            for a in replayed.alerts] == EXPECTED
    assert [a.message for a in replayed.alerts] == [message for *_, message in rows]

    assert run_cycle(config_path) == ""  # nothing new: nothing printed
