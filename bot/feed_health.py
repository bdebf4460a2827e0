"""When to poll a feed next: its interval with jitter, backoff after errors, and what the server asked.

A feed that fails is retried later and later (its interval doubled per
consecutive error, capped at max_backoff); a server's Retry-After is
honoured, and so is Cache-Control max-age (no point asking before the
answer can have changed). A feed failing without a break for longer than
disable_after is disabled: it costs nothing more, and the admins are told.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.models import FeedFetch

MAX_CACHE_WAIT = timedelta(hours=6)  # a max-age longer than this is not trusted to delay polling


@dataclass(frozen=True, slots=True)
class Schedule:
    next_poll_at: datetime
    failing_since: datetime | None
    disabled_reason: str | None


def jittered(interval: timedelta, rng: random.Random | None = None) -> timedelta:
    """The interval ±10 %, so feeds polled together drift apart and do not hit sites in bursts."""
    spread = interval.total_seconds() * 0.1
    return interval + timedelta(seconds=(rng or random).uniform(-spread, spread))


def next_schedule(fetch: FeedFetch, *, consecutive_errors: int, failing_since: datetime | None, now: datetime,
                  interval: timedelta, max_backoff: timedelta, disable_after: timedelta,
                  rng: random.Random | None = None) -> Schedule:
    """consecutive_errors counts the errors including this one when it is an error."""
    if fetch.status != "error":
        wait = jittered(interval, rng)
        if fetch.max_age:
            wait = max(wait, min(timedelta(seconds=fetch.max_age), MAX_CACHE_WAIT))
        return Schedule(now + wait, None, None)
    failing_since = failing_since or now
    if now - failing_since >= disable_after:
        hours = disable_after.total_seconds() / 3600
        return Schedule(now + max_backoff, failing_since,
                        f"failing for more than {hours:g} h (last error: {fetch.error})")
    backoff = min(interval * (2 ** max(0, consecutive_errors - 1)), max_backoff)
    if fetch.retry_after:
        backoff = max(backoff, timedelta(seconds=fetch.retry_after))
    return Schedule(now + jittered(backoff, rng), failing_since, None)
