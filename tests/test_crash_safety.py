"""Kill the service with SIGKILL at every step of a cycle, restart it, and count what was lost or sent twice.

The offline demo (eight articles, eleven alerts) runs as a real `dwatch run
--once` process; DWATCH_CRASH_AT makes it kill itself at a named point (the
first or the fourth time it gets there). After each crash the service is
started again until a run completes. No entry may stay unread, no alert may
be recorded twice, and no alert may be printed twice — except that a kill
between printing a message and marking it sent can repeat that one message.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
POINTS = ["feed-recorded", "reports-saved", "alerts-recorded", "entry-processed", "before-send", "after-send",
          "after-mark"]


def run(cwd: Path, crash: str | None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TELEGRAM_")}
    if crash:
        env["DWATCH_CRASH_AT"] = crash
    return subprocess.run([sys.executable, "-m", "bot.cli", "run", "--config", str(REPO / "config" / "demo.toml"),
                           "--once"], cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


def headlines(stdout: str) -> list[str]:
    return [line for line in stdout.splitlines() if " — " in line and ":" in line and not line.startswith("“")]


@pytest.fixture(scope="module")
def clean_run(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """The alerts of an uninterrupted run: what every crashed-and-restarted run must add up to."""
    result = run(tmp_path_factory.mktemp("clean"), None)
    assert result.returncode == 0, result.stderr
    return headlines(result.stdout)


@pytest.mark.parametrize("crash", [f"{point}:{n}" for point in POINTS for n in (1, 4)
                                   if not (point == "feed-recorded" and n > 1)])  # the demo has one feed
def test_a_kill_anywhere_loses_nothing_and_repeats_at_most_the_message_in_flight(
        crash: str, clean_run: list[str], tmp_path: Path) -> None:
    crashed = run(tmp_path, crash)
    assert crashed.returncode == -signal.SIGKILL, crashed.stderr[-2000:]
    printed = headlines(crashed.stdout)
    for _ in range(3):  # restart until a run completes
        again = run(tmp_path, None)
        assert again.returncode == 0, again.stderr[-2000:]
        printed += headlines(again.stdout)

    with sqlite3.connect(tmp_path / "dwatch-demo.db") as db:
        unread = db.execute("SELECT COUNT(*) FROM entries WHERE processed = 0").fetchone()[0]
        entries = db.execute("SELECT COUNT(*) FROM entries").fetchone()[0]
        alerts = db.execute("SELECT COUNT(*) FROM alerts").fetchone()[0]
        pending = db.execute("SELECT COUNT(*) FROM outbox WHERE status != 'sent'").fetchone()[0]
    assert (entries, unread, pending) == (8, 0, 0)
    assert alerts == len(clean_run)
    assert Counter(set(printed)) == Counter(set(clean_run))  # every alert arrived
    repeats = sum(n - 1 for n in Counter(printed).values())
    assert repeats <= (1 if crash.startswith("after-send") else 0), Counter(printed)
