"""Shared pytest fixtures.

The repository root goes on sys.path so tests import `bot` and `extractors`
from the checkout without installing the package.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from httpserver import LoopbackServer  # noqa: E402 -- tests/ is importable once pytest loads this file


@pytest.fixture
def http_server() -> Iterator[LoopbackServer]:
    """A real HTTP server on 127.0.0.1 with a route table the test fills in."""
    server = LoopbackServer()
    try:
        yield server
    finally:
        server.close()


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store filled by one run of the offline demo (a week of reports on Idlib); copy it before writing."""
    import asyncio
    import io

    from bot.config import load_config
    from bot.notifiers import ConsoleNotifier
    from bot.service import open_service

    folder = tmp_path_factory.mktemp("demo")
    config_path = folder / "demo.toml"
    text = (REPO_ROOT / "config" / "demo.toml").read_text(encoding="utf-8")
    config_path.write_text(text.replace('database = "dwatch-demo.db"', f'database = "{folder / "demo.db"}"'),
                           encoding="utf-8")
    config = load_config(config_path)

    async def go() -> None:
        async with open_service(config, notifier=ConsoleNotifier(io.StringIO())) as service:
            await service.cycle()

    asyncio.run(go())
    return folder / "demo.db"
