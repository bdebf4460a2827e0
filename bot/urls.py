"""Is a URL someone typed safe to poll? Only http(s), and never a private or local address.

A feed added from chat must not make the service fetch from its own
network (a router page, a cloud metadata endpoint). The host is resolved
first and every address it resolves to is checked.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from urllib.parse import urlsplit


class UnsafeURL(ValueError):
    """The URL cannot be polled; the message says why."""


def _blocked(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%")[0])
    return (ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_multicast or ip.is_reserved
            or ip.is_unspecified)


async def public_address(url: str) -> str:
    """The address to connect to for a chat-added feed: checked public, so the poll can be pinned to it."""
    parts = urlsplit(url.strip())
    await check_feed_url(url)
    infos = await asyncio.to_thread(socket.getaddrinfo, parts.hostname, parts.port or 443, 0, socket.SOCK_STREAM)
    for info in infos:
        if not _blocked(str(info[4][0])):
            return str(info[4][0])
    raise UnsafeURL(f"{parts.hostname} has no public address")


async def check_feed_url(url: str, *, allow_private: bool = False) -> str:
    """The URL, if it may be polled; UnsafeURL otherwise."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https"):
        raise UnsafeURL("only http:// and https:// feeds can be added")
    if not parts.hostname:
        raise UnsafeURL("the URL has no host name")
    if allow_private:
        return url.strip()
    try:
        infos = await asyncio.to_thread(socket.getaddrinfo, parts.hostname, parts.port or 443, 0, socket.SOCK_STREAM)
    except OSError as exc:
        raise UnsafeURL(f"cannot resolve {parts.hostname}: {exc.strerror or exc}") from None
    for info in infos:
        if _blocked(str(info[4][0])):
            raise UnsafeURL(f"{parts.hostname} resolves to a private or local address ({info[4][0]})")
    return url.strip()
