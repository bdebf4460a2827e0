"""Delivery from the outbox: every alert for every recipient is a row before anything is sent.

A row is marked sent only after the notifier returned, so a crash between
the two resends at most the message in flight and never loses one. Failures
are counted; a permanent one, or too many, dead-letters the row with its
reason so one broken chat cannot block the others.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from bot.notifiers import DeliveryError, Notifier
from bot.store import Store

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 5


@dataclass(frozen=True, slots=True)
class DrainResult:
    sent: int
    retried: int
    dead: int


async def drain(store: Store, notifier: Notifier, *, batch: int = 100, max_attempts: int = MAX_ATTEMPTS,
                max_wait: float = 30.0) -> DrainResult:
    """Send every pending message once; failed ones stay pending (or die) for the next drain."""
    sent = retried = dead = 0
    for item in store.pending_outbox(limit=batch):
        try:
            await notifier.send(item.recipient, item.message)
        except DeliveryError as exc:
            give_up = exc.permanent or item.attempts + 1 >= max_attempts
            store.mark_failed(item.id, exc.reason, dead=give_up)
            if give_up:
                dead += 1
                log.warning("outbox %s to %s dead: %s", item.id, item.recipient, exc.reason)
            else:
                retried += 1
                if exc.retry_after:
                    await asyncio.sleep(min(exc.retry_after, max_wait))
            continue
        store.mark_sent(item.id)
        sent += 1
    return DrainResult(sent, retried, dead)
