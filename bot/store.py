"""The SQLite store: the one module that writes SQL.

Why one module: every table, column and migration is visible in one place, so
a schema change cannot be scattered over the code base, and other modules deal
in dataclasses (FeedFetch, FeedEntry, Article, Report) instead of rows.

The database is a single file in WAL mode (readers such as Datasette can browse
it while the service writes), opened by one service process. The schema is
migrated forward on open: `schema_migrations` records which numbered migrations
ran, and each migration runs in its own transaction, so a crash mid-migration
leaves the previous version intact. Every table and column is documented in
TABLE_DOCS / COLUMN_DOCS, copied into the `_docs` table and into comments in
the CREATE TABLE statements, for people exploring the file.

Datetimes are stored as ISO-8601 UTC strings ("2024-05-01T12:00:00+00:00"),
dates as "YYYY-MM-DD"; both sort correctly as text.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import re
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlite_utils

from bot.alerts import Alert, Corroboration, StoredReport
from bot.models import Article, FeedEntry, FeedFetch, FeedValidators
from extractors.gazetteer import Place
from extractors.report import Report

BUSY_TIMEOUT_MS = 5000
FEED_OK_STATUSES = ("ok", "not_modified", "unchanged")


# --- schema -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Column:
    """A column with its SQL declaration and a one-line explanation for humans."""

    name: str
    decl: str
    doc: str


@dataclass(frozen=True, slots=True)
class Table:
    """A table definition; create_sql() puts each column's doc beside it as an SQL comment."""

    name: str
    doc: str
    columns: tuple[Column, ...]
    constraints: tuple[str, ...] = ()

    def create_sql(self) -> str:
        items = [(f"{c.name} {c.decl}", c.doc) for c in self.columns] + [(c, "") for c in self.constraints]
        lines = []
        for index, (sql, doc) in enumerate(items):
            comma = "," if index < len(items) - 1 else ""
            lines.append(f"    {sql}{comma}" + (f"  -- {doc}" if doc else ""))
        return f"-- {self.doc}\nCREATE TABLE {self.name} (\n" + "\n".join(lines) + "\n)"


def _c(name: str, decl: str, doc: str) -> Column:
    return Column(name, decl, doc)


_V1_TABLES: tuple[Table, ...] = (
    Table(
        "feeds",
        "One row per configured feed: what the last poll returned and the validators for the next one.",
        (
            _c("url", "TEXT PRIMARY KEY", "Feed URL as configured (demo:/… for the bundled demo)"),
            _c("name", "TEXT", "Name given in the config"),
            _c("title", "TEXT", "Title the feed gives itself"),
            _c("etag", "TEXT", "ETag of the last good response, sent back as If-None-Match"),
            _c("last_modified", "TEXT", "Last-Modified of the last good response, sent as If-Modified-Since"),
            _c("body_hash", "TEXT", "sha256 of the last body: the same bytes again means nothing changed"),
            _c("last_status", "TEXT", "ok, not_modified (304), unchanged (same body) or error"),
            _c("last_error", "TEXT", "Why the last poll failed (NULL after a success)"),
            _c("last_warning", "TEXT", "Problem in the last parsed body that did not stop parsing"),
            _c("http_status", "INTEGER", "HTTP status code of the last poll"),
            _c("last_checked", "TEXT", "When the feed was last polled (UTC)"),
            _c("last_success", "TEXT", "When a poll last succeeded (UTC)"),
            _c(
                "consecutive_errors", "INTEGER NOT NULL DEFAULT 0", "Failed polls in a row; 0 after a success"
            ),
        ),
    ),
    Table(
        "entries",
        "Every feed item ever seen, so each is processed once, and again after a crash if unfinished.",
        (
            _c("feed_url", "TEXT NOT NULL", "Feed the item came from (feeds.url)"),
            _c("key", "TEXT NOT NULL", "Stable item key: guid, else link, else sha1 of title+date"),
            _c("link", "TEXT", "Link to the article"),
            _c("title", "TEXT", "Item title"),
            _c("summary", "TEXT", "Item summary as plain text (the fallback when the page fails)"),
            _c("published", "TEXT", "Publication time given by the feed (UTC)"),
            _c("first_seen", "TEXT", "When the service first saw the item (UTC)"),
            _c("processed", "INTEGER NOT NULL DEFAULT 0", "1 once article, reports and alerts are stored"),
        ),
        ("PRIMARY KEY (feed_url, key)",),
    ),
    Table(
        "articles",
        "The cleaned text of each processed entry, as given to the extractors.",
        (
            _c("id", "INTEGER PRIMARY KEY AUTOINCREMENT", "Article id"),
            _c("feed_url", "TEXT NOT NULL", "Feed the entry came from"),
            _c("entry_key", "TEXT NOT NULL", "entries.key of the entry"),
            _c("url", "TEXT", "Page URL after redirects"),
            _c("title", "TEXT", "Headline"),
            _c("published", "TEXT", "Publication time: the feed's, else the page's date (UTC)"),
            _c("site_name", "TEXT", "Site name found in the page metadata"),
            _c("text_source", "TEXT", "page (fetched and cleaned) or summary (feed title+summary)"),
            _c("fetch_error", "TEXT", "Why the page was not used, when text_source is summary"),
            _c("text", "TEXT", "Plain text the extractors read"),
            _c("content_hash", "TEXT", "sha256 of the whitespace-normalised text: spots syndicated copies"),
            _c("fetched_at", "TEXT", "When the article was fetched (UTC)"),
        ),
        ("UNIQUE (feed_url, entry_key)",),
    ),
    Table(
        "reports",
        "Figures found by the extractors: one row per displacement, casualty or strike figure.",
        (
            _c("id", "INTEGER PRIMARY KEY", "Report id"),
            _c("article_id", "INTEGER REFERENCES articles(id) ON DELETE CASCADE", "Article it was found in"),
            _c("metric", "TEXT NOT NULL", "displaced, killed, injured or strikes"),
            _c("value", "INTEGER NOT NULL", "The figure (high end of a range; order of magnitude if vague)"),
            _c("unit", "TEXT", "people, families, households, communities …"),
            _c("qualifier", "TEXT", "at least, more than, up to, some …"),
            _c("vague", "INTEGER NOT NULL DEFAULT 0", "1 for amounts like 'tens of thousands'"),
            _c("low", "INTEGER", "Low end of a range"),
            _c("high", "INTEGER", "High end of a range"),
            _c("status", "TEXT", "new, projected, returned or stock"),
            _c("increment", "INTEGER NOT NULL DEFAULT 0", "1 when the figure is an addition ('another 500')"),
            _c("place", "TEXT", "Canonical gazetteer name"),
            _c("place_text", "TEXT", "The place as written in the article"),
            _c("country", "TEXT", "Country of the place"),
            _c("period_start", "TEXT", "Start of the period the figure covers (date)"),
            _c("period_end", "TEXT", "End of the period the figure covers (date)"),
            _c("period_kind", "TEXT", "window, cumulative or day: only like periods are compared"),
            _c("period_text", "TEXT", "The period as written ('over the past two weeks')"),
            _c("source", "TEXT", "Who the figure is attributed to ('UN OCHA')"),
            _c("quote", "TEXT", "The sentence the figure came from"),
            _c("span_start", "INTEGER", "Offset of the figure in articles.text"),
            _c("span_end", "INTEGER", "End offset of the figure in articles.text"),
            _c("extras", "TEXT", "Extra extractor details as JSON"),
            _c("outlet", "TEXT", "Outlet that published the article"),
            _c("link", "TEXT", "Link to the article"),
            _c("published", "TEXT", "Publication time of the article (UTC)"),
            _c("created_at", "TEXT", "When the report was stored (UTC)"),
        ),
    ),
    Table(
        "places",
        "Places added by users, on top of the bundled gazetteer.",
        (
            _c("name", "TEXT PRIMARY KEY", "Canonical name"),
            _c("country", "TEXT", "Country"),
            _c("parent", "TEXT", "Enclosing place (governorate, district …)"),
            _c("kind", "TEXT", "city, town, camp, region …"),
            _c("aliases", "TEXT", "Other spellings, as a JSON array"),
            _c("latitude", "REAL", "Latitude (WGS84)"),
            _c("longitude", "REAL", "Longitude (WGS84)"),
            _c("added_at", "TEXT", "When it was added (UTC)"),
        ),
    ),
    Table(
        "baselines",
        "What the service currently believes for each (place, metric): new reports are compared with it.",
        (
            _c("place", "TEXT NOT NULL", "Canonical place name"),
            _c("metric", "TEXT NOT NULL", "displaced, killed, injured or strikes"),
            _c("value", "INTEGER NOT NULL", "Latest credible figure"),
            _c("qualifier", "TEXT", "Its qualifier (at least, more than …)"),
            _c("report_id", "INTEGER", "Report it came from (NULL for seeded baselines)"),
            _c("published", "TEXT", "When it was published (UTC)"),
            _c("source", "TEXT", "Who it was attributed to"),
            _c("outlet", "TEXT", "Outlet that reported it"),
            _c("period_kind", "TEXT", "window, cumulative or day"),
            _c("period_start", "TEXT", "Start of its period (date)"),
            _c("period_end", "TEXT", "End of its period (date)"),
            _c("updated_at", "TEXT", "When the baseline last changed (UTC)"),
        ),
        ("PRIMARY KEY (place, metric)",),
    ),
    Table(
        "alerts",
        "Alerts decided by the alert engine; one per distinct news, however many outlets carried it.",
        (
            _c("id", "INTEGER PRIMARY KEY", "Alert id"),
            _c("fingerprint", "TEXT NOT NULL UNIQUE", "Identity of the news (place, metric, value, period)"),
            _c("report_id", "INTEGER", "Report that triggered it"),
            _c("place", "TEXT", "Place"),
            _c("metric", "TEXT", "Metric"),
            _c("value", "INTEGER", "New figure"),
            _c("previous_value", "INTEGER", "Baseline it was compared with"),
            _c("previous_published", "TEXT", "When the baseline was published (UTC)"),
            _c("previous_source", "TEXT", "Who the baseline was attributed to"),
            _c("kind", "TEXT", "Why it alerted (first figure, increase …)"),
            _c("level", "TEXT", "Importance"),
            _c("message", "TEXT", "Text sent to subscribers"),
            _c("link", "TEXT", "Article link"),
            _c("outlet", "TEXT", "Outlet"),
            _c("created_at", "TEXT", "When it was decided (UTC)"),
        ),
    ),
    Table(
        "outbox",
        "One row per alert per recipient, written before sending: nothing is lost in a crash.",
        (
            _c("id", "INTEGER PRIMARY KEY", "Outbox id"),
            _c("alert_id", "INTEGER NOT NULL REFERENCES alerts(id)", "Alert to deliver"),
            _c("recipient", "TEXT NOT NULL", "Chat id, or 'console'"),
            _c(
                "status",
                "TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'dead'))",
                "pending, sent, or dead (gave up)",
            ),
            _c("attempts", "INTEGER NOT NULL DEFAULT 0", "Delivery attempts so far"),
            _c("last_error", "TEXT", "Why the last attempt failed"),
            _c("created_at", "TEXT", "When it was queued (UTC)"),
            _c("sent_at", "TEXT", "When it was delivered (UTC)"),
        ),
        ("UNIQUE (alert_id, recipient)",),
    ),
)

