"""Notifiers: the transports under the outbox (console now, Telegram beside it).

A notifier sends one message to one recipient and says, by the exception it
raises, whether a failure is worth retrying. The outbox decides what to do
about it; a notifier never touches the store.
"""

from __future__ import annotations

import sys
from typing import Protocol, TextIO


class DeliveryError(Exception):
    """A message could not be delivered.

    permanent: retrying will not help (the user blocked the bot, the chat is gone).
    retry_after: seconds the far side asked us to wait before the next attempt.
    """

    def __init__(self, reason: str, *, permanent: bool = False, retry_after: float | None = None):
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent
        self.retry_after = retry_after


class Notifier(Protocol):
    """Sends one alert text to one recipient; returns the far side's message id when there is one."""

    name: str

    async def send(self, recipient: str, text: str) -> int | None: ...


class ConsoleNotifier:
    """Prints each alert, framed so a person can read a stream of them."""

    name = "console"

    def __init__(self, stream: TextIO | None = None):
        self.stream = stream

    async def send(self, recipient: str, text: str) -> int | None:
        stream = self.stream or sys.stdout
        rule = "─" * 72
        stream.write(f"{rule}\n{text}\n")
        stream.flush()
        return None
