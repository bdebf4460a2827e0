"""Hostile input: feeds and pages made to break a parser, a cap or a clock, over real loopback HTTP.

Each case must end in a reason a person can read (FeedFetch.error or .warning, Article.fetch_error),
logged where the code logs it (a feed parsed despite errors: bot.feeds; a page not used: bot.articles;
a failed feed is logged by the pipeline, which is not exercised here), in bounded time and memory. The
combined test polls all of them in one fetch_feeds call next to a good feed, which must still yield
its entries. The bodies are written here or generated on the fly.
"""

from __future__ import annotations

import asyncio
import functools
import gc
import logging
import os
import random
import threading
import time
import tracemalloc
import zlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
from httpserver import LoopbackServer, loopback_client

from bot.articles import fetch_article
from bot.config import HttpConfig
from bot.feeds import fetch_feed, fetch_feeds, max_age_seconds, retry_after_seconds
from bot.models import Article, FeedEntry, FeedFetch, FeedSpec, FeedValidators

MB = 1_000_000
RSS = "application/rss+xml; charset=utf-8"
DEFAULT_CAP = HttpConfig().max_feed_bytes  # 5,000,000: what the service runs with
FIVE_MIB = 5 * 1024 * 1024  # "a 5 MB line" as a disk would count it, just over the default cap
DATE = "Sat, 02 Mar 2024 08:30:00 +0100"


# --- bodies ----------------------------------------------------------------------------------------


def item(n: int, title: str | None = None, description: str | None = None) -> str:
    description = description or f"&lt;p&gt;Shelling forced &lt;b&gt;{n},000&lt;/b&gt; people to leave.&lt;/p&gt;"
    return (
        f'<item><guid isPermaLink="false">wire-{n}</guid><title>{title or f"Report {n}"}</title>'
        f"<link>http://example.org/news/{n}.html</link><pubDate>{DATE}</pubDate>"
        f"<description>{description}</description></item>"
    )


def rss(*items: str, title: str = "Test Wire", encoding: str = "utf-8") -> str:
    return (
        f'<?xml version="1.0" encoding="{encoding}"?>\n<rss version="2.0"><channel>'
        f"<title>{title}</title><link>http://example.org/</link><description>test</description>"
        + "".join(items)
        + "</channel></rss>"
    )


GOOD = rss(item(1), item(2), title="Good Wire")
TRUNCATED_MID_ITEM = rss(item(1), item(2), item(3))[: rss(item(1), item(2)).index("</channel>") + 60]
TRUNCATED_BEFORE_ITEMS = '<?xml version="1.0"?><rss version="2.0"><channel><title>Cut off befo'
BAD_NESTING = rss(
    '<item><guid isPermaLink="false">nest-1</guid><title>Camp <b>grows</title></b>'
    "<description>Unclosed <i>tags and bad nesting</description></item>",
    '<item><guid isPermaLink="false">nest-2</guid><title>Second</title><description>fine</item>',
)
BAD_NESTING_NO_ITEMS = '<?xml version="1.0"?><rss version="2.0"><channel><title>Broken</b></channel></rss>'
HTML_PAGE = "<!DOCTYPE html><html><head><title>Home</title></head><body><p>Welcome!</p></body></html>"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00" + random.Random(7).randbytes(4000)


def noise(size: int, seed: int = 1) -> bytes:
    """Random bytes that do not start with "<" (so they cannot be mistaken for markup)."""
    data = random.Random(seed).randbytes(size)
    return b"\x00" + data[1:]


