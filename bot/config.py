"""Load the service's TOML configuration into frozen, validated dataclasses.

Why so strict: the service runs unattended, so a typo ("relativ_step") or a
wrong type must stop it at start with a message that names the file, the
dotted key and what was expected — not surface as a silent default or a
TypeError three hours later in a poll cycle. Unknown keys are therefore errors,
with the nearest valid key suggested.

Secrets never live here: the Telegram token is read on demand from the
environment or from a token file by `Config.telegram_token()`, and no field
holds it, so printing a Config cannot leak it.
"""

from __future__ import annotations

import difflib
import json
import math
import os
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, NoReturn
from urllib.parse import urlsplit

from bot.models import FeedSpec
from bot.resources import demo_dir
from extractors.report import METRICS

DEMO_SCHEME = "demo:"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
TOKEN_ENV = "TELEGRAM_BOT_TOKEN"
BASE_URL_ENV = "TELEGRAM_BASE_URL"


class ConfigError(ValueError):
    """A configuration problem, with a message meant for the person who edits the file."""


@dataclass(frozen=True, slots=True)
class MetricThresholds:
    """One integer per metric; indexable by metric name so alert code can write `floor[metric]`."""

    displaced: int
    killed: int
    injured: int
    strikes: int

    def __getitem__(self, metric: str) -> int:
        if metric not in METRICS:
            raise KeyError(metric)
        return int(getattr(self, metric))

    def as_dict(self) -> dict[str, int]:
        """The thresholds as a plain {metric: value} dict."""
        return {metric: self[metric] for metric in METRICS}


DEFAULT_FLOOR = MetricThresholds(displaced=1000, killed=10, injured=20, strikes=5)
DEFAULT_ABSOLUTE_STEP = MetricThresholds(displaced=1000, killed=5, injured=10, strikes=3)


@dataclass(frozen=True, slots=True)
class ServiceConfig:
    """[service]: where state lives and how often feeds are polled."""

    database: Path = Path("dwatch.db")  # relative paths resolve against the working directory
    poll_interval_minutes: float = 30.0
    max_entries_per_feed: int = 50
    log_level: str = "INFO"
    disable_after_hours: float = 72.0  # a feed failing for this long is disabled and the admins are told
    max_backoff_hours: float = 24.0  # a failing feed is retried at most this far apart
    per_host_concurrency: int = 2  # article pages fetched at once from one site


@dataclass(frozen=True, slots=True)
class HttpConfig:
    """[http]: limits that keep one slow or huge site from hurting a poll cycle."""

    timeout_seconds: float = 20.0
    max_feed_bytes: int = 5_000_000
    max_page_bytes: int = 5_000_000
    max_redirects: int = 5
    user_agent: str = "displacement-watch/0.1 (+https://github.com/displacement-watch)"
    concurrency: int = 8


@dataclass(frozen=True, slots=True)
class PlaceAlertRule:
    """[alerts.places."NAME"]: a place's own thresholds; what it leaves out comes from [alerts]."""

    floor: MetricThresholds | None = None
    relative_step: float | None = None
    absolute_step: MetricThresholds | None = None
    highest_in_days: int | None = None


@dataclass(frozen=True, slots=True)
class AlertsConfig:
    """[alerts]: the default alert rule, per-place overrides, and how news is told from repeats."""

    floor: MetricThresholds = DEFAULT_FLOOR
    relative_step: float = 0.2
    absolute_step: MetricThresholds = DEFAULT_ABSOLUTE_STEP
    highest_in_days: int = 0  # > 0: also alert when a figure is a place's highest in that many days
    corroboration_hours: float = 72.0  # the same figure from another outlet within this is corroboration
    tolerance: float = 0.02  # figures this close (relatively) are "the same figure"
    stale_days: float = 7.0  # older than the newest known article by this much: history, not news
    places: Mapping[str, PlaceAlertRule] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ChannelConfig:
    """[[telegram.channels]]: a channel or group that receives alerts without anyone typing commands."""

    chat_id: int
    places: tuple[str, ...] = ("*",)
    floor: MetricThresholds | None = None
    relative_step: float | None = None


@dataclass(frozen=True, slots=True)
class TelegramConfig:
    """[telegram]: where the Bot API is; the token itself is never stored here."""

    token_file: Path | None = None
    base_url: str = "https://api.telegram.org/bot"
    admin_chats: tuple[int, ...] = ()
    channels: tuple[ChannelConfig, ...] = ()
    allow_private_feeds: bool = False  # /addfeed may add feeds on private, loopback or link-local addresses


