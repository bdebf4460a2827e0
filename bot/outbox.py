"""Delivery from the outbox: every alert for every recipient is a row before anything is sent.

A row is marked sent only after the notifier returned, so a crash between
the two resends at most the message in flight and never loses one. A
failure is counted: the far side's "retry after N s" is waited out; a network
error is retried later with exponential backoff; a permanent failure (the
user blocked the bot) stops that subscriber; and after MAX_ATTEMPTS a row is
dead-lettered with its reason, so one broken chat cannot block the others.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bot.crashpoints import crash_point
from bot.notifiers import DeliveryError, Notifier
from bot.store import Store

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 5
BACKOFF_SECONDS = 30.0  # first retry after this, doubling each attempt


@dataclass(frozen=True, slots=True)
class DrainResult:
    sent: int
    retried: int
    dead: int


async def drain(store: Store, notifier: Notifier, *, batch: int = 100, max_attempts: int = MAX_ATTEMPTS,
                max_wait: float = 60.0) -> DrainResult:
    """Send every due message once; failed ones stay pending (with a backoff) or die."""
    sent = retried = dead = 0
    for item in store.pending_outbox(limit=batch):
        crash_point("before-send")
        try:
            message_id = await notifier.send(item.recipient, item.message)
        except DeliveryError as exc:
            give_up = exc.permanent or item.attempts + 1 >= max_attempts
            if exc.retry_after:
                retry_at = None  # asked to wait: wait here, then the next drain sends it
            else:
                retry_at = datetime.now(UTC) + timedelta(seconds=BACKOFF_SECONDS * 2 ** item.attempts)
            store.mark_failed(item.id, exc.reason, dead=give_up, retry_at=None if give_up else retry_at)
            if give_up:
                dead += 1
                log.warning("outbox %s to %s dead-lettered: %s", item.id, item.recipient, exc.reason)
                if exc.permanent and item.recipient.lstrip("-").isdigit():
                    store.deactivate(int(item.recipient), exc.reason)
            else:
                retried += 1
                if exc.retry_after:
                    await asyncio.sleep(min(exc.retry_after, max_wait))
            continue
        crash_point("after-send")  # the one window where a message can go out twice
        store.mark_sent_message(item.id, message_id if isinstance(message_id, int) else None)
        crash_point("after-mark")
        sent += 1
    return DrainResult(sent, retried, dead)