@functools.cache
def gzip_bomb(inflated: int = 100 * MB) -> bytes:
    """~100 KB of gzip that inflates to `inflated` bytes of zeros (built once, in 1 MB steps)."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = bytes(MB)
    return b"".join([compressor.compress(block) for _ in range(inflated // MB)] + [compressor.flush()])


def gzip(data: str | bytes) -> bytes:
    compressor = zlib.compressobj(6, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    raw = data.encode() if isinstance(data, str) else data
    return compressor.compress(raw) + compressor.flush()


def deflate(data: str, raw: bool) -> bytes:
    compressor = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS if raw else zlib.MAX_WBITS)
    return compressor.compress(data.encode()) + compressor.flush()


# --- helpers ---------------------------------------------------------------------------------------


def spec(server: LoopbackServer, path: str) -> FeedSpec:
    return FeedSpec(url=server.url(path), name=path)


def poll(server: LoopbackServer, path: str, *, max_bytes: int = MB, timeout: float = 5.0, **options: int) -> FeedFetch:
    async def go() -> FeedFetch:
        async with loopback_client(timeout, **options) as client:
            return await fetch_feed(client, spec(server, path), FeedValidators(), max_bytes=max_bytes)

    return asyncio.run(go())


def poll_all(
    server: LoopbackServer, paths: Sequence[str], *, max_bytes: int = MB, timeout: float = 5.0
) -> dict[str, FeedFetch]:
    async def go() -> list[FeedFetch]:
        async with loopback_client(timeout) as client:
            specs = [spec(server, path) for path in paths]
            return await fetch_feeds(client, specs, {}, max_bytes=max_bytes, concurrency=len(specs))

    return dict(zip(paths, asyncio.run(go()), strict=True))


ENTRY_TITLE = "Strikes on Ariha kill nine"
ENTRY_SUMMARY = "Air strikes killed nine people in Ariha, rescuers said."


def fetch_page(url: str, *, max_bytes: int = MB, timeout: float = 5.0) -> Article:
    entry = FeedEntry(key="valley-1", title=ENTRY_TITLE, link=url, summary=ENTRY_SUMMARY, published=None)

    async def go() -> Article:
        async with loopback_client(timeout) as client:
            return await fetch_article(client, entry, max_bytes=max_bytes)

    return asyncio.run(go())


def assert_summary_fallback(article: Article, reason: str, caplog: pytest.LogCaptureFixture) -> None:
    assert article.text_source == "summary"
    assert article.text == f"{ENTRY_TITLE}\n\n{ENTRY_SUMMARY}"
    assert article.fetch_error is not None and article.fetch_error.startswith(reason), article.fetch_error
    assert_logged(caplog, "bot.articles", article.fetch_error)


def assert_logged(caplog: pytest.LogCaptureFixture, logger: str, text: str) -> None:
    messages = [r.getMessage() for r in caplog.records if r.name == logger and r.levelno >= logging.WARNING]
    assert any(text in message for message in messages), f"no warning with {text!r} in {messages}"


@contextmanager
def traced_peak() -> Iterator[list[int]]:
    """The peak of Python allocations (tracemalloc) while the block runs, in bytes: result[0]."""
    result = [0]
    gc.collect()
    tracemalloc.start()
    try:
        yield result
        result[0] = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def _rss_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


@contextmanager
def rss_growth() -> Iterator[list[int]]:
    """How far the resident set grew above where it started while the block ran, in bytes: result[0].

    Sampled every 5 ms from /proc: tracemalloc would make feedparser several times slower on a big feed.
    """
    if not os.path.exists("/proc/self/statm"):
        pytest.skip("needs /proc/self/statm")
    gc.collect()
    baseline = _rss_bytes()
    peak = [baseline]
    stop = threading.Event()

    def sample() -> None:
        while not stop.wait(0.005):
            peak[0] = max(peak[0], _rss_bytes())

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    result = [0]
    try:
        yield result
    finally:
        stop.set()
        sampler.join()
        result[0] = max(peak[0], _rss_bytes()) - baseline


# --- 1. truncated and malformed XML ----------------------------------------------------------------


def test_truncated_feed_with_complete_items_is_ok_with_a_logged_warning(
    http_server: LoopbackServer, caplog: pytest.LogCaptureFixture
) -> None:
    assert "<item>" in TRUNCATED_MID_ITEM[-80:]  # really cut inside the third item
    http_server.route("/cut.xml", TRUNCATED_MID_ITEM, content_type=RSS)
    result = poll(http_server, "/cut.xml")
    assert result.status == "ok", result.error
    assert [e.key for e in result.entries][:2] == ["wire-1", "wire-2"]
    assert result.entries[0].summary == "Shelling forced 1,000 people to leave."
    assert result.warning is not None and result.warning.startswith("malformed feed, parsed anyway: ")
    assert_logged(caplog, "bot.feeds", result.warning)


def test_truncated_feed_without_items_is_an_error(http_server: LoopbackServer) -> None:
    http_server.route("/cut.xml", TRUNCATED_BEFORE_ITEMS, content_type=RSS)
    result = poll(http_server, "/cut.xml")
    assert (result.status, result.entries) == ("error", ())
    assert result.error is not None and result.error.startswith("malformed XML: ")
    assert "line 1" in result.error  # where it broke


def test_bad_nesting_with_items_is_ok_with_a_warning(
    http_server: LoopbackServer, caplog: pytest.LogCaptureFixture
) -> None:
    http_server.route("/nest.xml", BAD_NESTING, content_type=RSS)
    result = poll(http_server, "/nest.xml")
    assert result.status == "ok", result.error
    assert [e.key for e in result.entries][:1] == ["nest-1"]
    assert result.entries[0].title == "Camp grows"
    assert "<" not in result.entries[0].summary
    assert result.warning is not None and "mismatched tag" in result.warning
    assert_logged(caplog, "bot.feeds", "malformed feed, parsed anyway")


def test_bad_nesting_without_items_is_an_error(http_server: LoopbackServer) -> None:
    http_server.route("/nest.xml", BAD_NESTING_NO_ITEMS, content_type=RSS)
    result = poll(http_server, "/nest.xml")
    assert result.status == "error"
    assert result.error is not None and result.error.startswith("malformed XML: mismatched tag (line 1, column")


# --- 2. Atom 1.0 and RSS 1.0 (RDF) -----------------------------------------------------------------

ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title type="html">Atom &lt;b&gt;Wire&lt;/b&gt;</title>
<id>urn:test:atom</id><updated>2024-03-02T10:00:00Z</updated>
<entry><title type="html">&lt;b&gt;Camp&lt;/b&gt; overflows</title><id>urn:test:1</id>
<published>2024-03-01T09:00:00+02:00</published><updated>2024-03-02T10:00:00Z</updated>
<link rel="enclosure" href="https://example.org/camp.mp3"/><link rel="alternate" href="/camp"/>
<summary type="html">&lt;p&gt;Tents for &lt;b&gt;800&lt;/b&gt; people.&lt;/p&gt;&lt;p&gt;More soon.&lt;/p&gt;
</summary></entry>
<entry><title>No link here</title><id>urn:test:2</id><updated>2024-03-02T11:00:00Z</updated>
<content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><p>About <b>90</b> homes lost.</p></div></content>
</entry></feed>"""

