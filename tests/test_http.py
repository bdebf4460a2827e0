"""fetch_capped over real loopback HTTP: caps, statuses, timeouts, redirects, connection failures."""

from __future__ import annotations

import asyncio
import socket

import pytest
from httpserver import LoopbackServer, loopback_client

from bot.http import CappedResponse, FetchError, fetch_capped

MB = 1_000_000


def fetch(url: str, max_bytes: int = MB, timeout: float = 5.0, **options: int) -> CappedResponse:
    async def go() -> CappedResponse:
        async with loopback_client(timeout, **options) as client:
            return await fetch_capped(client, url, max_bytes, what="page")

    return asyncio.run(go())


def fetch_error(url: str, max_bytes: int = MB, timeout: float = 5.0, **options: int) -> FetchError:
    with pytest.raises(FetchError) as info:
        fetch(url, max_bytes, timeout, **options)
    return info.value


def test_reads_body_headers_and_final_url(http_server: LoopbackServer) -> None:
    http_server.route("/article", "<p>caf\u00e9</p>", content_type="text/html; charset=utf-8")
    http_server.route("/old", status=301, headers={"Location": "/article"})
    response = fetch(http_server.url("/old"))
    assert response.status == 200
    assert response.body == "<p>café</p>".encode()
    assert response.final_url == http_server.url("/article")
    assert (response.content_type, response.charset) == ("text/html", "utf-8")
    user_agent = http_server.requests_for("/article")[0].headers["user-agent"]
    assert user_agent.startswith("displacement-watch/")


def test_declared_length_over_the_cap_is_refused_before_reading(http_server: LoopbackServer) -> None:
    url = http_server.route("/huge", size=20 * MB)
    error = fetch_error(url, max_bytes=5 * MB)
    assert error.reason == "page larger than 5,000,000 bytes (Content-Length 20,000,000)"
    assert error.status == 200


def test_undeclared_body_is_cut_off_at_the_cap(http_server: LoopbackServer) -> None:
    url = http_server.route("/stream", size=20 * MB, declare_length=False)
    assert fetch_error(url, max_bytes=MB).reason == "page larger than 1,000,000 bytes"


def test_body_exactly_at_the_cap_is_fine(http_server: LoopbackServer) -> None:
    url = http_server.route("/exact", b"x" * 1000, declare_length=False)
    assert len(fetch(url, max_bytes=1000).body) == 1000


@pytest.mark.parametrize(
    ("status", "reason"), [(404, "HTTP 404 Not Found"), (500, "HTTP 500 Internal Server Error")]
)
def test_error_statuses(http_server: LoopbackServer, status: int, reason: str) -> None:
    url = http_server.route("/bad", "oops", status=status)
    error = fetch_error(url)
    assert (error.reason, error.status) == (reason, status)


def test_timeout(http_server: LoopbackServer) -> None:
    url = http_server.route("/slow", "late", delay=5.0)
    assert fetch_error(url, timeout=0.3).reason == "timed out after 0.3 s"


def test_redirect_loop(http_server: LoopbackServer) -> None:
    http_server.route("/a", status=302, headers={"Location": "/b"})
    http_server.route("/b", status=302, headers={"Location": "/a"})
    assert fetch_error(http_server.url("/a"), max_redirects=3).reason == "too many redirects"


def test_connection_refused() -> None:
    with socket.socket() as sock:  # a port that was free a moment ago, with nobody listening
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    assert fetch_error(f"http://127.0.0.1:{port}/").reason.startswith("cannot connect")


def test_unsupported_url() -> None:
    assert fetch_error("ftp://example.org/file").reason == "unsupported URL: ftp://example.org/file"
