"""fetch_article over real loopback HTTP: the page when it works, the feed summary with a reason when not."""

from __future__ import annotations

import asyncio
import gc
import tracemalloc
from datetime import UTC, datetime

from httpserver import LoopbackServer, loopback_client

from bot.articles import fetch_article
from bot.models import Article, FeedEntry

MB = 1_000_000
PUBLISHED = datetime(2024, 3, 2, 7, 30, tzinfo=UTC)
ENTRY_TITLE = "Strikes on Ariha kill nine"
ENTRY_SUMMARY = "Air strikes killed nine people in Ariha, rescuers said."

ARTICLE_HTML = (
    '<!DOCTYPE html><html><head><meta charset="{charset}"><title>Strikes on Ariha</title>'
    '<meta property="og:site_name" content="Valley Post">'
    '<meta property="article:published_time" content="2024-03-01T18:00:00Z"></head><body>'
    '<nav><a href="/">Front page</a> <a href="/opinion">Opinion</a></nav><article><h1>Strikes on Ariha</h1>'
    "<p>Air strikes on Ariha killed at least nine people on Thursday, among them a caf\u00e9 owner "
    "and two of his children, rescuers told the Valley Post.</p>"
    "<p>\u201cThe whole street came down,\u201d said Jos\u00e9, a neighbour. Medics said 25 people were "
    "wounded and that the town\u2019s only clinic was overwhelmed \u2014 again.</p>"
    "<p>Local officials estimate that 2,000 residents left for camps further north overnight.</p>"
    "</article><footer>Valley Post \u00b7 Contact \u00b7 Privacy</footer></body></html>"
)


def entry(link: str | None, published: datetime | None = PUBLISHED) -> FeedEntry:
    return FeedEntry(
        key="valley-1",
        title=ENTRY_TITLE,
        link=link,
        summary=ENTRY_SUMMARY,
        published=published,
    )


def fetch(item: FeedEntry, max_bytes: int = 5 * MB, timeout: float = 5.0) -> Article:
    async def go() -> Article:
        async with loopback_client(timeout) as client:
            return await fetch_article(client, item, max_bytes=max_bytes)

    return asyncio.run(go())


def assert_summary_fallback(article: Article, reason: str) -> None:
    assert article.text_source == "summary"
    assert article.fetch_error == reason
    assert article.text == f"{ENTRY_TITLE}\n\n{ENTRY_SUMMARY}"
    assert article.published == PUBLISHED


def test_page_is_fetched_and_cleaned(http_server: LoopbackServer) -> None:
    http_server.route("/ariha", ARTICLE_HTML.format(charset="utf-8"))
    http_server.route("/r/ariha", status=302, headers={"Location": "/ariha"})
    article = fetch(entry(http_server.url("/r/ariha")))
    assert article.text_source == "page"
    assert article.fetch_error is None
    assert "killed at least nine people on Thursday" in article.text
    assert "2,000 residents left for camps" in article.text
    assert "Privacy" not in article.text
    assert article.url == http_server.url("/ariha")  # after redirects
    assert article.title == "Strikes on Ariha kill nine"  # the feed's headline
    assert article.site_name == "Valley Post"
    assert article.published == PUBLISHED  # the feed's date wins
    assert article.entry_key == "valley-1"


def test_page_date_is_used_when_the_feed_has_none(http_server: LoopbackServer) -> None:
    url = http_server.route("/ariha", ARTICLE_HTML.format(charset="utf-8"))
    article = fetch(entry(url, published=None))
    assert article.published == datetime(2024, 3, 1, tzinfo=UTC)


def test_windows_1252_page(http_server: LoopbackServer) -> None:
    body = ARTICLE_HTML.format(charset="windows-1252").encode("cp1252")
    url = http_server.route("/ariha", body, content_type="text/html; charset=windows-1252")
    article = fetch(entry(url))
    assert article.text_source == "page"
    assert "a café owner" in article.text
    assert "“The whole street came down,” said José" in article.text
    assert "the town’s only clinic was overwhelmed — again" in article.text


def test_latin1_label_without_header_charset(http_server: LoopbackServer) -> None:
    body = ARTICLE_HTML.format(charset="ISO-8859-1").encode("cp1252")
    url = http_server.route("/ariha", body, content_type="text/html")
    assert "said José, a neighbour" in fetch(entry(url)).text


def test_entry_without_link_uses_the_summary() -> None:
    article = fetch(entry(None))
    assert_summary_fallback(article, "entry has no link")
    assert article.url is None


def test_404_falls_back_to_the_summary(http_server: LoopbackServer) -> None:
    url = http_server.route("/gone", "nothing here", status=404)
    assert_summary_fallback(fetch(entry(url)), "HTTP 404 Not Found")


def test_500_falls_back_to_the_summary(http_server: LoopbackServer) -> None:
    url = http_server.route("/broken", "oops", status=500)
    assert_summary_fallback(fetch(entry(url)), "HTTP 500 Internal Server Error")


def test_timeout_falls_back_to_the_summary(http_server: LoopbackServer) -> None:
    url = http_server.route("/slow", ARTICLE_HTML.format(charset="utf-8"), delay=5.0)
    assert_summary_fallback(fetch(entry(url), timeout=0.3), "timed out after 0.3 s")


def test_20_mb_page_falls_back_with_a_reason(http_server: LoopbackServer) -> None:
    url = http_server.route("/huge", size=20 * MB)
    article = fetch(entry(url), max_bytes=5 * MB)
    assert_summary_fallback(article, "page larger than 5,000,000 bytes (Content-Length 20,000,000)")


def test_20_mb_page_without_length_is_cut_off_and_memory_stays_bounded(http_server: LoopbackServer) -> None:
    url = http_server.route("/huge", size=20 * MB, declare_length=False)
    gc.collect()
    tracemalloc.start()
    try:
        article = fetch(entry(url), max_bytes=5 * MB)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert_summary_fallback(article, "page larger than 5,000,000 bytes")
    assert peak < 15 * MB, f"peak {peak:,} bytes: the body was not streamed"


def test_non_html_page_falls_back(http_server: LoopbackServer) -> None:
    url = http_server.route("/report.pdf", b"%PDF-1.7 binary", content_type="application/pdf")
    assert_summary_fallback(fetch(entry(url)), "not an HTML page: got application/pdf")


def test_page_without_text_falls_back(http_server: LoopbackServer) -> None:
    url = http_server.route("/empty", "<html><body><script>1</script></body></html>")
    assert_summary_fallback(fetch(entry(url)), "no article text found on the page")
