"""Bundled data is found in the checkout (and, in a wheel, under bot/_bundled)."""

from __future__ import annotations

from pathlib import Path

import bot
from bot.resources import config_dir, demo_dir, seeds_dir

REPO_ROOT = Path(bot.__file__).resolve().parents[1]


def test_checkout_folders_are_used() -> None:
    assert seeds_dir() == REPO_ROOT / "seeds"
    assert config_dir() == REPO_ROOT / "config"
    assert (config_dir() / "default.toml").is_file()
    assert demo_dir() == seeds_dir() / "demo"