RDF = """<?xml version="1.0" encoding="utf-8"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
         xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel rdf:about="http://example.org/rss"><title>RDF Wire</title><link>http://example.org/</link>
<description>d</description><items><rdf:Seq><rdf:li rdf:resource="http://example.org/r/1"/></rdf:Seq></items>
</channel>
<item rdf:about="http://example.org/r/1"><title>Floods displace 4,000</title><link>http://example.org/r/1</link>
<description>&lt;p&gt;Floods &lt;i&gt;displaced&lt;/i&gt; 4,000 people.&lt;/p&gt;</description>
<dc:date>2024-03-02T08:30:00+01:00</dc:date></item>
</rdf:RDF>"""


def test_atom_1_0(http_server: LoopbackServer) -> None:
    http_server.route("/atom", ATOM, content_type="application/atom+xml")
    result = poll(http_server, "/atom")
    assert (result.status, result.warning, result.title) == ("ok", None, "Atom Wire")
    camp, homes = result.entries
    assert (camp.key, camp.title, camp.link) == ("urn:test:1", "Camp overflows", http_server.url("/camp"))
    assert camp.summary == "Tents for 800 people.\nMore soon."
    assert camp.published == datetime(2024, 3, 1, 7, 0, tzinfo=UTC)  # published wins over updated
    assert (homes.key, homes.link) == ("urn:test:2", None)  # the urn: id is no page to fetch
    assert homes.summary == "About 90 homes lost."  # xhtml content stands in for the missing summary
    assert homes.published == datetime(2024, 3, 2, 11, 0, tzinfo=UTC)


def test_rss_1_0_rdf(http_server: LoopbackServer) -> None:
    http_server.route("/rdf", RDF, content_type="application/rdf+xml")
    result = poll(http_server, "/rdf")
    assert (result.status, result.warning, result.title) == ("ok", None, "RDF Wire")
    (entry,) = result.entries
    assert (entry.key, entry.link) == ("http://example.org/r/1", "http://example.org/r/1")
    assert (entry.title, entry.summary) == ("Floods displace 4,000", "Floods displaced 4,000 people.")
    assert entry.published == datetime(2024, 3, 2, 7, 30, tzinfo=UTC)


# --- 3. entities and CDATA -------------------------------------------------------------------------

ENTITIES = rss(
    item(1, title="Children&#39;s &amp; mothers&#x27; shelter", description="Over 300 families &amp;amp; 20 cars"),
    item(
        2,
        title="CDATA",
        description="<![CDATA[<p>Shelling forced <b>3,000</b> people &amp; 200 families "
        "to flee.</p><script>track()</script><p>More</p>]]>",
    ),
    item(
        3, title="Double-wrapped", description="&lt;![CDATA[&lt;p&gt;Wrapped &lt;i&gt;twice&lt;/i&gt;&lt;/p&gt;]]&gt;"
    ),
    item(4, title="Hostile", description="<![CDATA[" + "<a " * 3000 + "</" * 3000 + "<![" * 3000 + "]]>"),
)
HTML_ENTITIES_IN_XML = rss(item(1, title="Caf&eacute; &mdash; 40&nbsp;km", description="Over&nbsp;300 &hellip;"))


