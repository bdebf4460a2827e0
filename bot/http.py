"""The shared HTTP client and a size-capped download.

Why a cap while streaming: feeds and article pages come from sites we do not
control. A 20 MB page (or a gzip bomb) must be cut off at the cap, not read
whole into memory and rejected afterwards. A declared Content-Length over the
cap is rejected before any of the body is read.

Why we undo gzip/deflate ourselves: httpx inflates each network chunk whole
before we see it, and 64 KB of a gzip bomb inflates to about 64 MB. Our
_Inflater asks zlib for at most 64 KB at a time, so the cap is checked before
more is produced and a bomb costs a few hundred KB of memory, not its
inflated size.

Every failure — network error, timeout, redirect loop, HTTP error status, body
too large — becomes a FetchError whose message is short enough to show a human
("timed out after 20 s", "HTTP 404 Not Found"), because it ends up in
feeds.last_error and articles.fetch_error.
"""

from __future__ import annotations

import asyncio
import zlib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

import httpx

from bot.config import HttpConfig


def _accepted(status: int) -> bool:
    """2xx, or 304 (the answer to a conditional GET); redirects are followed before we see them."""
    return 200 <= status < 300 or status == 304


class FetchError(Exception):
    """A download that failed, with a short human reason and the HTTP status when there was one.

    headers are the response's when there was one (a 429 or 503 says when to come back in Retry-After).
    """

    def __init__(self, reason: str, status: int | None = None, headers: httpx.Headers | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status
        self.headers = headers if headers is not None else httpx.Headers()


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
    pin: str | None = None,
) -> CappedResponse:
    """GET url and read at most max_bytes of (decoded) body; raise FetchError on any failure.

    `what` names the thing in messages ("page larger than 5,000,000 bytes").
    The client's timeout applies to each network step; total_timeout (default
    three times the client's timeout) bounds the whole download so a server
    that trickles bytes cannot hold a slot forever.

    We only offer the encodings we can inflate a bounded piece at a time
    (gzip, deflate); a caller's own Accept-Encoding wins.

    pin: an IP address already checked to be public. The request then goes
    to that address (Host header and TLS name still the URL's host) and
    redirects are not followed, so a host that re-resolves elsewhere between
    the check and the connection cannot redirect us inside.
    """
    per_step = _client_timeout(client)
    if total_timeout is None and per_step is not None:
        total_timeout = per_step * 3
    request_headers = {"Accept-Encoding": "gzip, deflate", **(headers or {})}
    try:
        async with asyncio.timeout(total_timeout):
            try:
                return await _fetch(client, url, max_bytes, request_headers, what, pin)
            except (httpx.ReadError, httpx.RemoteProtocolError, httpx.WriteError):
                # A kept-alive connection the server had already closed: a GET may safely go once more,
                # on a fresh connection, before it counts as the site's failure.
                return await _fetch(client, url, max_bytes, request_headers, what, pin)
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


def _pinned(url: str, pin: str, headers: dict[str, str]) -> tuple[str, dict[str, str], dict[str, str]]:
    """The URL with its host replaced by the checked address, the Host header and the TLS name."""
    parts = httpx.URL(url)
    address = f"[{pin}]" if ":" in pin else pin
    host_header = parts.host if parts.port is None else f"{parts.host}:{parts.port}"
    return str(parts.copy_with(host=address.strip("[]"))), {**headers, "Host": host_header}, {
        "sni_hostname": parts.host}


async def _fetch(
    client: httpx.AsyncClient, url: str, max_bytes: int, headers: Mapping[str, str] | None, what: str,
    pin: str | None = None,
) -> CappedResponse:
    too_large = f"{what} larger than {max_bytes:,} bytes"
    target, sent_headers, extensions = url, dict(headers or {}), {}
    if pin:
        target, sent_headers, extensions = _pinned(url, pin, sent_headers)
    request = client.build_request("GET", target, headers=sent_headers, extensions=extensions)
    response = await client.send(request, stream=True, follow_redirects=False if pin else client.follow_redirects)
    try:
        if pin and response.is_redirect:
            raise FetchError(f"redirects are not followed for feeds added from chat (HTTP {response.status_code})",
                             status=response.status_code)
        if not _accepted(response.status_code):
            phrase = f" {response.reason_phrase}" if response.reason_phrase else ""
            raise FetchError(
                f"HTTP {response.status_code}{phrase}", status=response.status_code, headers=response.headers
            )
        declared = response.headers.get("content-length", "")
        # Content-Length counts encoded bytes; a compressed body may still decode past the cap (see below).
        if declared.isdigit() and int(declared) > max_bytes:
            raise FetchError(f"{too_large} (Content-Length {int(declared):,})", status=response.status_code)
        # Content-Encoding lists codings in the order they were applied; undo them last first.
        codings = [c.strip().lower() for c in response.headers.get_list("content-encoding", split_commas=True)]
        inflaters = [_Inflater(coding) for coding in reversed(codings) if coding in _ZLIB_WBITS]
        # Other codings (identity, or ones we never offered) pass through as they came, as httpx does.
        body = bytearray()

        def add(pieces: Iterable[bytes]) -> None:
            for piece in pieces:
                body.extend(piece)
                if len(body) > max_bytes:
                    raise FetchError(too_large, status=response.status_code)

        async for raw in response.aiter_raw():
            add(_inflated(inflaters, [raw]))
        for index, inflater in enumerate(inflaters):
            add(_inflated(inflaters[index + 1 :], [inflater.flush()]))
        return CappedResponse(
            status=response.status_code,
            headers=response.headers,
            body=bytes(body),
            final_url=url if pin else str(response.url),
        )
    finally:
        await response.aclose()