_V1_INDEXES = (
    "CREATE INDEX idx_reports_place_metric ON reports (place, metric)",
    "CREATE INDEX idx_reports_article ON reports (article_id)",
    "CREATE INDEX idx_entries_unprocessed ON entries (feed_url, processed)",
    "CREATE INDEX idx_outbox_status ON outbox (status)",
)

_DOCS_TABLE = Table(
    "_docs",
    "What each table and column means (column '' is the table itself).",
    (
        _c("table_name", "TEXT NOT NULL", "Table"),
        _c("column_name", "TEXT NOT NULL", "Column, or '' for the table"),
        _c("doc", "TEXT NOT NULL", "Explanation"),
    ),
    ("PRIMARY KEY (table_name, column_name)",),
)

_SCHEMA_MIGRATIONS = Table(
    "schema_migrations",
    "Which numbered schema migrations have been applied to this file.",
    (
        _c("version", "INTEGER PRIMARY KEY", "Migration number"),
        _c("description", "TEXT", "What it did"),
        _c("applied_at", "TEXT", "When it ran (UTC)"),
    ),
)

_ALL_TABLES = (*_V1_TABLES, _DOCS_TABLE, _SCHEMA_MIGRATIONS)
TABLE_DOCS: dict[str, str] = {t.name: t.doc for t in _ALL_TABLES}
COLUMN_DOCS: dict[str, dict[str, str]] = {t.name: {c.name: c.doc for c in t.columns} for t in _ALL_TABLES}


def _migration_v1(conn: sqlite3.Connection) -> None:
    """Create the initial tables, their indexes and the _docs table."""
    for table in (*_V1_TABLES, _DOCS_TABLE):
        conn.execute(table.create_sql())
    for index in _V1_INDEXES:
        conn.execute(index)


def _migration_v2(conn: sqlite3.Connection) -> None:
    """Give user places a gazetteer id, so the hierarchy (town → province → country) reaches them."""
    conn.execute("ALTER TABLE places ADD COLUMN place_id TEXT")
    conn.execute("CREATE UNIQUE INDEX idx_places_place_id ON places (place_id)")


COLUMN_DOCS_V2 = {"places": {"place_id": "Gazetteer id of the place (user:…); parent holds the parent's id"}}


def _migration_v3(conn: sqlite3.Connection) -> None:
    """Corroboration and wire copies: which alert a report belongs to, and which article another copies."""
    conn.execute("ALTER TABLE articles ADD COLUMN sketch TEXT")
    conn.execute("ALTER TABLE articles ADD COLUMN wire_of INTEGER")
    conn.execute("ALTER TABLE reports ADD COLUMN alert_id INTEGER")
    conn.execute("ALTER TABLE reports ADD COLUMN evaluation TEXT")
    conn.execute("ALTER TABLE alerts ADD COLUMN previous_report_id INTEGER")
    conn.execute("ALTER TABLE alerts ADD COLUMN note TEXT")
    conn.execute("ALTER TABLE alerts ADD COLUMN corroborations TEXT")
    conn.execute("CREATE INDEX idx_articles_published ON articles (published)")


COLUMN_DOCS_V3 = {
    "articles": {"sketch": "Bottom-k hashes of the text's word 5-grams (spots copies of one wire story)",
                 "wire_of": "Earlier article this one copies (same wire story), if any"},
    "reports": {"alert_id": "Alert this report made, corroborated or disputed",
                "evaluation": "What the alert engine made of it: first, rise, corroboration, late …"},
    "alerts": {"previous_report_id": "Report it was compared with",
               "note": "Caveat said in the alert (e.g. an earlier figure for another period)",
               "corroborations": "Other outlets that gave the same or a lower figure, as JSON"},
}