def test_entities_and_cdata_give_clean_text(http_server: LoopbackServer) -> None:
    http_server.route("/ent.xml", ENTITIES, content_type=RSS)
    started = time.perf_counter()
    result = poll(http_server, "/ent.xml")
    assert time.perf_counter() - started < 5  # the HTML-stripping is linear even on hostile markup
    assert (result.status, result.warning) == ("ok", None)
    plain, cdata, twice, hostile = result.entries
    assert plain.title == "Children's & mothers' shelter"
    assert plain.summary == "Over 300 families & 20 cars"  # XML gives the HTML "&amp;", HTML gives "&"
    assert cdata.summary == "Shelling forced 3,000 people & 200 families to flee.\nMore"
    assert twice.summary == "Wrapped twice"
    assert "<" not in hostile.summary


def test_html_entities_undefined_in_xml_are_read_anyway(
    http_server: LoopbackServer, caplog: pytest.LogCaptureFixture
) -> None:
    http_server.route("/ent.xml", HTML_ENTITIES_IN_XML, content_type=RSS)
    result = poll(http_server, "/ent.xml")
    assert result.status == "ok", result.error
    (entry,) = result.entries
    assert entry.title == "Café — 40 km"
    assert entry.summary == "Over 300 …"
    assert result.warning is not None and "undefined entity" in result.warning
    assert_logged(caplog, "bot.feeds", "undefined entity")


# --- 4. ten thousand entries -----------------------------------------------------------------------


def test_ten_thousand_entries_parse_within_the_cap_and_bounded_memory(http_server: LoopbackServer) -> None:
    body = rss(*(item(n) for n in range(10_000))).encode()
    assert len(body) < DEFAULT_CAP
    http_server.route("/big.xml", body, content_type=RSS)
    del body
    with rss_growth() as growth:
        result = poll(http_server, "/big.xml", max_bytes=DEFAULT_CAP)
    assert (result.status, result.error, result.warning) == ("ok", None, None)
    assert len(result.entries) == 10_000
    assert len({e.key for e in result.entries}) == 10_000
    assert result.entries[-1].summary == "Shelling forced 9999,000 people to leave."
    assert result.parse_seconds > 0
    assert growth[0] < 200 * MB, f"resident set grew by {growth[0]:,} bytes"


# --- 5. gzip bombs and other content encodings -----------------------------------------------------


def test_gzip_bomb_feed_is_cut_off_without_inflating_it(http_server: LoopbackServer) -> None:
    bomb = gzip_bomb()
    http_server.route("/bomb.xml", bomb, content_type=RSS, headers={"Content-Encoding": "gzip"})
    with traced_peak() as peak:
        result = poll(http_server, "/bomb.xml", max_bytes=MB)
    assert len(bomb) < 120_000  # small on the wire; 100 MB once inflated
    assert (result.status, result.error) == ("error", "feed larger than 1,000,000 bytes")
    assert peak[0] < 8 * MB, f"peak {peak[0]:,} bytes: the bomb was inflated beyond the cap"


def test_gzip_and_deflate_feeds_still_work(http_server: LoopbackServer) -> None:
    http_server.route("/gz.xml", gzip(GOOD), content_type=RSS, headers={"Content-Encoding": "gzip"})
    http_server.route("/zlib.xml", deflate(GOOD, raw=False), content_type=RSS, headers={"Content-Encoding": "deflate"})
    http_server.route("/raw.xml", deflate(GOOD, raw=True), content_type=RSS, headers={"Content-Encoding": "deflate"})
    for path in ("/gz.xml", "/zlib.xml", "/raw.xml"):
        result = poll(http_server, path)
        assert [e.key for e in result.entries] == ["wire-1", "wire-2"], (path, result.error)
    assert http_server.requests_for("/gz.xml")[0].headers["accept-encoding"] == "gzip, deflate"


def test_corrupt_gzip_is_an_error(http_server: LoopbackServer) -> None:
    http_server.route("/bad.gz", b"this is not gzip at all", content_type=RSS, headers={"Content-Encoding": "gzip"})
    result = poll(http_server, "/bad.gz")
    assert result.status == "error"
    assert result.error is not None and result.error.startswith("cannot decode the gzip-encoded body: ")


# --- 6. redirects ----------------------------------------------------------------------------------


