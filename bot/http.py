"""The shared HTTP client and a size-capped download.

Why a cap while streaming: feeds and article pages come from sites we do not
control. A 20 MB page (or a gzip bomb) must be cut off at the cap, not read
whole into memory and rejected afterwards. A declared Content-Length over the
cap is rejected before any of the body is read.

Every failure — network error, timeout, redirect loop, HTTP error status, body
too large — becomes a FetchError whose message is short enough to show a human
("timed out after 20 s", "HTTP 404 Not Found"), because it ends up in
feeds.last_error and articles.fetch_error.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass

import httpx

from bot.config import HttpConfig


def _accepted(status: int) -> bool:
    """2xx, or 304 (the answer to a conditional GET); redirects are followed before we see them."""
    return 200 <= status < 300 or status == 304


class FetchError(Exception):
    """A download that failed, with a short human reason and the HTTP status when there was one."""

    def __init__(self, reason: str, status: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status


@dataclass(frozen=True, slots=True)
class CappedResponse:
    """A fully read response no larger than the cap."""

    status: int
    headers: httpx.Headers
    body: bytes
    final_url: str  # after redirects

    @property
    def content_type(self) -> str:
        """The media type without parameters, lower-case ("" when absent)."""
        return self.headers.get("content-type", "").split(";")[0].strip().lower()

    @property
    def charset(self) -> str | None:
        """The charset parameter of Content-Type, if any."""
        for param in self.headers.get("content-type", "").split(";")[1:]:
            name, _, value = param.partition("=")
            if name.strip().lower() == "charset" and value.strip():
                return value.strip().strip("\"'")
        return None


def make_client(http: HttpConfig) -> httpx.AsyncClient:
    """The one AsyncClient for a poll cycle: shared connection pool, our User-Agent, config limits."""
    return httpx.AsyncClient(
        timeout=httpx.Timeout(http.timeout_seconds),
        headers={"User-Agent": http.user_agent},
        follow_redirects=True,
        max_redirects=http.max_redirects,
        limits=httpx.Limits(
            max_connections=max(http.concurrency * 2, 10),
            max_keepalive_connections=http.concurrency,
        ),
    )


def _seconds(value: float) -> str:
    return f"{value:g} s"


def _client_timeout(client: httpx.AsyncClient) -> float | None:
    timeout = client.timeout
    values = [v for v in (timeout.connect, timeout.read, timeout.write, timeout.pool) if v is not None]
    return max(values) if values else None


async def fetch_capped(
    client: httpx.AsyncClient,
    url: str,
    max_bytes: int,
    headers: Mapping[str, str] | None = None,
    *,
    what: str = "response",
    total_timeout: float | None = None,
) -> CappedResponse:
    """GET url and read at most max_bytes of (decoded) body; raise FetchError on any failure.

    `what` names the thing in messages ("page larger than 5,000,000 bytes").
    The client's timeout applies to each network step; total_timeout (default
    three times the client's timeout) bounds the whole download so a server
    that trickles bytes cannot hold a slot forever.
    """
    per_step = _client_timeout(client)
    if total_timeout is None and per_step is not None:
        total_timeout = per_step * 3
    try:
        async with asyncio.timeout(total_timeout):
            return await _fetch(client, url, max_bytes, headers, what)
    except TimeoutError:
        raise FetchError(f"timed out after {_seconds(total_timeout or 0)} (whole download)") from None
    except httpx.TimeoutException:
        raise FetchError(f"timed out after {_seconds(per_step or 0)}") from None
    except httpx.TooManyRedirects:
        raise FetchError("too many redirects") from None
    except httpx.UnsupportedProtocol:
        raise FetchError(f"unsupported URL: {url}") from None
    except httpx.InvalidURL as exc:
        raise FetchError(f"invalid URL: {exc}") from None
    except httpx.ConnectError as exc:
        raise FetchError(f"cannot connect: {_root_reason(exc)}") from None
    except httpx.HTTPError as exc:
        raise FetchError(f"network error: {_root_reason(exc)}") from None


async def _fetch(
    client: httpx.AsyncClient, url: str, max_bytes: int, headers: Mapping[str, str] | None, what: str
) -> CappedResponse:
    too_large = f"{what} larger than {max_bytes:,} bytes"
    async with client.stream("GET", url, headers=dict(headers or {})) as response:
        if not _accepted(response.status_code):
            phrase = f" {response.reason_phrase}" if response.reason_phrase else ""
            raise FetchError(f"HTTP {response.status_code}{phrase}", status=response.status_code)
        declared = response.headers.get("content-length", "")
        # Content-Length counts encoded bytes; a compressed body may still decode past the cap (see below).
        if declared.isdigit() and int(declared) > max_bytes:
            raise FetchError(f"{too_large} (Content-Length {int(declared):,})", status=response.status_code)
        body = bytearray()
        async for chunk in response.aiter_bytes():
            body += chunk
            if len(body) > max_bytes:
                raise FetchError(too_large, status=response.status_code)
        return CappedResponse(
            status=response.status_code,
            headers=response.headers,
            body=bytes(body),
            final_url=str(response.url),
        )


def _root_reason(exc: BaseException) -> str:
    """The most specific message in an exception chain ("[Errno 111] Connection refused")."""
    reason = str(exc) or type(exc).__name__
    cause = exc.__cause__ or exc.__context__
    while cause is not None:
        if str(cause):
            reason = str(cause)
        cause = cause.__cause__ or cause.__context__
    return reason