def _migration_v4(conn: sqlite3.Connection) -> None:
    """Subscribers on Telegram: who follows which places, with which thresholds; feeds added from chat."""
    conn.execute("ALTER TABLE reports ADD COLUMN place_id TEXT")
    conn.execute("UPDATE reports SET place_id = json_extract(extras, '$.place_id') WHERE extras IS NOT NULL")
    conn.execute("CREATE INDEX idx_reports_place_id ON reports (place_id, metric)")
    conn.execute("ALTER TABLE outbox ADD COLUMN telegram_message_id INTEGER")
    conn.execute("ALTER TABLE outbox ADD COLUMN next_attempt_at TEXT")
    conn.execute("ALTER TABLE feeds ADD COLUMN origin TEXT NOT NULL DEFAULT 'config'")
    conn.execute("ALTER TABLE feeds ADD COLUMN added_by INTEGER")
    for table in _V4_TABLES:
        conn.execute(table.create_sql())
    conn.execute("CREATE INDEX idx_watches_place ON watches (place_id)")


_V4_TABLES: tuple[Table, ...] = (
    Table(
        "subscribers",
        "Telegram chats (people, groups, channels) that receive alerts.",
        (
            _c("chat_id", "INTEGER PRIMARY KEY", "Telegram chat id"),
            _c("kind", "TEXT", "private, group, supergroup or channel"),
            _c("title", "TEXT", "Name of the person or title of the group"),
            _c("active", "INTEGER NOT NULL DEFAULT 1", "0 after /stop or when the bot was blocked"),
            _c("muted_until", "TEXT", "No alerts until this time (UTC)"),
            _c("from_config", "INTEGER NOT NULL DEFAULT 0", "1 for channels declared in the config"),
            _c("inactive_reason", "TEXT", "Why it stopped receiving (stopped, blocked …)"),
            _c("created_at", "TEXT", "When it subscribed (UTC)"),
            _c("updated_at", "TEXT", "Last change (UTC)"),
        ),
    ),
    Table(
        "watches",
        "Which places each subscriber follows (a province or country includes its towns).",
        (
            _c("chat_id", "INTEGER NOT NULL", "Subscriber"),
            _c("place_id", "TEXT NOT NULL", "Gazetteer id of the place, or * for every place"),
            _c("place_name", "TEXT NOT NULL", "Its name, for messages"),
            _c("metric", "TEXT NOT NULL DEFAULT '*'", "displaced, killed, injured, strikes, or * for all"),
            _c("created_at", "TEXT", "When it was added (UTC)"),
        ),
        ("PRIMARY KEY (chat_id, place_id, metric)",),
    ),
    Table(
        "subscriber_rules",
        "A subscriber's own thresholds, for every place (*) or one place and the towns inside it.",
        (
            _c("chat_id", "INTEGER NOT NULL", "Subscriber"),
            _c("scope", "TEXT NOT NULL", "Gazetteer id of a place, or * for all places"),
            _c("metric", "TEXT NOT NULL", "displaced, killed, injured or strikes"),
            _c("floor", "INTEGER", "First figure alerts at or above this"),
            _c("relative_step", "REAL", "A rise must be at least this fraction"),
        ),
        ("PRIMARY KEY (chat_id, scope, metric)",),
    ),
)
COLUMN_DOCS_V4 = {
    "reports": {"place_id": "Gazetteer id of the place"},
    "outbox": {"telegram_message_id": "Message id Telegram gave the sent alert (to edit it later)",
               "next_attempt_at": "After a failure, not retried before this time (UTC): exponential backoff"},
    "feeds": {"origin": "config, or chat when an admin added it with /addfeed",
              "added_by": "Admin chat that added it"},
}


def _migration_v5(conn: sqlite3.Connection) -> None:
    """Feed health (backoff, disabling) and the service's own state (the last cycle)."""
    conn.execute("ALTER TABLE feeds ADD COLUMN next_poll_at TEXT")
    conn.execute("ALTER TABLE feeds ADD COLUMN failing_since TEXT")
    conn.execute("ALTER TABLE feeds ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0")
    conn.execute("ALTER TABLE feeds ADD COLUMN disabled_reason TEXT")
    conn.execute(_SERVICE_STATE.create_sql())


_SERVICE_STATE = Table(
    "service_state",
    "Small facts the service keeps about itself (the last cycle, for `dwatch status`).",
    (
        _c("key", "TEXT PRIMARY KEY", "What it is"),
        _c("value", "TEXT", "Its value, as JSON"),
        _c("updated_at", "TEXT", "When it was written (UTC)"),
    ),
)
COLUMN_DOCS_V5 = {
    "feeds": {"next_poll_at": "Not polled before this (backoff after errors, Retry-After, Cache-Control)",
              "failing_since": "When the current run of errors began",
              "disabled": "1 when the feed failed for too long; it is no longer polled",
              "disabled_reason": "Why it was disabled"},
}


def _migration_v6(conn: sqlite3.Connection) -> None:
    """Daily digests: when each subscriber wants one, and what the last one covered."""
    conn.execute("ALTER TABLE subscribers ADD COLUMN digest_time TEXT")
    conn.execute("ALTER TABLE subscribers ADD COLUMN digest_tz TEXT")
    conn.execute("ALTER TABLE subscribers ADD COLUMN digest_last_day TEXT")
    conn.execute("ALTER TABLE subscribers ADD COLUMN digest_covered_until TEXT")


COLUMN_DOCS_V6 = {
    "subscribers": {"digest_time": "Local time of the daily digest (HH:MM), or NULL for none",
                    "digest_tz": "Time zone of digest_time (IANA name, e.g. Europe/Istanbul)",
                    "digest_last_day": "Local day the digest was last considered (sent or nothing changed)",
                    "digest_covered_until": "Reports stored before this time were in an earlier digest (UTC)"},
}


def _migration_v7(conn: sqlite3.Connection) -> None:
    """Index for finding copies of a wire story without comparing every recent article."""
    conn.execute(_WIRE_HASHES.create_sql())
    conn.execute("CREATE INDEX idx_wire_hashes ON wire_hashes (hash)")
    conn.execute("CREATE INDEX idx_reports_published ON reports (published)")


_WIRE_HASHES = Table(
    "wire_hashes",
    "The few smallest text hashes of each article: articles sharing one are candidates for the same wire story.",
    (
        _c("hash", "INTEGER NOT NULL", "One of the article's smallest word 5-gram hashes (signed 64-bit)"),
        _c("article_id", "INTEGER NOT NULL", "Article"),
        _c("published", "TEXT", "Its publication time (UTC), to look only near a date"),
    ),
)


# Append only: version N is MIGRATIONS[N-1]. A later version adds columns or tables
# (ALTER TABLE …) and their docs to TABLE_DOCS / COLUMN_DOCS; never edit a released one.
MIGRATIONS: tuple[tuple[str, Callable[[sqlite3.Connection], None]], ...] = (
    ("initial schema", _migration_v1),
    ("places.place_id", _migration_v2),
    ("corroboration and wire copies", _migration_v3),
    ("subscribers, watches and their thresholds", _migration_v4),
    ("feed health and service state", _migration_v5),
    ("daily digests", _migration_v6),
    ("wire story index", _migration_v7),
)
for _table_def in (*_V4_TABLES, _SERVICE_STATE, _WIRE_HASHES):
    TABLE_DOCS[_table_def.name] = _table_def.doc
    COLUMN_DOCS[_table_def.name] = {c.name: c.doc for c in _table_def.columns}
for _docs in (COLUMN_DOCS_V2, COLUMN_DOCS_V3, COLUMN_DOCS_V4, COLUMN_DOCS_V5, COLUMN_DOCS_V6):
    for _table, _columns in _docs.items():
        COLUMN_DOCS[_table].update(_columns)