@dataclass(frozen=True, slots=True)
class DemoConfig:
    """[demo]: serve the bundled offline demo on loopback so the service works without internet."""

    serve: bool = False
    directory: Path | None = None


@dataclass(frozen=True, slots=True)
class Config:
    """The whole configuration; `path` is the file it came from (for messages)."""

    path: Path
    feeds: tuple[FeedSpec, ...]
    service: ServiceConfig = field(default_factory=ServiceConfig)
    http: HttpConfig = field(default_factory=HttpConfig)
    alerts: AlertsConfig = field(default_factory=AlertsConfig)
    telegram: TelegramConfig = field(default_factory=TelegramConfig)
    demo: DemoConfig = field(default_factory=DemoConfig)

    def telegram_token(self) -> str | None:
        """The bot token from env TELEGRAM_BOT_TOKEN, else from telegram.token_file, else None.

        Read on each call rather than at load so the token is never kept in a
        field (and so never printed with the config).
        """
        token = os.environ.get(TOKEN_ENV, "").strip()
        if token:
            return token
        token_file = self.telegram.token_file
        if token_file is None:
            return None
        try:
            token = token_file.read_text(encoding="utf-8").strip()
        except OSError as exc:
            reason = exc.strerror or type(exc).__name__
            raise ConfigError(
                f"{self.path}: telegram.token_file: cannot read {str(token_file)!r}: {reason}"
            ) from None
        return token or None

    def demo_directory(self) -> Path:
        """The demo folder to serve: demo.directory when set, else the bundled seeds/demo."""
        return self.demo.directory if self.demo.directory is not None else demo_dir()

    def feed_specs(self, demo_base_url: str | None = None) -> tuple[FeedSpec, ...]:
        """The feeds ready to fetch: "demo:/x" URLs get fetch_url = demo_base_url + "/x".

        The spec's url stays "demo:/x" so the feed keeps one identity in the
        store even though the demo server's port changes between runs.
        """
        specs = []
        for spec in self.feeds:
            if is_demo_url(spec.url):
                if demo_base_url is None:
                    raise ValueError(f"feed {spec.url!r} needs the demo server's base URL")
                spec = replace(spec, fetch_url=resolve_demo_url(spec.url, demo_base_url))
            specs.append(spec)
        return tuple(specs)


def is_demo_url(url: str) -> bool:
    """True for "demo:/path" URLs, which point into the bundled demo server."""
    return url.startswith(DEMO_SCHEME)


def resolve_demo_url(url: str, base_url: str) -> str:
    """Turn "demo:/feed.xml" into e.g. "http://127.0.0.1:8123/feed.xml"."""
    return base_url.rstrip("/") + url[len(DEMO_SCHEME) :]


def load_config(path: str | Path) -> Config:
    """Read, parse and validate a TOML config file; raise ConfigError on any problem."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"{path}: config file not found") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read config file: {exc.strerror or exc}") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text (byte {exc.start})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    return _Parser(str(path)).config(path, data, os.environ)


# --- validation -------------------------------------------------------------------------------


class _Invalid(Exception):
    """Raised by a value check; the parser turns it into a ConfigError naming file and key."""

    def __init__(self, expected: str) -> None:
        super().__init__(expected)
        self.expected = expected


def _show(value: Any) -> str:
    """A value as the user wrote it in TOML, short enough for one line."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        text = json.dumps(value, ensure_ascii=False, default=str)
        return text if len(text) <= 60 else "an array"
    return str(value)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _number(*, minimum: float, maximum: float | None = None) -> Callable[[Any], float]:
    """A finite number > minimum (or between minimum and maximum inclusive when maximum is given)."""
    if maximum is None:
        expected = f"a number greater than {minimum:g}"
    else:
        expected = f"a number between {minimum:g} and {maximum:g}"

    def check(value: Any) -> float:
        if not _is_number(value) or not math.isfinite(value):
            raise _Invalid(expected)
        if maximum is None and not value > minimum:
            raise _Invalid(expected)
        if maximum is not None and not minimum <= value <= maximum:
            raise _Invalid(expected)
        return float(value)

    return check