def test_redirect_loop_and_too_long_chain_are_errors(http_server: LoopbackServer) -> None:
    http_server.route("/loop-a", status=302, headers={"Location": "/loop-b"})
    http_server.route("/loop-b", status=302, headers={"Location": "/loop-a"})
    for hop in range(8):
        http_server.route(f"/hop/{hop}", status=301, headers={"Location": f"/hop/{hop + 1}"})
    http_server.route("/hop/8", GOOD, content_type=RSS)
    assert (poll(http_server, "/loop-a").error) == "too many redirects"
    assert (poll(http_server, "/hop/0", max_redirects=5).error) == "too many redirects"
    within = poll(http_server, "/hop/5", max_redirects=5)  # 3 hops: within the limit
    assert [e.key for e in within.entries] == ["wire-1", "wire-2"]


# --- 7. trickling servers --------------------------------------------------------------------------


def test_trickling_feeds_time_out_quickly(http_server: LoopbackServer) -> None:
    http_server.route("/drip.xml", GOOD, content_type=RSS, trickle=1.0)  # a byte a second: each read times out
    http_server.route("/fast-drip.xml", GOOD, content_type=RSS, trickle=0.05)  # reads are fine, the whole is not
    http_server.route("/good.xml", GOOD, content_type=RSS)
    started = time.perf_counter()
    results = poll_all(http_server, ["/drip.xml", "/fast-drip.xml", "/good.xml"], timeout=0.5)
    elapsed = time.perf_counter() - started
    assert (results["/drip.xml"].status, results["/drip.xml"].error) == ("error", "timed out after 0.5 s")
    # bot.http bounds the whole download to three times the client timeout
    assert results["/fast-drip.xml"].error == "timed out after 1.5 s (whole download)"
    assert len(results["/good.xml"].entries) == 2
    assert elapsed < 3, f"took {elapsed:.1f} s"


# --- 8. charsets that lie --------------------------------------------------------------------------

CAFE = rss(item(1, title="Zo\u00eb \u201cfled\u201d \u2013 caf\u00e9 shut"), title="Caf\u00e9 Wire")


def test_windows_1252_body_declared_utf8_is_readable(http_server: LoopbackServer) -> None:
    http_server.route("/cp.xml", CAFE.encode("cp1252"), content_type=RSS)  # header and <?xml?> both say utf-8
    result = poll(http_server, "/cp.xml")
    assert result.status == "ok", result.error
    assert result.title == "Café Wire"
    assert result.entries[0].title == "Zoë “fled” – café shut"
    assert result.warning == "document declared as utf-8, but parsed as windows-1252"


def test_header_and_xml_declaration_disagree(http_server: LoopbackServer) -> None:
    latin = rss(item(1, title="Zo\u00eb fled"), title="Caf\u00e9 Wire", encoding="iso-8859-1")
    http_server.route("/latin.xml", latin.encode("latin-1"), content_type=RSS)  # header: utf-8
    as_utf8 = rss(item(1, title="Zo\u00eb fled"), title="Caf\u00e9 Wire", encoding="utf-8")
    http_server.route("/utf.xml", as_utf8.encode(), content_type="application/rss+xml; charset=iso-8859-1")
    http_server.route("/klingon.xml", as_utf8.encode(), content_type="application/rss+xml; charset=klingon")
    for path in ("/latin.xml", "/utf.xml", "/klingon.xml"):
        result = poll(http_server, path)
        assert result.status == "ok", (path, result.error)
        assert (result.title, result.entries[0].title) == ("Café Wire", "Zoë fled"), path


def test_mixed_encodings_in_one_body_do_not_crash(http_server: LoopbackServer) -> None:
    second = item(2, title="Zo\u00eb (cp1252)").encode("cp1252")
    body = rss(item(1, title="Caf\u00e9 (utf-8)")).encode().replace(b"</channel>", second + b"</channel>")
    http_server.route("/mixed.xml", body, content_type=RSS)
    result = poll(http_server, "/mixed.xml")
    assert result.status == "ok", result.error
    assert [e.title for e in result.entries] == ["Café (utf-8)", "Zoë (cp1252)"]  # both survive
    assert result.warning == "document declared as utf-8, but parsed as windows-1252"


# --- 9. HTML instead of a feed ---------------------------------------------------------------------


def test_html_instead_of_xml_is_not_a_feed(http_server: LoopbackServer) -> None:
    http_server.route("/html.xml", HTML_PAGE, content_type="text/html; charset=utf-8")
    http_server.route("/disguised.xml", HTML_PAGE, content_type="application/rss+xml")
    assert poll(http_server, "/html.xml").error == "not a feed: got text/html, no entries"
    assert poll(http_server, "/disguised.xml").error == (
        "not a feed: got an HTML page (served as application/rss+xml), no entries"
    )


# --- 10. binary garbage ----------------------------------------------------------------------------


