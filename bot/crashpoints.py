"""Fault injection for crash-safety tests: kill the process at a named point of a cycle.

With DWATCH_CRASH_AT="name" (or "name:N") in the environment, the process
SIGKILLs itself the first (or N-th) time it reaches crash_point("name"), the
way a power cut or an OOM kill would stop it. Unset, it costs one dict
lookup. The crash-safety test uses it to stop the service at every step.
"""

from __future__ import annotations

import os
import signal
from collections import Counter

_reached: Counter[str] = Counter()


def crash_point(name: str) -> None:
    wanted = os.environ.get("DWATCH_CRASH_AT")
    if not wanted:
        return
    point, _, nth = wanted.partition(":")
    if point != name:
        return
    _reached[name] += 1
    if _reached[name] >= int(nth or 1):
        os.kill(os.getpid(), signal.SIGKILL)