def _integer(*, minimum: int) -> Callable[[Any], int]:
    """A whole number >= minimum."""
    expected = "a positive whole number" if minimum == 1 else f"a whole number >= {minimum}"

    def check(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise _Invalid(expected)
        return value

    return check


def _text(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _Invalid("a non-empty string")
    return value.strip()


def _optional_path(value: Any) -> Path | None:
    if not isinstance(value, str):
        raise _Invalid('a path as a string ("" for none)')
    return Path(value) if value.strip() else None


def _path(value: Any) -> Path:
    if not isinstance(value, str) or not value.strip():
        raise _Invalid("a non-empty path string")
    return Path(value)


def _boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise _Invalid("true or false")
    return value


def _log_level(value: Any) -> str:
    if not isinstance(value, str) or value.strip().upper() not in LOG_LEVELS:
        raise _Invalid("one of " + ", ".join(LOG_LEVELS))
    return value.strip().upper()


def _http_url(value: Any) -> str:
    if not isinstance(value, str) or not _valid_http_url(value.strip()):
        raise _Invalid("an http(s) URL")
    return value.strip()


def _valid_http_url(url: str) -> bool:
    if any(ch.isspace() for ch in url):
        return False
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 -- raises ValueError on a bad port
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def _feed_url(value: Any) -> str:
    expected = 'an http(s) URL or "demo:/path"'
    if not isinstance(value, str):
        raise _Invalid(expected)
    url = value.strip()
    if is_demo_url(url):
        path = url[len(DEMO_SCHEME) :]
        if not path.startswith("/") or any(ch.isspace() for ch in path):
            raise _Invalid(expected)
        return url
    if not _valid_http_url(url):
        raise _Invalid(expected)
    return url


_Check = Callable[[Any], Any]

_SERVICE: dict[str, _Check] = {
    "database": _path,
    "poll_interval_minutes": _number(minimum=0),
    "max_entries_per_feed": _integer(minimum=1),
    "log_level": _log_level,
    "disable_after_hours": _number(minimum=1),
    "max_backoff_hours": _number(minimum=0.01),
    "per_host_concurrency": _integer(minimum=1),
}
_HTTP: dict[str, _Check] = {
    "timeout_seconds": _number(minimum=0),
    "max_feed_bytes": _integer(minimum=1),
    "max_page_bytes": _integer(minimum=1),
    "max_redirects": _integer(minimum=0),
    "user_agent": _text,
    "concurrency": _integer(minimum=1),
}
_TELEGRAM_KEYS = ("token_file", "base_url", "admin_chats", "channels", "allow_private_feeds")
_CHANNEL_KEYS = ("chat_id", "places", "floor", "relative_step")
_DEMO: dict[str, _Check] = {"serve": _boolean, "directory": _optional_path}
_ALERTS_KEYS = ("floor", "relative_step", "absolute_step", "highest_in_days", "corroboration_hours", "tolerance",
                "stale_days", "places")
_PLACE_RULE_KEYS = ("floor", "relative_step", "absolute_step", "highest_in_days")
_FEED_KEYS = ("name", "url", "interval_minutes")
_SECTIONS = ("service", "http", "alerts", "telegram", "demo", "feeds")


class _Parser:
    """Walks the parsed TOML, checking every key, and remembers the file name for messages."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, key: str, message: str) -> NoReturn:
        raise ConfigError(f"{self.source}: {key}: {message}")

    def invalid(self, key: str, expected: str, value: Any) -> NoReturn:
        self.fail(key, f"expected {expected}, got {_show(value)}")

    def check(self, key: str, value: Any, check: _Check) -> Any:
        try:
            return check(value)
        except _Invalid as exc:
            self.invalid(key, exc.expected, value)

    def reject_unknown(
        self, table: Mapping[str, Any], valid: tuple[str, ...], prefix: str, what: str
    ) -> None:
        """Unknown keys are errors: a typo must not fall back to a default silently."""
        for key in table:
            if key in valid:
                continue
            close = difflib.get_close_matches(key, valid, n=1, cutoff=0.6)
            hint = f' (did you mean "{close[0]}"?)' if close else ""
            self.fail(f"{prefix}{key}", f"unknown {what}{hint}; valid: {', '.join(valid)}")

    def table(self, data: Mapping[str, Any], name: str) -> dict[str, Any]:
        value = data.get(name, {})
        if not isinstance(value, dict):
            self.invalid(name, f"a table ([{name}])", value)
        return value

    def simple(self, data: Mapping[str, Any], name: str, checks: dict[str, _Check]) -> dict[str, Any]:
        """Validate a flat section whose keys map one-to-one onto dataclass fields."""
        table = self.table(data, name)
        self.reject_unknown(table, tuple(checks), f"{name}.", "key")
        return {key: self.check(f"{name}.{key}", value, checks[key]) for key, value in table.items()}

    def config(self, path: Path, data: dict[str, Any], environ: Mapping[str, str]) -> Config:
        self.reject_unknown(data, _SECTIONS, "", "section")
        service = ServiceConfig(**self.simple(data, "service", _SERVICE))
        http = HttpConfig(**self.simple(data, "http", _HTTP))
        alerts = self.alerts(data)
        telegram = self.telegram(data, environ)
        demo = DemoConfig(**self.simple(data, "demo", _DEMO))
        feeds = self.feeds(data, demo)
        return Config(
            path=path, feeds=feeds, service=service, http=http, alerts=alerts, telegram=telegram, demo=demo
        )

    def metrics(self, value: Any, key: str, defaults: MetricThresholds) -> MetricThresholds:
        """A {metric = whole number} table; missing metrics keep their defaults."""
        if not isinstance(value, dict):
            self.invalid(key, "a table like { displaced = 1000, killed = 10 }", value)
        self.reject_unknown(value, METRICS, f"{key}.", "metric")
        merged = defaults.as_dict()
        for metric, number in value.items():
            merged[metric] = self.check(f"{key}.{metric}", number, _integer(minimum=0))
        return MetricThresholds(**merged)

    def alerts(self, data: Mapping[str, Any]) -> AlertsConfig:
        table = self.table(data, "alerts")
        self.reject_unknown(table, _ALERTS_KEYS, "alerts.", "key")
        values: dict[str, Any] = {}
        if "floor" in table:
            values["floor"] = self.metrics(table["floor"], "alerts.floor", DEFAULT_FLOOR)
        if "absolute_step" in table:
            values["absolute_step"] = self.metrics(
                table["absolute_step"], "alerts.absolute_step", DEFAULT_ABSOLUTE_STEP
            )
        if "relative_step" in table:
            values["relative_step"] = self.check(
                "alerts.relative_step", table["relative_step"], _number(minimum=0, maximum=10)
            )
        if "highest_in_days" in table:
            values["highest_in_days"] = self.check(
                "alerts.highest_in_days", table["highest_in_days"], _integer(minimum=0))
        if "corroboration_hours" in table:
            values["corroboration_hours"] = self.check(
                "alerts.corroboration_hours", table["corroboration_hours"], _number(minimum=0, maximum=24 * 365))
        if "tolerance" in table:
            values["tolerance"] = self.check("alerts.tolerance", table["tolerance"], _number(minimum=0, maximum=0.5))
        if "stale_days" in table:
            values["stale_days"] = self.check("alerts.stale_days", table["stale_days"], _number(minimum=0))
        if "places" in table:
            values["places"] = self.place_rules(table["places"], values)
        return AlertsConfig(**values)

    def channels(self, value: Any) -> tuple[ChannelConfig, ...]:
        if not isinstance(value, list):
            self.invalid("telegram.channels", "[[telegram.channels]] tables with chat_id and places", value)
        channels = []
        for i, table in enumerate(value):
            key = f"telegram.channels[{i}]"
            if not isinstance(table, dict):
                self.invalid(key, "a table with chat_id and places", table)
            self.reject_unknown(table, _CHANNEL_KEYS, f"{key}.", "key")
            if "chat_id" not in table:
                self.fail(f"{key}.chat_id", "missing: the numeric id of the channel or group (e.g. -1001234567890)")
            channel: dict[str, Any] = {"chat_id": self.check(f"{key}.chat_id", table["chat_id"], _chat_id)}
            if "places" in table:
                places = table["places"]
                if not isinstance(places, list) or not places or not all(
                        isinstance(p, str) and p.strip() for p in places):
                    self.invalid(f"{key}.places", 'a non-empty array of place names, or ["*"] for every place', places)
                channel["places"] = tuple(p.strip() for p in places)
            if "floor" in table:
                channel["floor"] = self.metrics(table["floor"], f"{key}.floor", DEFAULT_FLOOR)
            if "relative_step" in table:
                channel["relative_step"] = self.check(f"{key}.relative_step", table["relative_step"],
                                                      _number(minimum=0, maximum=10))
            channels.append(ChannelConfig(**channel))
        return tuple(channels)

    def place_rules(self, value: Any, defaults: Mapping[str, Any]) -> dict[str, PlaceAlertRule]:
        """[alerts.places."Idlib Governorate"] tables: a place's own thresholds."""
        if not isinstance(value, dict):
            self.invalid("alerts.places", 'tables like [alerts.places."Idlib Governorate"]', value)
        rules: dict[str, PlaceAlertRule] = {}
        for name, table in value.items():
            key = f'alerts.places."{name}"'
            if not isinstance(table, dict):
                self.invalid(key, "a table of floor, relative_step, absolute_step, highest_in_days", table)
            self.reject_unknown(table, _PLACE_RULE_KEYS, f"{key}.", "key")
            rule: dict[str, Any] = {}
            if "floor" in table:
                rule["floor"] = self.metrics(table["floor"], f"{key}.floor", defaults.get("floor", DEFAULT_FLOOR))
            if "absolute_step" in table:
                rule["absolute_step"] = self.metrics(table["absolute_step"], f"{key}.absolute_step",
                                                     defaults.get("absolute_step", DEFAULT_ABSOLUTE_STEP))
            if "relative_step" in table:
                rule["relative_step"] = self.check(f"{key}.relative_step", table["relative_step"],
                                                   _number(minimum=0, maximum=10))
            if "highest_in_days" in table:
                rule["highest_in_days"] = self.check(f"{key}.highest_in_days", table["highest_in_days"],
                                                     _integer(minimum=0))
            rules[name] = PlaceAlertRule(**rule)
        return rules

    def telegram(self, data: Mapping[str, Any], environ: Mapping[str, str]) -> TelegramConfig:
        table = self.table(data, "telegram")
        self.reject_unknown(table, _TELEGRAM_KEYS, "telegram.", "key")
        values: dict[str, Any] = {}
        if "token_file" in table:
            values["token_file"] = self.check("telegram.token_file", table["token_file"], _optional_path)
        if "base_url" in table:
            values["base_url"] = self.check("telegram.base_url", table["base_url"], _http_url)
        if "admin_chats" in table:
            chats = table["admin_chats"]
            if not isinstance(chats, list):
                self.invalid("telegram.admin_chats", "an array of chat ids (whole numbers)", chats)
            values["admin_chats"] = tuple(
                self.check(f"telegram.admin_chats[{i}]", chat, _chat_id) for i, chat in enumerate(chats)
            )
        if "allow_private_feeds" in table:
            values["allow_private_feeds"] = self.check("telegram.allow_private_feeds", table["allow_private_feeds"],
                                                       _boolean)
        if "channels" in table:
            values["channels"] = self.channels(table["channels"])
        override = environ.get(BASE_URL_ENV, "").strip()
        if override:
            if not _valid_http_url(override):
                raise ConfigError(
                    f"{BASE_URL_ENV} (environment): expected an http(s) URL, got {_show(override)}"
                )
            values["base_url"] = override
        return TelegramConfig(**values)

    def feeds(self, data: Mapping[str, Any], demo: DemoConfig) -> tuple[FeedSpec, ...]:
        items = data.get("feeds")
        if items is None or items == []:
            self.fail("feeds", "expected at least one [[feeds]] table with a url, got none")
        if not isinstance(items, list):
            self.invalid("feeds", "an array of tables ([[feeds]])", items)
        specs: list[FeedSpec] = []
        first_index: dict[str, int] = {}
        for index, item in enumerate(items):
            prefix = f"feeds[{index}]"
            if not isinstance(item, dict):
                self.invalid(prefix, "a table ([[feeds]])", item)
            self.reject_unknown(item, _FEED_KEYS, f"{prefix}.", "key")
            if "url" not in item:
                self.fail(f"{prefix}.url", 'required: an http(s) URL or "demo:/path"')
            url = self.check(f"{prefix}.url", item["url"], _feed_url)
            if url in first_index:
                self.fail(f"{prefix}.url", f"duplicate of feeds[{first_index[url]}].url ({url})")
            if is_demo_url(url) and not demo.serve:
                self.fail(f"{prefix}.url", '"demo:" URLs need demo.serve = true')
            first_index[url] = index
            name = self.check(f"{prefix}.name", item["name"], _text) if "name" in item else url
            interval = None
            if "interval_minutes" in item:
                interval = self.check(
                    f"{prefix}.interval_minutes", item["interval_minutes"], _number(minimum=0)
                )
            specs.append(FeedSpec(url=url, name=name, interval_minutes=interval))
        return tuple(specs)


def _chat_id(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _Invalid("a chat id (whole number)")
    return value