# zlib window bits per Content-Encoding: 16 + MAX_WBITS reads the gzip wrapper, MAX_WBITS the zlib one.
_ZLIB_WBITS = {"gzip": zlib.MAX_WBITS | 16, "x-gzip": zlib.MAX_WBITS | 16, "deflate": zlib.MAX_WBITS}
_INFLATE_STEP = 64 * 1024  # most bytes one zlib call may produce


class _Inflater:
    """Undo one gzip or deflate Content-Encoding, never producing more than _INFLATE_STEP bytes per step.

    zlib's max_length leaves the input it has not used yet in unconsumed_tail;
    we hand that back only when the caller asks for the next piece, so a body
    over the cap is stopped after at most one step past it (see the module
    docstring for why httpx's decoding is not used).
    """

    def __init__(self, coding: str) -> None:
        self.coding = coding
        # Many servers send "deflate" as a raw deflate stream without the zlib header (httpx accepts both);
        # which one it is shows in the first two bytes, so "deflate" waits for them (see _choose).
        self._zlib = zlib.decompressobj(_ZLIB_WBITS[coding]) if coding != "deflate" else None
        self._head = b""

    def feed(self, data: bytes) -> Iterator[bytes]:
        """The inflated pieces of data, produced lazily."""
        if self._zlib is None:
            self._head += data
            if len(self._head) < 2:
                return
            data, self._head = self._head, b""
            self._zlib = self._choose(data)
        while data and not self._zlib.eof:
            try:
                piece = self._zlib.decompress(data, _INFLATE_STEP)
            except zlib.error as exc:
                raise FetchError(f"cannot decode the {self.coding}-encoded body: {exc}") from None
            tail = self._zlib.unconsumed_tail
            if not piece and len(tail) == len(data):
                break  # no progress (cannot happen with max_length > 0, but never loop forever)
            data = tail
            if piece:
                yield piece
        # Bytes after the end of the compressed stream (unused_data) are ignored, as httpx does.

    def flush(self) -> bytes:
        """What zlib still holds once all input is in: small, since feed() drained everything it could."""
        if self._zlib is None:
            return b""  # a "deflate" body shorter than two bytes holds nothing
        try:
            return self._zlib.flush()
        except zlib.error as exc:
            raise FetchError(f"cannot decode the {self.coding}-encoded body: {exc}") from None

    @staticmethod
    def _choose(head: bytes) -> zlib._Decompress:
        """A zlib stream when head starts with a valid zlib header (RFC 1950), else raw deflate."""
        zlib_header = head[0] & 0x0F == 8 and (head[0] << 8 | head[1]) % 31 == 0
        return zlib.decompressobj(zlib.MAX_WBITS if zlib_header else -zlib.MAX_WBITS)


def _inflated(inflaters: list[_Inflater], pieces: Iterable[bytes]) -> Iterator[bytes]:
    """pieces passed through each inflater in turn, lazily, so nothing is inflated before it is needed."""
    for inflater in inflaters:
        pieces = _through(inflater, pieces)
    return iter(pieces)


def _through(inflater: _Inflater, pieces: Iterable[bytes]) -> Iterator[bytes]:
    for piece in pieces:
        yield from inflater.feed(piece)


def _root_reason(exc: BaseException) -> str:
    """The most specific message in an exception chain ("[Errno 111] Connection refused")."""
    reason = str(exc) or type(exc).__name__
    cause = exc.__cause__ or exc.__context__
    while cause is not None:
        if str(cause):
            reason = str(cause)
        cause = cause.__cause__ or cause.__context__
    return reason