def test_binary_garbage_is_not_a_feed(http_server: LoopbackServer) -> None:
    http_server.route("/noise.xml", noise(100_000), content_type=RSS)
    http_server.route("/logo.png", PNG, content_type="image/png")
    prologue_then_noise = b'<?xml version="1.0"?><rss version="2.0">' + noise(5000, seed=2)
    http_server.route("/prologue.xml", prologue_then_noise, content_type=RSS)
    assert poll(http_server, "/noise.xml").error == (
        "not a feed: got binary data (served as application/rss+xml), no entries"
    )
    assert poll(http_server, "/logo.png").error == "not a feed: got image/png, no entries"
    assert poll(http_server, "/prologue.xml").error == (
        "not a feed: got binary data (served as application/rss+xml), no entries"
    )


# --- 11. one 5 MB line -----------------------------------------------------------------------------


def test_five_mb_single_line_over_the_cap_is_refused(http_server: LoopbackServer) -> None:
    line = b"<rss><channel><title>" + b"x" * (FIVE_MIB - 21)
    http_server.route("/line.xml", line, content_type=RSS)
    http_server.route("/line-stream.xml", line, content_type=RSS, declare_length=False)
    started = time.perf_counter()
    declared = poll(http_server, "/line.xml", max_bytes=DEFAULT_CAP)
    streamed = poll(http_server, "/line-stream.xml", max_bytes=DEFAULT_CAP)
    assert declared.error == "feed larger than 5,000,000 bytes (Content-Length 5,242,880)"
    assert streamed.error == "feed larger than 5,000,000 bytes"
    assert time.perf_counter() - started < 5


def test_almost_five_mb_single_line_under_the_cap_is_handled_quickly(http_server: LoopbackServer) -> None:
    words = "Families fled the town after shelling, officials said. " * 85_000  # ~4.8 MB, no newline
    feed_line = rss(item(1, description=words)).replace("\n", "")
    junk_line = b"<a " * 1_600_000  # tag soup without any feed element: took ~35 s in feedparser's loose parser
    assert "\n" not in feed_line and len(feed_line) < DEFAULT_CAP and len(junk_line) < DEFAULT_CAP
    http_server.route("/line.xml", feed_line, content_type=RSS)
    http_server.route("/junk.xml", junk_line, content_type=RSS)
    started = time.perf_counter()
    feed = poll(http_server, "/line.xml", max_bytes=DEFAULT_CAP)
    junk = poll(http_server, "/junk.xml", max_bytes=DEFAULT_CAP)
    elapsed = time.perf_counter() - started
    assert feed.status == "ok", feed.error
    assert len(feed.entries[0].summary) > 4_000_000
    assert junk.error == "not a feed: got application/rss+xml, no entries"
    assert elapsed < 10, f"took {elapsed:.1f} s"


# --- 12. empty answers -----------------------------------------------------------------------------


def test_empty_answers_are_errors(http_server: LoopbackServer) -> None:
    http_server.route("/empty.xml", b"", content_type=RSS)
    http_server.route("/nocontent.xml", b"", status=204, content_type=None)
    http_server.route("/blank.xml", " \r\n\t \n" * 100, content_type=RSS)
    for path in ("/empty.xml", "/nocontent.xml", "/blank.xml"):
        result = poll(http_server, path)
        assert (result.status, result.error) == ("error", "not a feed: empty response"), path


# --- server hints: Retry-After and Cache-Control ---------------------------------------------------


def test_retry_after_on_429_and_503(http_server: LoopbackServer) -> None:
    later = format_datetime(datetime.now(UTC) + timedelta(seconds=90), usegmt=True)
    http_server.route("/429", "slow down", status=429, headers={"Retry-After": "120"})
    http_server.route("/503", "maintenance", status=503, headers={"Retry-After": later})
    http_server.route("/429-garbled", "slow down", status=429, headers={"Retry-After": "soon-ish"})
    http_server.route("/500", "oops", status=500, headers={"Retry-After": "120"})
    http_server.route("/429-huge", "go away", status=429, headers={"Retry-After": "99999999999999999999"})
    too_many = poll(http_server, "/429")
    assert (too_many.status, too_many.retry_after, too_many.http_status) == ("error", 120.0, 429)
    assert too_many.error == "HTTP 429 Too Many Requests (retry after 120 s)"
    unavailable = poll(http_server, "/503")
    assert unavailable.status == "error"
    assert unavailable.retry_after is not None and 80 <= unavailable.retry_after <= 90
    garbled = poll(http_server, "/429-garbled")
    assert (garbled.retry_after, garbled.error) == (None, "HTTP 429 Too Many Requests")
    assert poll(http_server, "/500").retry_after is None  # only 429 and 503 carry the hint
    assert poll(http_server, "/429-huge").retry_after == 7 * 24 * 3600  # clamped to a week


