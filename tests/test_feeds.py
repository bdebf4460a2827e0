"""Feed polling over real loopback HTTP, with results recorded in a real SQLite store."""

from __future__ import annotations

import asyncio
import hashlib
import socket
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from httpserver import LoopbackServer, loopback_client

from bot.feeds import fetch_feed, fetch_feeds
from bot.models import FeedFetch, FeedSpec, FeedValidators
from bot.store import Store

RSS = "application/rss+xml; charset=utf-8"
ETAG = '"feed-v1"'
LAST_MODIFIED = "Sat, 02 Mar 2024 09:00:00 GMT"


DATE = "Sat, 02 Mar 2024 08:30:00 +0100"


def item(guid: str | None, title: str, link: str | None, date: str = DATE) -> str:
    parts = [f"<title>{title}</title>", f"<pubDate>{date}</pubDate>"]
    if guid is not None:
        parts.append(f'<guid isPermaLink="false">{guid}</guid>')
    if link is not None:
        parts.append(f"<link>{link}</link>")
    parts.append(
        "<description>&lt;p&gt;Shelling forced &lt;b&gt;3,000&lt;/b&gt; families to leave.&lt;/p&gt;"
        "&lt;p&gt;More to follow.&lt;/p&gt;</description>"
    )
    return "<item>" + "".join(parts) + "</item>"


def rss(*items: str, title: str = "Test Wire") -> str:
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
        f"<title>{title}</title><link>http://example.org/</link><description>test</description>"
        + "".join(items)
        + "</channel></rss>"
    )


TWO_ITEMS = rss(
    item("wire-1", "Families flee the north", "/news/1.html"),
    item("wire-2", "Strikes hit market", "http://example.org/news/2.html"),
)


def poll(spec: FeedSpec, validators: FeedValidators | None = None, max_bytes: int = 1_000_000) -> FeedFetch:
    async def go() -> FeedFetch:
        async with loopback_client(timeout=5.0) as client:
            return await fetch_feed(client, spec, validators or FeedValidators(), max_bytes=max_bytes)

    return asyncio.run(go())


def spec_for(server: LoopbackServer, path: str) -> FeedSpec:
    return FeedSpec(url=server.url(path), name=path)


def test_parses_entries(http_server: LoopbackServer) -> None:
    http_server.route("/feed.xml", TWO_ITEMS, content_type=RSS)
    result = poll(spec_for(http_server, "/feed.xml"))
    assert result.status == "ok", result.error
    assert result.title == "Test Wire"
    assert result.warning is None
    first, second = result.entries
    assert first.key == "wire-1"
    assert first.title == "Families flee the north"
    assert first.link == http_server.url("/news/1.html")  # relative link resolved against the feed URL
    assert first.summary == "Shelling forced 3,000 families to leave.\nMore to follow."
    assert first.published == datetime(2024, 3, 2, 7, 30, tzinfo=UTC)
    assert second.link == "http://example.org/news/2.html"
    assert result.validators.body_hash == hashlib.sha256(TWO_ITEMS.encode()).hexdigest()


def test_entry_keys_fall_back_to_link_then_hash(http_server: LoopbackServer) -> None:
    body = rss(item(None, "Has a link", "http://example.org/x"), item(None, "No link", None))
    http_server.route("/feed.xml", body, content_type=RSS)
    with_link, without = poll(spec_for(http_server, "/feed.xml")).entries
    assert with_link.key == "http://example.org/x"
    assert without.link is None
    expected = hashlib.sha1(b"No linkSat, 02 Mar 2024 08:30:00 +0100").hexdigest()
    assert without.key == expected


def test_atom_feed(http_server: LoopbackServer) -> None:
    atom = (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        "<title>Atom Wire</title><id>urn:test:atom</id><updated>2024-03-02T10:00:00Z</updated>"
        "<entry><title>Camp overflows</title><id>urn:test:1</id><updated>2024-03-02T10:00:00Z</updated>"
        '<link href="https://example.org/camp"/><summary>Tents for 800 people.</summary></entry></feed>'
    )
    http_server.route("/atom", atom, content_type="application/atom+xml")
    result = poll(spec_for(http_server, "/atom"))
    (entry,) = result.entries
    assert (entry.key, entry.link) == ("urn:test:1", "https://example.org/camp")
    assert entry.summary == "Tents for 800 people."
    assert entry.published == datetime(2024, 3, 2, 10, 0, tzinfo=UTC)