# --- conversions ----------------------------------------------------------------------------------


def _now() -> datetime:
    return datetime.now(UTC)


def to_iso(value: datetime | None) -> str | None:
    """An ISO-8601 UTC string; naive datetimes are taken to be UTC already."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat(timespec="seconds")


def from_iso(value: str | None) -> datetime | None:
    """The inverse of to_iso (always timezone-aware)."""
    if not value:
        return None
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _date_iso(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def text_hash(text: str) -> str:
    """sha256 of the text with whitespace collapsed, so reflowed copies of one story match."""
    normalised = re.sub(r"\s+", " ", text).strip()
    return hashlib.sha256(normalised.encode("utf-8")).hexdigest()


# --- the store ------------------------------------------------------------------------------------


class Store:
    """The service's SQLite database. Open one per process; not shared between threads."""

    def __init__(self, path: str | Path) -> None:
        self.path = path
        self.db = sqlite_utils.Database(path)
        self.conn = self.db.conn
        self._savepoints = itertools.count(1)
        # busy_timeout first: switching to WAL needs a lock another reader may hold briefly.
        self.conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS:d}")
        self.db.enable_wal()
        self.conn.execute("PRAGMA synchronous = NORMAL")  # safe with WAL, far fewer fsyncs
        self.conn.execute("PRAGMA foreign_keys = ON")
        try:
            self.migrate()
        except BaseException:
            self.db.close()  # a failed migration must not leave a half-open handle behind
            raise

    def close(self) -> None:
        """Close the connection (a checkpoint folds the WAL back into the file)."""
        self.db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[Store]:
        """Group writes so they land together or not at all.

        BEGIN IMMEDIATE takes the write lock up front (no lock-upgrade
        deadlock under WAL) and makes DDL transactional too, which Python's
        implicit transactions (`with conn:`) do not. Nested calls become
        savepoints, so store methods can be combined in a caller's transaction.
        """
        conn = self.conn
        if conn.in_transaction:
            name = f"dwatch_sp_{next(self._savepoints)}"
            conn.execute(f"SAVEPOINT {name}")
            try:
                yield self
            except BaseException:
                if conn.in_transaction:
                    conn.execute(f"ROLLBACK TO SAVEPOINT {name}")
                    conn.execute(f"RELEASE SAVEPOINT {name}")
                raise
            conn.execute(f"RELEASE SAVEPOINT {name}")
            return
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield self
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    # --- schema ---

    def schema_version(self) -> int:
        """Highest migration applied to this file (0 for a new file)."""
        row = self.conn.execute("SELECT MAX(version) FROM schema_migrations").fetchone()
        return int(row[0] or 0)

    def migrate(self) -> list[int]:
        """Apply the migrations this file has not seen yet, each in its own transaction; return them."""
        with self.transaction():
            self.conn.execute(
                _SCHEMA_MIGRATIONS.create_sql().replace("CREATE TABLE", "CREATE TABLE IF NOT EXISTS")
            )
        applied: list[int] = []
        for version, (description, migration) in enumerate(MIGRATIONS, start=1):
            with self.transaction():
                # Re-checked inside the write lock, in case another process migrated meanwhile.
                done = self.conn.execute("SELECT 1 FROM schema_migrations WHERE version = ?", (version,))
                if done.fetchone():
                    continue
                migration(self.conn)
                self.conn.execute(
                    "INSERT INTO schema_migrations (version, description, applied_at) VALUES (?, ?, ?)",
                    (version, description, to_iso(_now())),
                )
            applied.append(version)
        self._sync_docs()
        return applied

    def _sync_docs(self) -> None:
        """Keep the _docs table equal to TABLE_DOCS/COLUMN_DOCS (writes only when they differ)."""
        wanted = {(table, ""): doc for table, doc in TABLE_DOCS.items()}
        for table, columns in COLUMN_DOCS.items():
            wanted.update({(table, column): doc for column, doc in columns.items()})
        rows = self.conn.execute("SELECT table_name, column_name, doc FROM _docs").fetchall()
        if {(t, c): d for t, c, d in rows} == wanted:
            return
        with self.transaction():
            self.conn.execute("DELETE FROM _docs")
            self.conn.executemany(
                "INSERT INTO _docs (table_name, column_name, doc) VALUES (?, ?, ?)",
                [(t, c, d) for (t, c), d in sorted(wanted.items())],
            )

    # --- feeds ---

    def feed_validators(self, url: str) -> FeedValidators:
        """What the last good fetch of this feed returned, for a conditional GET (empty if never)."""
        row = self.conn.execute(
            "SELECT etag, last_modified, body_hash FROM feeds WHERE url = ?", (url,)
        ).fetchone()
        if row is None:
            return FeedValidators()
        return FeedValidators(etag=row[0], last_modified=row[1], body_hash=row[2])

    def record_feed_result(self, fetch: FeedFetch, checked_at: datetime | None = None) -> None:
        """Store the outcome of one poll.

        A success (ok / not_modified / unchanged) resets consecutive_errors and
        stores the new validators; an error counts up and keeps the old
        validators, so the next poll is still conditional.
        """
        checked = to_iso(checked_at or _now())
        spec, v = fetch.feed, fetch.validators
        with self.transaction():
            self.conn.execute(
                """INSERT INTO feeds (url, name) VALUES (?, ?)
                   ON CONFLICT (url) DO UPDATE SET name = excluded.name""",
                (spec.url, spec.name),
            )
            if fetch.status == "error":
                self.conn.execute(
                    """UPDATE feeds SET last_status = 'error', last_error = ?, http_status = ?,
                       last_checked = ?, consecutive_errors = consecutive_errors + 1 WHERE url = ?""",
                    (fetch.error or "unknown error", fetch.http_status, checked, spec.url),
                )
            elif fetch.status == "ok":
                self.conn.execute(
                    """UPDATE feeds SET title = COALESCE(?, title), etag = ?, last_modified = ?,
                       body_hash = ?, last_status = 'ok', last_error = NULL, last_warning = ?,
                       http_status = ?, last_checked = ?, last_success = ?, consecutive_errors = 0
                       WHERE url = ?""",
                    (
                        fetch.title,
                        v.etag,
                        v.last_modified,
                        v.body_hash,
                        fetch.warning,
                        fetch.http_status,
                        checked,
                        checked,
                        spec.url,
                    ),
                )
            elif fetch.status in FEED_OK_STATUSES:
                self.conn.execute(
                    """UPDATE feeds SET etag = COALESCE(?, etag), last_modified = COALESCE(?, last_modified),
                       body_hash = COALESCE(?, body_hash), last_status = ?, last_error = NULL,
                       http_status = ?, last_checked = ?, last_success = ?, consecutive_errors = 0
                       WHERE url = ?""",
                    (
                        v.etag,
                        v.last_modified,
                        v.body_hash,
                        fetch.status,
                        fetch.http_status,
                        checked,
                        checked,
                        spec.url,
                    ),
                )
            else:
                raise ValueError(f"unknown feed status {fetch.status!r}")

    def feed_statuses(self) -> list[dict[str, Any]]:
        """One dict per feed (all feeds columns), for `dwatch status` and admin messages."""
        cursor = self.conn.execute("SELECT * FROM feeds ORDER BY name, url")
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor]

    # --- entries ---

    def new_entries(
        self, feed_url: str, entries: Iterable[FeedEntry], seen_at: datetime | None = None
    ) -> list[FeedEntry]:
        """The entries whose key this feed never had, recorded as unprocessed, in feed order."""
        seen = to_iso(seen_at or _now())
        new: list[FeedEntry] = []
        with self.transaction():
            for entry in entries:
                cursor = self.conn.execute(
                    """INSERT INTO entries
                           (feed_url, key, link, title, summary, published, first_seen, processed)
                       VALUES (?, ?, ?, ?, ?, ?, ?, 0) ON CONFLICT (feed_url, key) DO NOTHING""",
                    (
                        feed_url,
                        entry.key,
                        entry.link,
                        entry.title,
                        entry.summary,
                        to_iso(entry.published),
                        seen,
                    ),
                )
                if cursor.rowcount == 1:
                    new.append(entry)
        return new

    def refresh_unprocessed(self, feed_url: str, entries: Iterable[FeedEntry]) -> None:
        """An entry not yet read takes its feed's current link (a site moved, or a server's address changed)."""
        with self.transaction():
            self.conn.executemany(
                """UPDATE entries SET link = ? WHERE feed_url = ? AND key = ? AND processed = 0
                   AND link IS NOT ?""",
                [(entry.link, feed_url, entry.key, entry.link) for entry in entries])

    def unprocessed_entries(self, feed_url: str) -> list[FeedEntry]:
        """Entries seen but never finished, newest first: fresh news before a backlog (which is judged as
        history when its turn comes)."""
        rows = self.conn.execute(
            """SELECT key, title, link, summary, published FROM entries
               WHERE feed_url = ? AND processed = 0 ORDER BY published DESC, first_seen DESC, rowid DESC""",
            (feed_url,),
        ).fetchall()
        return [
            FeedEntry(
                key=key, title=title or "", link=link, summary=summary or "", published=from_iso(published)
            )
            for key, title, link, summary, published in rows
        ]

    def mark_processed(self, feed_url: str, key: str) -> None:
        """Mark an entry done; call it in the same transaction as the entry's article and reports."""
        with self.transaction():
            self.conn.execute(
                "UPDATE entries SET processed = 1 WHERE feed_url = ? AND key = ?", (feed_url, key)
            )

    # --- articles and reports ---

    def save_article(self, feed_url: str, article: Article, fetched_at: datetime | None = None) -> int:
        """Insert or (when the entry is re-processed) update an article; return its id, which stays stable."""
        with self.transaction():
            self.conn.execute(
                """INSERT INTO articles (feed_url, entry_key, url, title, published, site_name, text_source,
                                         fetch_error, text, content_hash, fetched_at)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                   ON CONFLICT (feed_url, entry_key) DO UPDATE SET
                       url = excluded.url, title = excluded.title, published = excluded.published,
                       site_name = excluded.site_name, text_source = excluded.text_source,
                       fetch_error = excluded.fetch_error, text = excluded.text,
                       content_hash = excluded.content_hash, fetched_at = excluded.fetched_at""",
                (
                    feed_url,
                    article.entry_key,
                    article.url,
                    article.title,
                    to_iso(article.published),
                    article.site_name,
                    article.text_source,
                    article.fetch_error,
                    article.text,
                    text_hash(article.text),
                    to_iso(fetched_at or _now()),
                ),
            )
            row = self.conn.execute(
                "SELECT id FROM articles WHERE feed_url = ? AND entry_key = ?", (feed_url, article.entry_key)
            ).fetchone()
        return int(row[0])

    def save_reports(
        self,
        article_id: int,
        reports: Iterable[Report],
        outlet: str | None,
        link: str | None,
        published: datetime | None,
    ) -> list[int]:
        """Store an article's reports, replacing any it had (re-processing must not duplicate them)."""
        created = to_iso(_now())
        ids: list[int] = []
        with self.transaction():
            self.conn.execute("DELETE FROM reports WHERE article_id = ?", (article_id,))
            for report in reports:
                row = _report_row(report) | {
                    "article_id": article_id,
                    "outlet": outlet,
                    "link": link,
                    "published": to_iso(published),
                    "created_at": created,
                }
                cursor = self.conn.execute(_INSERT_REPORT, row)
                ids.append(int(cursor.lastrowid or 0))
        return ids

    # --- baselines, alerts and the outbox ---

    def stored_reports(self, ids: Iterable[int]) -> list[StoredReport]:
        """Reports by id, in publication order (the order the alert engine must see them in)."""
        ids = list(ids)
        if not ids:
            return []
        marks = ", ".join("?" for _ in ids)
        rows = self.conn.execute(f"{_REPORT_SELECT} WHERE r.id IN ({marks}) ORDER BY r.published, r.id", ids)
        return [_stored_report(row) for row in rows.fetchall()]

    def history(self, place: str, metric: str) -> list[StoredReport]:
        """Every new, exact figure stored for a place and metric (what the alert engine compares with)."""
        rows = self.conn.execute(
            f"""{_REPORT_SELECT} WHERE r.place = ? AND r.metric = ? AND r.status = 'new' AND r.vague = 0
                ORDER BY r.published, r.id""",
            (place, metric),
        )
        return [_stored_report(row) for row in rows.fetchall()]

    def reports_in_discovery_order(self) -> list[StoredReport]:
        """All new, exact, placed figures in the order the service first read them (for replay)."""
        rows = self.conn.execute(
            f"""{_REPORT_SELECT} WHERE r.status = 'new' AND r.vague = 0 AND r.place IS NOT NULL
                ORDER BY r.article_id, r.published, r.id"""
        )
        return [_stored_report(row) for row in rows.fetchall()]

    def newest_report_published(self) -> datetime | None:
        row = self.conn.execute("SELECT MAX(published) FROM reports").fetchone()
        return from_iso(row[0]) if row and row[0] else None

    # --- wire copies ---

    def wire_candidates(self, hashes: Iterable[int], around: datetime | None, days: float = 3.0,
                        exclude: int | None = None) -> list[tuple[int, list[int]]]:
        """Sketches of articles published near a time that share one of these hashes (an indexed lookup)."""
        signed = [_signed(h) for h in hashes]
        if around is None or not signed:
            return []
        low, high = to_iso(around - timedelta(days=days)), to_iso(around + timedelta(days=days))
        marks = ", ".join("?" for _ in signed)
        # Copies of one story share most of their smallest hashes; articles written from a common
        # template (same phrasing, other figures) share one or two. Asking for three keeps the
        # comparisons to the likely copies.
        rows = self.conn.execute(
            f"""SELECT a.id, a.sketch FROM wire_hashes w JOIN articles a ON a.id = w.article_id
                WHERE w.hash IN ({marks}) AND w.published BETWEEN ? AND ? AND a.id != ? AND a.sketch IS NOT NULL
                GROUP BY a.id HAVING COUNT(*) >= ? ORDER BY a.published, a.id""",
            [*signed, low, high, exclude or -1, min(3, len(signed))]).fetchall()
        return [(row[0], json.loads(row[1])) for row in rows]

    def set_article_wire(self, article_id: int, sketch: list[int], wire_of: int | None,
                         published: datetime | None = None, bands: int = 8) -> None:
        with self.transaction():
            self.conn.execute("UPDATE articles SET sketch = ?, wire_of = ? WHERE id = ?",
                              (json.dumps(sketch), wire_of, article_id))
            self.conn.execute("DELETE FROM wire_hashes WHERE article_id = ?", (article_id,))
            self.conn.executemany("INSERT INTO wire_hashes (hash, article_id, published) VALUES (?, ?, ?)",
                                  [(_signed(h), article_id, to_iso(published)) for h in sketch[:bands]])

    def disabled_feeds(self) -> set[str]:
        return {row[0] for row in self.conn.execute("SELECT url FROM feeds WHERE disabled = 1")}

    def set_baseline(self, report: StoredReport) -> None:
        """Make a report the current belief for its (place, metric)."""
        with self.transaction():
            self.conn.execute(
                """INSERT INTO baselines (place, metric, value, qualifier, report_id, published, source, outlet,
                                          period_kind, period_start, period_end, updated_at)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                   ON CONFLICT (place, metric) DO UPDATE SET
                       value = excluded.value, qualifier = excluded.qualifier, report_id = excluded.report_id,
                       published = excluded.published, source = excluded.source, outlet = excluded.outlet,
                       period_kind = excluded.period_kind, period_start = excluded.period_start,
                       period_end = excluded.period_end, updated_at = excluded.updated_at""",
                (
                    report.place,
                    report.metric,
                    report.value,
                    report.qualifier,
                    report.id,
                    to_iso(report.published),
                    report.source,
                    report.outlet,
                    report.period_kind,
                    _date_iso(report.period_start),
                    _date_iso(report.period_end),
                    to_iso(_now()),
                ),
            )

    def record_alert(self, alert: Alert, recipients: Iterable[str]) -> int | None:
        """Store an alert and its outbox rows together; None when this news was alerted before."""
        report = alert.report
        previous = alert.previous
        with self.transaction():
            cursor = self.conn.execute(
                """INSERT INTO alerts (fingerprint, report_id, place, metric, value, previous_value,
                                       previous_published, previous_source, kind, level, message, link, outlet,
                                       created_at, previous_report_id, note, corroborations)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                   ON CONFLICT (fingerprint) DO NOTHING""",
                (
                    alert.fingerprint, report.id, report.place, report.metric, report.value,
                    previous.value if previous else None, to_iso(previous.published) if previous else None,
                    previous.source if previous else None, alert.kind, alert.level, alert.message, report.link,
                    report.outlet, to_iso(_now()), previous.id if previous else None, alert.note,
                    _corroborations_json(alert.corroborations),
                ),
            )
            if cursor.rowcount != 1:
                return None
            alert_id = int(cursor.lastrowid or 0)
            created = to_iso(_now())
            self.conn.executemany(
                """INSERT INTO outbox (alert_id, recipient, status, attempts, created_at)
                   VALUES (?, ?, 'pending', 0, ?) ON CONFLICT (alert_id, recipient) DO NOTHING""",
                [(alert_id, recipient, created) for recipient in recipients],
            )
            self.conn.execute("UPDATE reports SET alert_id = ? WHERE id = ?", (alert_id, report.id))
        return alert_id

    def load_alert(self, alert_id: int) -> Alert | None:
        row = self.conn.execute(
            """SELECT fingerprint, report_id, previous_report_id, kind, level, message, note, corroborations
               FROM alerts WHERE id = ?""",
            (alert_id,),
        ).fetchone()
        if row is None:
            return None
        fingerprint, report_id, previous_id, kind, level, message, note, corroborations = row
        found = {r.id: r for r in self.stored_reports([i for i in (report_id, previous_id) if i])}
        if report_id not in found:
            return None
        return Alert(fingerprint, found[report_id], found.get(previous_id), kind, level, message, note,
                     tuple(Corroboration(**{**c, "published": from_iso(c.get("published"))})
                           for c in json.loads(corroborations or "[]")))

    def update_alert(self, alert_id: int, alert: Alert) -> None:
        """Keep an alert's text and corroborations current; messages not yet sent go out updated."""
        with self.transaction():
            self.conn.execute("UPDATE alerts SET message = ?, corroborations = ? WHERE id = ?",
                              (alert.message, _corroborations_json(alert.corroborations), alert_id))

    def alert_of_report(self, report_id: int) -> int | None:
        row = self.conn.execute("SELECT alert_id FROM reports WHERE id = ?", (report_id,)).fetchone()
        return int(row[0]) if row and row[0] else None

    def note_evaluation(self, report_id: int, kind: str, alert_id: int | None = None) -> None:
        with self.transaction():
            self.conn.execute("UPDATE reports SET evaluation = ?, alert_id = COALESCE(?, alert_id) WHERE id = ?",
                              (kind, alert_id, report_id))

    def pending_outbox(self, limit: int = 100, now: datetime | None = None) -> list[OutboxItem]:
        """Undelivered messages that are due, oldest first."""
        rows = self.conn.execute(
            """SELECT o.id, o.alert_id, o.recipient, o.attempts, a.message
               FROM outbox o JOIN alerts a ON a.id = o.alert_id
               WHERE o.status = 'pending' AND (o.next_attempt_at IS NULL OR o.next_attempt_at <= ?)
               ORDER BY o.id LIMIT ?""",
            (to_iso(now or _now()), limit),
        ).fetchall()
        return [OutboxItem(*row) for row in rows]

    def mark_sent(self, outbox_id: int) -> None:
        with self.transaction():
            self.conn.execute(
                "UPDATE outbox SET status = 'sent', sent_at = ?, attempts = attempts + 1 WHERE id = ?",
                (to_iso(_now()), outbox_id),
            )

    def mark_failed(self, outbox_id: int, error: str, *, dead: bool, retry_at: datetime | None = None) -> None:
        """Count a failed attempt; a dead row is never retried and keeps its reason."""
        with self.transaction():
            self.conn.execute(
                "UPDATE outbox SET attempts = attempts + 1, last_error = ?, status = ?, next_attempt_at = ? "
                "WHERE id = ?",
                (error[:500], "dead" if dead else "pending", to_iso(retry_at), outbox_id),
            )

    def recent_alerts(self, limit: int = 20) -> list[dict[str, Any]]:
        cursor = self.conn.execute(
            """SELECT id, created_at, place, metric, value, previous_value, kind, level, outlet, link, message
               FROM alerts ORDER BY id DESC LIMIT ?""",
            (limit,),
        )
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor]

    # --- user places and place history ---

    def add_place(self, place: Place) -> None:
        """Add or replace a place a user defined (it joins the gazetteer on the next start)."""
        with self.transaction():
            self.conn.execute(
                """INSERT INTO places (name, country, parent, kind, aliases, latitude, longitude, added_at, place_id)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                   ON CONFLICT (name) DO UPDATE SET country = excluded.country, parent = excluded.parent,
                       kind = excluded.kind, aliases = excluded.aliases, latitude = excluded.latitude,
                       longitude = excluded.longitude, place_id = excluded.place_id""",
                (place.name, place.country, place.parent, place.kind, json.dumps(list(place.aliases)),
                 place.latitude, place.longitude, to_iso(_now()), place.id),
            )

    def user_places(self) -> list[Place]:
        rows = self.conn.execute(
            "SELECT place_id, name, kind, country, parent, aliases, latitude, longitude FROM places ORDER BY name"
        ).fetchall()
        return [Place(id=pid or f"user:{name}", name=name, kind=kind or "town", country=country, parent=parent,
                      latitude=lat, longitude=lon, aliases=tuple(json.loads(aliases or "[]")), curated=True)
                for pid, name, kind, country, parent, aliases, lat, lon in rows]

    def place_history(self, names: Iterable[str], limit: int = 20) -> list[dict[str, Any]]:
        """The newest reports for places, newest first."""
        names = list(names)
        if not names:
            return []
        marks = ", ".join("?" for _ in names)
        cursor = self.conn.execute(
            f"""SELECT place, metric, value, qualifier, unit, status, vague, period_kind, period_start, period_end,
                       source, outlet, published, link, evaluation FROM reports
                WHERE place IN ({marks}) ORDER BY published DESC, id DESC LIMIT ?""",
            [*names, limit],
        )
        columns = [d[0] for d in cursor.description]
        return [dict(zip(columns, row, strict=True)) for row in cursor]

    def place_baselines(self, names: Iterable[str]) -> list[dict[str, Any]]:
        names = list(names)
        if not names:
            return []
        marks = ", ".join("?" for _ in names)
        cursor = self.conn.execute(
            f"SELECT * FROM baselines WHERE place IN ({marks}) ORDER BY place, metric", names)
        columns = [d[0] for d in cursor.description]
        return [dict(zip(columns, row, strict=True)) for row in cursor]

    # --- subscribers ---

    def subscribe(self, chat_id: int, kind: str, title: str | None, *, from_config: bool = False) -> bool:
        """Add or re-activate a subscriber; True when it was not active before."""
        now = to_iso(_now())
        with self.transaction():
            row = self.conn.execute("SELECT active FROM subscribers WHERE chat_id = ?", (chat_id,)).fetchone()
            self.conn.execute(
                """INSERT INTO subscribers (chat_id, kind, title, active, from_config, created_at, updated_at)
                   VALUES (?, ?, ?, 1, ?, ?, ?)
                   ON CONFLICT (chat_id) DO UPDATE SET kind = excluded.kind, title = excluded.title, active = 1,
                       inactive_reason = NULL, from_config = MAX(from_config, excluded.from_config),
                       updated_at = excluded.updated_at""",
                (chat_id, kind, title, int(from_config), now, now),
            )
        return row is None or not row[0]

    def deactivate(self, chat_id: int, reason: str) -> None:
        """Stop sending to a chat (/stop, or the user blocked the bot); its pending messages are dropped."""
        with self.transaction():
            self.conn.execute(
                "UPDATE subscribers SET active = 0, inactive_reason = ?, updated_at = ? WHERE chat_id = ?",
                (reason, to_iso(_now()), chat_id))
            self.conn.execute(
                "UPDATE outbox SET status = 'dead', last_error = ? WHERE recipient = ? AND status = 'pending'",
                (f"subscriber inactive: {reason}", str(chat_id)))

    def subscriber(self, chat_id: int) -> dict[str, Any] | None:
        cursor = self.conn.execute("SELECT * FROM subscribers WHERE chat_id = ?", (chat_id,))
        row = cursor.fetchone()
        return dict(zip([d[0] for d in cursor.description], row, strict=True)) if row else None

    def set_mute(self, chat_id: int, until: datetime | None) -> None:
        with self.transaction():
            self.conn.execute("UPDATE subscribers SET muted_until = ?, updated_at = ? WHERE chat_id = ?",
                              (to_iso(until), to_iso(_now()), chat_id))

    def add_watch(self, chat_id: int, place_id: str, place_name: str, metric: str = "*") -> bool:
        with self.transaction():
            cursor = self.conn.execute(
                """INSERT INTO watches (chat_id, place_id, place_name, metric, created_at) VALUES (?, ?, ?, ?, ?)
                   ON CONFLICT (chat_id, place_id, metric) DO NOTHING""",
                (chat_id, place_id, place_name, metric, to_iso(_now())),
            )
        return cursor.rowcount == 1

    def remove_watch(self, chat_id: int, place_id: str, metric: str | None = None) -> int:
        with self.transaction():
            if metric is None:
                cursor = self.conn.execute("DELETE FROM watches WHERE chat_id = ? AND place_id = ?",
                                           (chat_id, place_id))
            else:
                cursor = self.conn.execute("DELETE FROM watches WHERE chat_id = ? AND place_id = ? AND metric = ?",
                                           (chat_id, place_id, metric))
        return cursor.rowcount

    def watches_of(self, chat_id: int) -> list[tuple[str, str, str]]:
        """(place_id, place_name, metric) a subscriber follows."""
        return self.conn.execute(
            "SELECT place_id, place_name, metric FROM watches WHERE chat_id = ? ORDER BY place_name, metric",
            (chat_id,)).fetchall()

    def watchers(self, place_ids: Iterable[str], metric: str, now: datetime | None = None) -> list[int]:
        """Active, unmuted subscribers following any of these places (or every place) for a metric."""
        ids = [*place_ids, "*"]
        marks = ", ".join("?" for _ in ids)
        rows = self.conn.execute(
            f"""SELECT DISTINCT w.chat_id FROM watches w JOIN subscribers s ON s.chat_id = w.chat_id
                WHERE s.active = 1 AND (s.muted_until IS NULL OR s.muted_until <= ?)
                AND w.place_id IN ({marks}) AND (w.metric = '*' OR w.metric = ?) ORDER BY w.chat_id""",
            [to_iso(now or _now()), *ids, metric],
        ).fetchall()
        return [row[0] for row in rows]

    def set_rule(self, chat_id: int, scope: str, metric: str, *, floor: int | None = None,
                 relative_step: float | None = None) -> None:
        with self.transaction():
            self.conn.execute(
                """INSERT INTO subscriber_rules (chat_id, scope, metric, floor, relative_step) VALUES (?, ?, ?, ?, ?)
                   ON CONFLICT (chat_id, scope, metric) DO UPDATE SET
                       floor = COALESCE(excluded.floor, floor),
                       relative_step = COALESCE(excluded.relative_step, relative_step)""",
                (chat_id, scope, metric, floor, relative_step),
            )

    def rules_of(self, chat_id: int) -> list[tuple[str, str, int | None, float | None]]:
        """(scope, metric, floor, relative_step) rows of a subscriber."""
        return self.conn.execute(
            "SELECT scope, metric, floor, relative_step FROM subscriber_rules WHERE chat_id = ? ORDER BY scope, metric",
            (chat_id,)).fetchall()

    def subscriber_counts(self) -> dict[str, int]:
        one = self.conn.execute
        return {
            "subscribers": one("SELECT COUNT(*) FROM subscribers WHERE active = 1").fetchone()[0],
            "inactive": one("SELECT COUNT(*) FROM subscribers WHERE active = 0").fetchone()[0],
            "watches": one("SELECT COUNT(*) FROM watches").fetchone()[0],
        }

    def recent_reports(self, limit: int = 10, place_names: Iterable[str] | None = None) -> list[StoredReport]:
        names = list(place_names or [])
        where = f"AND r.place IN ({', '.join('?' for _ in names)})" if names else ""
        rows = self.conn.execute(
            f"""{_REPORT_SELECT} WHERE r.status = 'new' AND r.vague = 0 AND r.place IS NOT NULL {where}
                ORDER BY r.published DESC, r.id DESC LIMIT ?""", [*names, limit])
        return [_stored_report(row) for row in rows.fetchall()]

    # --- daily digests ---

    def set_digest(self, chat_id: int, time_of_day: str | None, tz: str | None) -> None:
        with self.transaction():
            self.conn.execute(
                "UPDATE subscribers SET digest_time = ?, digest_tz = ?, digest_covered_until = COALESCE("
                "digest_covered_until, ?) WHERE chat_id = ?", (time_of_day, tz, to_iso(_now()), chat_id))

    def digest_subscribers(self) -> list[dict[str, Any]]:
        cursor = self.conn.execute(
            """SELECT chat_id, digest_time, digest_tz, digest_last_day, digest_covered_until FROM subscribers
               WHERE active = 1 AND digest_time IS NOT NULL""")
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor]

    def digest_considered(self, chat_id: int, local_day: str, covered_until: datetime | None) -> None:
        with self.transaction():
            self.conn.execute(
                "UPDATE subscribers SET digest_last_day = ?, digest_covered_until = COALESCE(?, digest_covered_until) "
                "WHERE chat_id = ?", (local_day, to_iso(covered_until), chat_id))

    def reports_stored_between(self, place_names: Iterable[str], after: datetime | None,
                               until: datetime) -> list[StoredReport]:
        """New, exact figures stored (read by the service) in a time span, for places."""
        names = list(place_names)
        if not names:
            return []
        marks = ", ".join("?" for _ in names)
        rows = self.conn.execute(
            f"""{_REPORT_SELECT} WHERE r.status = 'new' AND r.vague = 0 AND r.place IN ({marks})
                AND r.created_at > ? AND r.created_at <= ? ORDER BY r.published, r.id""",
            [*names, to_iso(after) or "", to_iso(until)])
        return [_stored_report(row) for row in rows.fetchall()]

    # --- feeds added from chat ---

    def add_chat_feed(self, url: str, name: str, added_by: int) -> bool:
        with self.transaction():
            cursor = self.conn.execute(
                """INSERT INTO feeds (url, name, origin, added_by, consecutive_errors) VALUES (?, ?, 'chat', ?, 0)
                   ON CONFLICT (url) DO NOTHING""", (url, name, added_by))
        return cursor.rowcount == 1

    def remove_chat_feed(self, url: str) -> bool:
        with self.transaction():
            cursor = self.conn.execute("DELETE FROM feeds WHERE url = ? AND origin = 'chat'", (url,))
        return cursor.rowcount == 1

    def chat_feeds(self) -> list[tuple[str, str]]:
        return self.conn.execute("SELECT url, name FROM feeds WHERE origin = 'chat' ORDER BY name").fetchall()

    # --- feed health and service state ---

    def feed_health(self, url: str) -> dict[str, Any] | None:
        cursor = self.conn.execute(
            "SELECT url, name, consecutive_errors, next_poll_at, failing_since, disabled, disabled_reason, "
            "last_success, last_error FROM feeds WHERE url = ?", (url,))
        row = cursor.fetchone()
        return dict(zip([d[0] for d in cursor.description], row, strict=True)) if row else None

    def schedule_feed(self, url: str, *, next_poll_at: datetime | None, failing_since: datetime | None,
                      disabled_reason: str | None = None) -> None:
        """After a poll: when the feed may be polled again, whether it is failing, and whether it is disabled."""
        with self.transaction():
            self.conn.execute(
                """UPDATE feeds SET next_poll_at = ?, failing_since = ?, disabled = ?, disabled_reason = ?
                   WHERE url = ?""",
                (to_iso(next_poll_at), to_iso(failing_since), int(disabled_reason is not None), disabled_reason,
                 url))

    def enable_feed(self, url: str) -> None:
        with self.transaction():
            self.conn.execute("UPDATE feeds SET disabled = 0, disabled_reason = NULL, next_poll_at = NULL, "
                              "failing_since = NULL, consecutive_errors = 0 WHERE url = ?", (url,))

    def set_state(self, key: str, value: Any) -> None:
        with self.transaction():
            self.conn.execute(
                """INSERT INTO service_state (key, value, updated_at) VALUES (?, ?, ?)
                   ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at""",
                (key, json.dumps(value, default=str), to_iso(_now())))

    def state(self, key: str) -> Any:
        row = self.conn.execute("SELECT value FROM service_state WHERE key = ?", (key,)).fetchone()
        return json.loads(row[0]) if row and row[0] else None

    def alerts_since(self, since: datetime) -> int:
        return self.conn.execute("SELECT COUNT(*) FROM alerts WHERE created_at >= ?", (to_iso(since),)).fetchone()[0]

    def mark_sent_message(self, outbox_id: int, message_id: int | None) -> None:
        with self.transaction():
            self.conn.execute(
                "UPDATE outbox SET status = 'sent', sent_at = ?, attempts = attempts + 1, telegram_message_id = ? "
                "WHERE id = ?", (to_iso(_now()), message_id, outbox_id))

    def counts(self) -> dict[str, int]:
        """Row counts and outbox depth, for `dwatch status`."""
        one = self.conn.execute
        return {
            "feeds": one("SELECT COUNT(*) FROM feeds").fetchone()[0],
            "entries": one("SELECT COUNT(*) FROM entries").fetchone()[0],
            "unprocessed": one("SELECT COUNT(*) FROM entries WHERE processed = 0").fetchone()[0],
            "articles": one("SELECT COUNT(*) FROM articles").fetchone()[0],
            "reports": one("SELECT COUNT(*) FROM reports").fetchone()[0],
            "alerts": one("SELECT COUNT(*) FROM alerts").fetchone()[0],
            "outbox_pending": one("SELECT COUNT(*) FROM outbox WHERE status = 'pending'").fetchone()[0],
            "outbox_dead": one("SELECT COUNT(*) FROM outbox WHERE status = 'dead'").fetchone()[0],
        }