def test_retry_after_parsing() -> None:
    now = datetime(2024, 3, 2, 9, 0, tzinfo=UTC)
    assert retry_after_seconds({"retry-after": " 30 "}, now) == 30.0
    assert retry_after_seconds({"retry-after": "Sat, 02 Mar 2024 09:05:00 GMT"}, now) == 300.0
    assert retry_after_seconds({"retry-after": "Sat, 02 Mar 2024 08:00:00 GMT"}, now) == 0.0  # already past
    assert retry_after_seconds({"retry-after": "Saturday, 02-Mar-24 09:01:00 GMT"}, now) == 60.0  # RFC 850
    for garbled in ("", "-5", "1.5", "\u00b2", "tomorrow", "Sat, 99 Foo 2024"):
        assert retry_after_seconds({"retry-after": garbled}, now) is None, garbled
    assert retry_after_seconds({}, now) is None


def test_max_age_on_200_and_304(http_server: LoopbackServer) -> None:
    etag = '"v1"'
    http_server.route(
        "/cached.xml", GOOD, content_type=RSS, etag=etag, headers={"Cache-Control": "public, max-age=600"}
    )

    async def go() -> tuple[FeedFetch, FeedFetch]:
        async with loopback_client() as client:
            feed = spec(http_server, "/cached.xml")
            first = await fetch_feed(client, feed, FeedValidators(), max_bytes=MB)
            second = await fetch_feed(client, feed, first.validators, max_bytes=MB)
            return first, second

    first, second = asyncio.run(go())
    assert (first.status, first.max_age) == ("ok", 600.0)
    assert (second.status, second.max_age) == ("not_modified", 600.0)
    http_server.route("/plain.xml", GOOD, content_type=RSS)
    assert poll(http_server, "/plain.xml").max_age is None


def test_max_age_parsing() -> None:
    assert max_age_seconds({"cache-control": "max-age=300"}) == 300.0
    assert max_age_seconds({"cache-control": 'public, MAX-AGE="60", must-revalidate'}) == 60.0
    assert max_age_seconds({"cache-control": "no-cache, max-age=300"}) is None
    assert max_age_seconds({"cache-control": "no-store"}) is None
    assert max_age_seconds({"cache-control": "max-age=soon"}) is None
    assert max_age_seconds({"cache-control": "max-age=-1"}) is None
    assert max_age_seconds({"cache-control": "max-age=\u00b2"}) is None  # a digit to str.isdigit, not to int()
    assert max_age_seconds({"cache-control": "max-age=999999999999"}) == 7 * 24 * 3600
    assert max_age_seconds({}) is None


# --- all at once, next to a good feed --------------------------------------------------------------


def test_one_good_feed_survives_a_whole_hostile_corpus(
    http_server: LoopbackServer, caplog: pytest.LogCaptureFixture
) -> None:
    routes: dict[str, dict[str, object]] = {
        "/good.xml": {"body": GOOD, "content_type": RSS},
        "/truncated.xml": {"body": TRUNCATED_MID_ITEM, "content_type": RSS},
        "/truncated-early.xml": {"body": TRUNCATED_BEFORE_ITEMS, "content_type": RSS},
        "/nesting.xml": {"body": BAD_NESTING, "content_type": RSS},
        "/entities.xml": {"body": ENTITIES, "content_type": RSS},
        "/bomb.xml": {"body": gzip_bomb(), "content_type": RSS, "headers": {"Content-Encoding": "gzip"}},
        "/loop-a": {"status": 302, "headers": {"Location": "/loop-b"}},
        "/loop-b": {"status": 302, "headers": {"Location": "/loop-a"}},
        "/drip.xml": {"body": GOOD, "content_type": RSS, "trickle": 0.05},
        "/cp1252.xml": {"body": CAFE.encode("cp1252"), "content_type": RSS},
        "/html.xml": {"body": HTML_PAGE, "content_type": "application/rss+xml"},
        "/noise.xml": {"body": noise(50_000), "content_type": RSS},
        "/png.xml": {"body": PNG, "content_type": "image/png"},
        "/junk-line.xml": {"body": b"<a " * 300_000, "content_type": RSS},
        "/empty.xml": {"body": b"", "content_type": RSS},
        "/204.xml": {"status": 204, "content_type": None},
        "/blank.xml": {"body": "   \n\n  ", "content_type": RSS},
        "/429.xml": {"body": "slow down", "status": 429, "headers": {"Retry-After": "60"}},
    }
    for path, options in routes.items():
        http_server.route(path, **options)
    paths = [path for path in routes if path != "/loop-b"]
    started = time.perf_counter()
    results = poll_all(http_server, paths, timeout=0.5)
    elapsed = time.perf_counter() - started

    good = results.pop("/good.xml")
    assert (good.status, [e.key for e in good.entries]) == ("ok", ["wire-1", "wire-2"])
    parsed_anyway = {"/truncated.xml", "/nesting.xml", "/entities.xml", "/cp1252.xml"}
    for path, result in results.items():
        if path in parsed_anyway:
            assert result.status == "ok" and result.entries, (path, result.error)
        else:
            assert result.status == "error" and result.error, (path, result)
            assert not result.error.startswith("internal error"), (path, result.error)
    assert results["/bomb.xml"].error == "feed larger than 1,000,000 bytes"
    assert results["/loop-a"].error == "too many redirects"
    assert results["/drip.xml"].error == "timed out after 1.5 s (whole download)"
    assert results["/429.xml"].retry_after == 60.0
    assert_logged(caplog, "bot.feeds", "malformed feed, parsed anyway")
    assert elapsed < 5, f"took {elapsed:.1f} s"


