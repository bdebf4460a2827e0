"""Where the data that ships with displacement-watch lives.

The same code runs from a git checkout (seeds/ and config/ beside bot/) and
from an installed wheel, where hatch's force-include copies those folders to
bot/_bundled/. Every module asks here instead of building paths itself, so a
change of layout is a change in one place.
"""

from __future__ import annotations

from pathlib import Path

from extractors.gazetteer import seeds_dir as extractors_seeds_dir

_PACKAGE_DIR = Path(__file__).resolve().parent
_REPO_ROOT = _PACKAGE_DIR.parent
_BUNDLED = _PACKAGE_DIR / "_bundled"


def _locate(name: str) -> Path:
    """The checkout's folder when it exists (so edits show up without a reinstall), else the wheel's."""
    checkout = _REPO_ROOT / name
    if checkout.is_dir():
        return checkout
    return _BUNDLED / name


def seeds_dir() -> Path:
    """The seeds folder: gazetteer and the offline demo (found by the extractors, which need it first)."""
    return extractors_seeds_dir()


def config_dir() -> Path:
    """The config folder holding default.toml and demo.toml."""
    return _locate("config")


def demo_dir() -> Path:
    """The bundled offline demo (a feed and its article pages) served on loopback by `demo.serve`."""
    return seeds_dir() / "demo"
