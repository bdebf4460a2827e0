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
