"""A full cycle over real HTTP: feeds → pages → figures → store → alerts printed on the console.

The feeds and pages are served by a loopback server; the articles are short
pieces written for these tests. Bad feeds and pages sit beside a good one,
and the good one must still alert.
"""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

from httpserver import LoopbackServer

from bot.config import load_config
from bot.notifiers import ConsoleNotifier
from bot.service import open_service
from bot.store import Store

RSS = "application/rss+xml; charset=utf-8"


def rss(items: list[tuple[str, str | None, str, str]]) -> str:
    """items: (guid, link or None, title, description)."""
    body = []
    for guid, link, title, description in items:
        link_xml = f"<link>{link}</link>" if link else ""
        body.append(f"<item><guid isPermaLink='false'>{guid}</guid>{link_xml}<title>{title}</title>"
                    f"<description>{description}</description><pubDate>Mon, 16 Dec 2019 09:00:00 GMT</pubDate></item>")
    return (f"<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel><title>Test wire</title>"
            f"<link>http://example.test/</link><description>t</description>{''.join(body)}</channel></rss>")


def page(title: str, *paragraphs: str, charset: str = "utf-8") -> str:
    ps = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (f"<!doctype html><html><head><meta charset='{charset}'><title>{title}</title>"
            f"<meta property='og:site_name' content='Test Courier'></head><body><nav><a href='/'>Home</a></nav>"
            f"<article><h1>{title}</h1>{ps}</article><footer>All rights reserved.</footer></body></html>")


GOOD_PAGE = page(
    "Thousands flee shelling in Saraqib",
    "More than 12,000 people have fled the town of Saraqib in Idlib province over the past week, "
    "the UN refugee agency said on Monday, as shelling on the town's eastern edge intensified.",
    "Families loaded what they could carry onto pick-up trucks and headed north towards camps near the "
    "Turkish border, where aid groups said tents were running short.",
    "A local medic said that at least 14 civilians had been killed in the shelling since Thursday.",
)


def write_config(tmp_path: Path, feeds: list[tuple[str, str]], *, timeout: float = 2.0) -> Path:
    feed_tables = "\n".join(f'[[feeds]]\nname = "{name}"\nurl = "{url}"\n' for name, url in feeds)
    path = tmp_path / "test.toml"
    path.write_text(
        f'[service]\ndatabase = "{tmp_path / "watch.db"}"\n'
        f"[http]\ntimeout_seconds = {timeout}\nmax_page_bytes = 1_000_000\nmax_feed_bytes = 1_000_000\n"
        "[alerts]\nfloor = { displaced = 1000, killed = 10, injured = 10, strikes = 5 }\n"
        f"{feed_tables}",
        encoding="utf-8",
    )
    return path


def run_cycle(config_path: Path) -> tuple[str, object]:
    config = load_config(config_path)
    out = io.StringIO()

    async def go() -> object:
        async with open_service(config, notifier=ConsoleNotifier(out)) as service:
            return await service.cycle()

    stats = asyncio.run(go())
    return out.getvalue(), stats


def test_a_feed_article_becomes_one_printed_alert_and_never_twice(http_server: LoopbackServer,
                                                                   tmp_path: Path) -> None:
    http_server.route("/saraqib.html", GOOD_PAGE)
    http_server.route("/feed.xml", rss([("a1", http_server.url("/saraqib.html"), "Thousands flee Saraqib",
                                         "Residents leave as shelling intensifies.")]), content_type=RSS)
    config = write_config(tmp_path, [("Test wire", http_server.url("/feed.xml"))])

    printed, _ = run_cycle(config)
    assert "Saraqib — displaced: more than 12,000 people" in printed
    assert "Source: UN refugee agency" in printed
    assert "Saraqib — killed: at least 14 civilians" in printed
    assert http_server.url("/saraqib.html") in printed

    again, _ = run_cycle(config)
    assert again == ""  # the same article again: no alert a second time


def test_bad_feeds_and_pages_are_recorded_and_the_good_feed_still_alerts(http_server: LoopbackServer,
                                                                       tmp_path: Path) -> None:
    latin1_page = page("Évacuation à Saraqib", "Nearly 3,000 people were evacuated from Saraqib on Sunday, "
                       "the civil defence said, after strikes hit the town’s café district.",
                       charset="iso-8859-1").encode("iso-8859-1", errors="replace")
    http_server.route("/saraqib.html", GOOD_PAGE)
    http_server.route("/latin1.html", latin1_page, content_type="text/html; charset=iso-8859-1")
    http_server.route("/huge.html", size=20_000_000, content_type="text/html")
    http_server.route("/feed.xml", rss([
        ("good", http_server.url("/saraqib.html"), "Thousands flee Saraqib", "Residents leave."),
        ("nolink", None, "Shelling in Ariha", "At least 40 people were wounded in shelling on Ariha on Sunday."),
        ("huge", http_server.url("/huge.html"), "Huge page", "More than 2,500 people fled Sarmada this week."),
        ("latin1", http_server.url("/latin1.html"), "Latin-1 page", "A summary."),
        ("gone", http_server.url("/missing.html"), "Gone page", "Summary of a page that is gone."),
    ]), content_type=RSS)
    http_server.route("/malformed.xml", "<rss><channel><title>cut short", content_type=RSS)
    http_server.route("/html.xml", page("Not a feed", "Just a page."), content_type="text/html")
    http_server.route("/404.xml", "missing", status=404)
    http_server.route("/500.xml", "broken", status=500)
    http_server.route("/slow.xml", rss([]), content_type=RSS, delay=8.0)
    http_server.route("/empty.xml", rss([]), content_type=RSS)
    feeds = [("Good", "/feed.xml"), ("Malformed", "/malformed.xml"), ("HTML", "/html.xml"), ("Gone", "/404.xml"),
             ("Broken", "/500.xml"), ("Slow", "/slow.xml"), ("Empty", "/empty.xml")]
    config = write_config(tmp_path, [(n, http_server.url(p)) for n, p in feeds], timeout=2.0)

    printed, stats = run_cycle(config)
    assert "Saraqib — displaced: more than 12,000 people" in printed
    assert "Ariha — injured: at least 40 people" in printed  # from the summary of an entry with no link
    assert "Sarmada — displaced: more than 2,500 people" in printed  # the 20 MB page fell back to the summary

    with Store(tmp_path / "watch.db") as store:
        feeds_by_name = {f["name"]: f for f in store.feed_statuses()}
        articles = {row[0]: row[1:] for row in store.conn.execute(
            "SELECT entry_key, text_source, fetch_error, text FROM articles")}
    assert feeds_by_name["Good"]["last_status"] == "ok"
    assert feeds_by_name["Empty"]["last_status"] == "ok"
    for name in ("Malformed", "HTML", "Gone", "Broken", "Slow"):
        assert feeds_by_name[name]["last_status"] == "error", name
        assert feeds_by_name[name]["last_error"], name
    assert "404" in feeds_by_name["Gone"]["last_error"]
    assert "500" in feeds_by_name["Broken"]["last_error"]
    assert "timed out" in feeds_by_name["Slow"]["last_error"]
    assert articles["nolink"][:2] == ("summary", "entry has no link")
    assert articles["huge"][0] == "summary" and "larger than" in articles["huge"][1]
    assert articles["gone"][0] == "summary" and "404" in articles["gone"][1]
    assert articles["latin1"][0] == "page" and "café" in articles["latin1"][2]
    assert stats.feeds_failed == 5