def _signed(value: int) -> int:
    """An unsigned 64-bit hash as SQLite's signed INTEGER."""
    return value - (1 << 64) if value >= (1 << 63) else value


def _corroborations_json(items: Iterable[Corroboration]) -> str:
    return json.dumps([{**asdict(c), "published": to_iso(c.published)} for c in items], ensure_ascii=False)


@dataclass(frozen=True, slots=True)
class OutboxItem:
    """One message waiting for one recipient."""

    id: int
    alert_id: int
    recipient: str
    attempts: int
    message: str


_REPORT_SELECT = """SELECT r.id, r.metric, r.value, r.unit, r.qualifier, r.vague, r.low, r.high, r.status, r.place,
       r.period_kind, r.period_start, r.period_end, r.period_text, r.source, r.quote, r.outlet, r.link, r.published,
       r.article_id, a.wire_of, r.place_id
FROM reports r LEFT JOIN articles a ON a.id = r.article_id"""


def _stored_report(row: tuple[Any, ...]) -> StoredReport:
    (rid, metric, value, unit, qualifier, vague, low, high, status, place, period_kind, period_start, period_end,
     period_text, source, quote, outlet, link, published, article_id, wire_of, place_id) = row
    return StoredReport(
        id=rid, metric=metric, value=value, unit=unit, qualifier=qualifier, vague=bool(vague), low=low,
        high=high, status=status or "new", place=place, period_kind=period_kind,
        period_start=date.fromisoformat(period_start) if period_start else None,
        period_end=date.fromisoformat(period_end) if period_end else None, period_text=period_text,
        source=source, quote=quote or "", outlet=outlet, link=link, published=from_iso(published),
        article_id=article_id, wire_of=wire_of, place_id=place_id,
    )


def _report_row(report: Report) -> dict[str, Any]:
    """A Report as reports-table values (booleans as 0/1, dates as ISO text, span split in two)."""
    return {
        "metric": report.metric,
        "value": report.value,
        "unit": report.unit,
        "qualifier": report.qualifier,
        "vague": int(report.vague),
        "low": report.low,
        "high": report.high,
        "status": report.status,
        "increment": int(report.increment),
        "place": report.place,
        "place_text": report.place_text,
        "country": report.country,
        "period_start": _date_iso(report.period_start),
        "period_end": _date_iso(report.period_end),
        "period_kind": report.period_kind,
        "period_text": report.period_text,
        "source": report.source,
        "quote": report.quote,
        "span_start": report.span[0],
        "span_end": report.span[1],
        "extras": json.dumps(report.extras, ensure_ascii=False, default=str) if report.extras else None,
        "place_id": report.extras.get("place_id"),
    }


def _insert_sql(table: str, columns: Iterable[str]) -> str:
    """INSERT with named parameters; the names come from our schema constants, never from input."""
    names = list(columns)
    return f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join(':' + n for n in names)})"


_INSERT_REPORT = _insert_sql("reports", [*(c.name for c in _V1_TABLES[3].columns if c.name != "id"), "place_id"])