def test_conditional_get_304_records_not_modified_and_parses_nothing(
    http_server: LoopbackServer, tmp_path: Path
) -> None:
    http_server.route("/feed.xml", TWO_ITEMS, content_type=RSS, etag=ETAG, last_modified=LAST_MODIFIED)
    spec = spec_for(http_server, "/feed.xml")
    with Store(tmp_path / "dwatch.db") as store:
        first = poll(spec, store.feed_validators(spec.url))
        store.record_feed_result(first)
        assert len(store.new_entries(spec.url, first.entries)) == 2

        second = poll(spec, store.feed_validators(spec.url))
        store.record_feed_result(second)
        assert second.status == "not_modified"
        assert second.entries == ()
        assert second.http_status == 304
        (status,) = store.feed_statuses()
        assert status["last_status"] == "not_modified"
        assert status["etag"] == ETAG and status["last_modified"] == LAST_MODIFIED
    sent = http_server.requests_for("/feed.xml")[1].headers
    assert sent["if-none-match"] == ETAG
    assert sent["if-modified-since"] == LAST_MODIFIED


def test_last_modified_alone_is_enough_for_a_304(http_server: LoopbackServer) -> None:
    http_server.route("/feed.xml", TWO_ITEMS, content_type=RSS, last_modified=LAST_MODIFIED)
    spec = spec_for(http_server, "/feed.xml")
    first = poll(spec)
    assert first.validators.last_modified == LAST_MODIFIED
    assert poll(spec, first.validators).status == "not_modified"


def test_same_body_again_is_unchanged_and_not_parsed(http_server: LoopbackServer, tmp_path: Path) -> None:
    http_server.route("/feed.xml", TWO_ITEMS, content_type=RSS)  # no validators: always a 200
    spec = spec_for(http_server, "/feed.xml")
    with Store(tmp_path / "dwatch.db") as store:
        store.record_feed_result(poll(spec, store.feed_validators(spec.url)))
        again = poll(spec, store.feed_validators(spec.url))
        store.record_feed_result(again)
        assert (again.status, again.entries, again.http_status) == ("unchanged", (), 200)
        assert store.feed_statuses()[0]["last_status"] == "unchanged"


def test_new_entries_are_detected_once(http_server: LoopbackServer, tmp_path: Path) -> None:
    spec = spec_for(http_server, "/feed.xml")
    with Store(tmp_path / "dwatch.db") as store:
        http_server.route("/feed.xml", TWO_ITEMS, content_type=RSS)
        first = poll(spec, store.feed_validators(spec.url))
        assert [e.key for e in store.new_entries(spec.url, first.entries)] == ["wire-1", "wire-2"]
        store.record_feed_result(first)

        http_server.route(
            "/feed.xml",
            rss(
                item("wire-3", "Hospital damaged", "/news/3.html"),
                item("wire-1", "Families flee the north (updated)", "/news/1.html"),
                item("wire-2", "Strikes hit market", "http://example.org/news/2.html"),
            ),
            content_type=RSS,
        )
        second = poll(spec, store.feed_validators(spec.url))
        assert second.status == "ok"
        assert [e.key for e in store.new_entries(spec.url, second.entries)] == ["wire-3"]


def test_malformed_xml_without_entries_is_an_error(http_server: LoopbackServer) -> None:
    cut = '<?xml version="1.0"?><rss version="2.0"><channel><title>Cut'
    http_server.route("/feed.xml", cut, content_type=RSS)
    result = poll(spec_for(http_server, "/feed.xml"))
    assert result.status == "error"
    assert result.error is not None and result.error.startswith("malformed XML: ")
    assert result.entries == ()


def test_malformed_feed_with_entries_is_ok_with_a_warning(http_server: LoopbackServer) -> None:
    broken = rss(item("wire-1", "Aid & shelter", "/news/1.html"))  # a bare "&" is not XML
    http_server.route("/feed.xml", broken, content_type=RSS)
    result = poll(spec_for(http_server, "/feed.xml"))
    assert result.status == "ok"
    assert [e.title for e in result.entries] == ["Aid & shelter"]
    assert result.warning is not None and result.warning.startswith("malformed feed, parsed anyway")


def test_html_page_is_not_a_feed(http_server: LoopbackServer) -> None:
    page = "<!DOCTYPE html><html><head><title>Home</title></head><body><p>Welcome!</p></body></html>"
    http_server.route("/feed.xml", page, content_type="text/html; charset=utf-8")
    result = poll(spec_for(http_server, "/feed.xml"))
    assert (result.status, result.error) == ("error", "not a feed: got text/html, no entries")


def test_html_page_with_a_feed_content_type_is_not_a_feed(http_server: LoopbackServer) -> None:
    page = "<!-- cms -->\n<!doctype html><html><body><p>Our news</p></body></html>"
    http_server.route("/rss", page, content_type="application/rss+xml")
    result = poll(spec_for(http_server, "/rss"))
    assert result.error == "not a feed: got an HTML page (served as application/rss+xml), no entries"


def test_garbage_is_not_a_feed(http_server: LoopbackServer) -> None:
    http_server.route("/feed.xml", b"\x00\x01 not xml \xff", content_type="application/octet-stream")
    result = poll(spec_for(http_server, "/feed.xml"))
    assert (result.status, result.error) == ("error", "not a feed: got application/octet-stream, no entries")


