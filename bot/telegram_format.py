"""Alert text as Telegram HTML: every outside string escaped, the figure in bold, at most 4,096 characters.

Alerts are composed as plain text (the console prints them as they are);
this module is the only place that turns them into Telegram's HTML.
"""

from __future__ import annotations

import html
import re

MAX_LENGTH = 4096
_URL = re.compile(r"^https?://\S+$")


def alert_html(text: str) -> str:
    """The first line (place — metric: figure) in bold, the link as a link, everything else escaped."""
    lines = text.splitlines()
    link = lines[-1] if lines and _URL.match(lines[-1]) else None
    body = lines[:-1] if link else lines
    parts = []
    for index, line in enumerate(body):
        escaped = html.escape(line, quote=False)
        parts.append(f"<b>{escaped}</b>" if index == 0 else escaped)
    tail = f'\n<a href="{html.escape(link, quote=True)}">Read the article</a>' if link else ""
    return fit("\n".join(parts), tail)


def fit(body: str, tail: str = "", limit: int = MAX_LENGTH) -> str:
    """Trim the body (never the link after it) so the whole message fits Telegram's limit."""
    if len(body) + len(tail) <= limit:
        return body + tail
    room = limit - len(tail) - 1
    cut = body[:room]
    # do not leave half an entity or half a tag behind
    cut = re.sub(r"&[#\w]*$", "", cut)
    cut = re.sub(r"<[^>]*$", "", cut)
    opened = cut.count("<b>") - cut.count("</b>")
    return cut + "…" + ("</b>" if opened > 0 else "") + tail


def escape(text: str) -> str:
    return html.escape(text, quote=False)