# --- article pages ---------------------------------------------------------------------------------


def test_gzip_bomb_page_falls_back_to_the_summary(
    http_server: LoopbackServer, caplog: pytest.LogCaptureFixture
) -> None:
    url = http_server.route("/bomb.html", gzip_bomb(), headers={"Content-Encoding": "gzip"})
    with traced_peak() as peak:
        article = fetch_page(url, max_bytes=MB)
    assert_summary_fallback(article, "page larger than 1,000,000 bytes", caplog)
    assert peak[0] < 8 * MB, f"peak {peak[0]:,} bytes: the bomb was inflated beyond the cap"


def test_trickling_page_falls_back_to_the_summary(
    http_server: LoopbackServer, caplog: pytest.LogCaptureFixture
) -> None:
    page = "<html><body><article><p>" + "Families fled. " * 50 + "</p></article></body></html>"
    url = http_server.route("/drip.html", page, trickle=0.05)
    started = time.perf_counter()
    article = fetch_page(url, timeout=0.5)
    assert_summary_fallback(article, "timed out after 1.5 s (whole download)", caplog)
    assert time.perf_counter() - started < 3


def test_binary_garbage_served_as_html_falls_back_to_the_summary(
    http_server: LoopbackServer, caplog: pytest.LogCaptureFixture
) -> None:
    url = http_server.route("/noise.html", noise(200_000), content_type="text/html; charset=utf-8")
    article = fetch_page(url)
    assert_summary_fallback(article, "not an HTML page: got binary data (served as text/html)", caplog)


def test_five_mb_one_line_page_falls_back_to_the_summary(
    http_server: LoopbackServer, caplog: pytest.LogCaptureFixture
) -> None:
    line = ("<html><body><p>" + "Families fled the town after shelling. " * 140_000)[:FIVE_MIB].encode()
    declared = http_server.route("/line.html", line)
    streamed = http_server.route("/line-stream.html", line, declare_length=False)
    cap = HttpConfig().max_page_bytes
    started = time.perf_counter()
    assert_summary_fallback(
        fetch_page(declared, max_bytes=cap), "page larger than 5,000,000 bytes (Content-Length 5,242,880)", caplog
    )
    assert_summary_fallback(fetch_page(streamed, max_bytes=cap), "page larger than 5,000,000 bytes", caplog)
    assert time.perf_counter() - started < 5


def test_a_pinned_fetch_connects_to_the_checked_address_only(http_server: LoopbackServer) -> None:
    """/addfeed feeds: the host is resolved and checked once, and the request goes to that address."""
    import asyncio as _asyncio

    from bot.http import FetchError, fetch_capped

    http_server.route("/pinned.xml", "<rss version='2.0'><channel><title>t</title></channel></rss>",
                      content_type="application/rss+xml")
    http_server.route("/jump.xml", "", status=302, headers={"Location": "http://10.0.0.1/inside"})
    url = f"http://feeds.example.invalid:{http_server.port}/pinned.xml"  # a name no resolver knows

    async def go() -> tuple[int, str, str]:
        async with loopback_client(timeout=2.0) as client:
            response = await fetch_capped(client, url, 100_000, what="feed", pin="127.0.0.1")
            try:
                await fetch_capped(client, url.replace("pinned", "jump"), 100_000, what="feed", pin="127.0.0.1")
            except FetchError as exc:
                return response.status, response.final_url, exc.reason
            return response.status, response.final_url, "followed"

    status, final_url, redirect = _asyncio.run(go())
    assert (status, final_url) == (200, url)
    assert http_server.requests_for("/pinned.xml")[-1].headers["host"] == f"feeds.example.invalid:{http_server.port}"
    assert "redirects are not followed" in redirect