def test_empty_valid_feed_is_ok(http_server: LoopbackServer) -> None:
    http_server.route("/feed.xml", rss(), content_type=RSS)
    result = poll(spec_for(http_server, "/feed.xml"))
    assert (result.status, result.entries, result.error, result.warning) == ("ok", (), None, None)


def test_http_errors_and_timeouts_are_recorded(http_server: LoopbackServer, tmp_path: Path) -> None:
    http_server.route("/gone", "gone", status=404)
    http_server.route("/broken", "oops", status=500)
    known = FeedValidators(etag='"old"', last_modified=None, body_hash="old-hash")
    with Store(tmp_path / "dwatch.db") as store:
        missing = poll(spec_for(http_server, "/gone"), known)
        assert (missing.status, missing.error, missing.http_status) == ("error", "HTTP 404 Not Found", 404)
        assert missing.validators == known
        store.record_feed_result(missing)
        assert store.feed_statuses()[0]["consecutive_errors"] == 1
        assert store.feed_statuses()[0]["http_status"] == 404

        failing = poll(spec_for(http_server, "/broken"))
        assert (failing.status, failing.error) == ("error", "HTTP 500 Internal Server Error")


def test_timeout_is_an_error(http_server: LoopbackServer) -> None:
    http_server.route("/slow.xml", TWO_ITEMS, content_type=RSS, delay=5.0)

    async def go() -> FeedFetch:
        async with loopback_client(timeout=0.3) as client:
            spec = spec_for(http_server, "/slow.xml")
            return await fetch_feed(client, spec, FeedValidators(), max_bytes=10**6)

    result = asyncio.run(go())
    assert (result.status, result.error) == ("error", "timed out after 0.3 s")


def test_oversized_feed_is_an_error(http_server: LoopbackServer) -> None:
    http_server.route("/big.xml", content_type=RSS, size=3_000_000, declare_length=False)
    result = poll(spec_for(http_server, "/big.xml"), max_bytes=1_000_000)
    assert (result.status, result.error) == ("error", "feed larger than 1,000,000 bytes")


def test_windows_1252_feed(http_server: LoopbackServer) -> None:
    body = (
        '<?xml version="1.0" encoding="windows-1252"?><rss version="2.0"><channel>'
        "<title>Caf\u00e9 Wire</title><item><guid>w1</guid>"
        "<title>\u201cWe left everything\u201d \u2013 Zo\u00eb</title></item></channel></rss>"
    ).encode("cp1252")
    http_server.route("/feed.xml", body, content_type="application/rss+xml")
    result = poll(spec_for(http_server, "/feed.xml"))
    assert result.title == "Café Wire"
    assert result.entries[0].title == "“We left everything” – Zoë"


def test_one_bad_feed_never_stops_the_others(http_server: LoopbackServer) -> None:
    http_server.route("/good.xml", TWO_ITEMS, content_type=RSS)
    http_server.route("/404.xml", "missing", status=404)
    http_server.route("/500.xml", "oops", status=500)
    http_server.route("/page.xml", "<html><body><p>Not a feed</p></body></html>", content_type="text/html")
    http_server.route("/cut.xml", "<rss><channel><title>x", content_type=RSS)
    http_server.route("/slow.xml", TWO_ITEMS, content_type=RSS, delay=5.0)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        refused = f"http://127.0.0.1:{sock.getsockname()[1]}/feed.xml"
    paths = ["/404.xml", "/500.xml", "/good.xml", "/page.xml", "/cut.xml", "/slow.xml"]
    specs = [spec_for(http_server, p) for p in paths] + [FeedSpec(url=refused, name="refused")]

    async def go() -> Sequence[FeedFetch]:
        async with loopback_client(timeout=0.5) as client:
            return await fetch_feeds(client, specs, {}, max_bytes=1_000_000, concurrency=3)

    results = asyncio.run(go())
    assert [r.feed for r in results] == specs
    by_path = dict(zip([*paths, "refused"], results, strict=True))
    assert by_path["/good.xml"].status == "ok"
    assert [e.key for e in by_path["/good.xml"].entries] == ["wire-1", "wire-2"]
    for name, result in by_path.items():
        if name != "/good.xml":
            assert result.status == "error", name
            assert result.error, name


def test_fetch_url_is_fetched_but_url_stays_the_identity(http_server: LoopbackServer) -> None:
    http_server.route("/feed.xml", TWO_ITEMS, content_type=RSS)
    spec = FeedSpec(url="demo:/feed.xml", name="Demo", fetch_url=http_server.url("/feed.xml"))

    async def go() -> list[FeedFetch]:
        async with loopback_client() as client:
            return await fetch_feeds(client, [spec], {"demo:/feed.xml": FeedValidators()}, max_bytes=10**6)

    (result,) = asyncio.run(go())
    assert result.feed.url == "demo:/feed.xml"
    assert result.entries[0].link == http_server.url("/news/1.html")
