"""The SQLite store on real files: schema, WAL, migrations, feeds, entries, articles, reports."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from bot import store as store_module
from bot.models import Article, FeedEntry, FeedFetch, FeedSpec, FeedValidators
from bot.store import COLUMN_DOCS, TABLE_DOCS, Store
from extractors.report import Report

SPEC = FeedSpec(url="https://example.org/feed.xml", name="Example")
T0 = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)
T1 = datetime(2024, 3, 1, 12, 30, tzinfo=UTC)
TABLES = {"feeds", "entries", "articles", "reports", "places", "baselines", "alerts", "outbox"}


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = Store(tmp_path / "dwatch.db")
    yield opened
    opened.close()


def entry(key: str, title: str = "A title", link: str | None = None) -> FeedEntry:
    link = link or f"https://example.org/{key}"
    return FeedEntry(key=key, title=title, link=link, summary="sum", published=T0)


def test_new_file_gets_schema_in_wal_mode(tmp_path: Path) -> None:
    with Store(tmp_path / "new.db") as store:
        assert set(store.db.table_names()) >= TABLES
        assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert store.conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert store.conn.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL
        assert store.conn.execute("PRAGMA busy_timeout").fetchone()[0] > 0
        assert store.schema_version() == len(store_module.MIGRATIONS)
        assert "place" in {c for idx in store.db["reports"].indexes for c in idx.columns}


def test_every_table_and_column_is_documented(store: Store) -> None:
    for table in TABLES:
        assert TABLE_DOCS[table]
        columns = {row[1] for row in store.conn.execute(f"PRAGMA table_info({table})")}
        assert columns == set(COLUMN_DOCS[table]), table
    docs = dict(
        store.conn.execute("SELECT column_name, doc FROM _docs WHERE table_name = 'outbox'").fetchall()
    )
    assert docs["status"] == COLUMN_DOCS["outbox"]["status"]
    schema = store.conn.execute("SELECT sql FROM sqlite_master WHERE name = 'feeds'").fetchone()[0]
    assert "-- ETag of the last good response" in schema


def test_reopening_migrates_nothing_twice(tmp_path: Path) -> None:
    path = tmp_path / "dwatch.db"
    with Store(path) as first:
        first.new_entries(SPEC.url, [entry("a")])
    with Store(path) as second:
        assert second.migrate() == []
        rows = second.conn.execute("SELECT version FROM schema_migrations").fetchall()
        assert rows == [(n,) for n in range(1, len(store_module.MIGRATIONS) + 1)]
        assert len(second.unprocessed_entries(SPEC.url)) == 1


def test_a_later_migration_is_applied_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "dwatch.db"
    Store(path).close()

    def add_language(conn: sqlite3.Connection) -> None:
        conn.execute("ALTER TABLE articles ADD COLUMN language TEXT")

    later = (*store_module.MIGRATIONS, ("article language", add_language))
    monkeypatch.setattr(store_module, "MIGRATIONS", later)
    with Store(path) as upgraded:
        assert upgraded.schema_version() == len(later)
        assert "language" in {row[1] for row in upgraded.conn.execute("PRAGMA table_info(articles)")}
    with Store(path) as again:
        assert again.migrate() == []


def test_a_failing_migration_changes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "dwatch.db"
    Store(path).close()

    def broken(conn: sqlite3.Connection) -> None:
        conn.execute("CREATE TABLE half_done (x INTEGER)")
        raise RuntimeError("boom")

    monkeypatch.setattr(store_module, "MIGRATIONS", (*store_module.MIGRATIONS, ("broken", broken)))
    with pytest.raises(RuntimeError, match="boom"):
        Store(path)
    monkeypatch.undo()
    with Store(path) as store:
        assert store.schema_version() == len(store_module.MIGRATIONS)
        assert "half_done" not in store.db.table_names()


def test_feed_results_track_validators_and_errors(store: Store) -> None:
    assert store.feed_validators(SPEC.url) == FeedValidators()
    good = FeedValidators(etag='"v1"', last_modified="Fri, 01 Mar 2024 12:00:00 GMT", body_hash="abc")
    store.record_feed_result(FeedFetch(SPEC, "ok", validators=good, http_status=200, title="Feed"), T0)
    assert store.feed_validators(SPEC.url) == good

    reason = "HTTP 500 Internal Server Error"
    failure = FeedFetch(SPEC, "error", validators=good, error=reason, http_status=500)
    store.record_feed_result(failure, T1)
    store.record_feed_result(failure, T1)
    (row,) = store.feed_statuses()
    assert row["consecutive_errors"] == 2
    assert row["last_status"] == "error"
    assert row["last_error"] == reason
    assert row["last_success"] == "2024-03-01T12:00:00+00:00"
    assert store.feed_validators(SPEC.url) == good  # kept for the next conditional GET

    store.record_feed_result(FeedFetch(SPEC, "not_modified", validators=good, http_status=304), T1)
    (row,) = store.feed_statuses()
    assert (row["consecutive_errors"], row["last_status"], row["last_error"]) == (0, "not_modified", None)
    assert row["title"] == "Feed"
    assert row["last_success"] == "2024-03-01T12:30:00+00:00"


def test_new_entries_are_reported_once(store: Store) -> None:
    first = store.new_entries(SPEC.url, [entry("a"), entry("b"), entry("a")])
    assert [e.key for e in first] == ["a", "b"]
    assert store.new_entries(SPEC.url, [entry("a"), entry("b")]) == []
    assert [e.key for e in store.new_entries(SPEC.url, [entry("b"), entry("c")])] == ["c"]
    # The same key in another feed is a different entry.
    assert [e.key for e in store.new_entries("https://other.example/rss", [entry("a")])] == ["a"]


def test_unprocessed_entries_survive_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "dwatch.db"
    with Store(path) as store:
        store.new_entries(SPEC.url, [entry("a"), entry("b")])
        store.mark_processed(SPEC.url, "a")
    with Store(path) as store:
        (left,) = store.unprocessed_entries(SPEC.url)
        assert left == entry("b")
        assert left.published == T0


def test_articles_and_reports(store: Store) -> None:
    store.new_entries(SPEC.url, [entry("a")])
    article = Article(
        entry_key="a",
        url="https://example.org/a",
        title="Thousands flee",
        text="Some 12,000 people fled.",
        published=T0,
        site_name="Example",
        text_source="page",
    )
    article_id = store.save_article(SPEC.url, article)
    assert store.save_article(SPEC.url, article) == article_id  # re-processing keeps the id

    reports = [
        Report(
            metric="displaced",
            value=12000,
            qualifier="some",
            place="Idlib",
            quote="Some 12,000 people fled.",
            span=(0, 11),
            period_start=date(2024, 2, 15),
            period_kind="window",
        ),
        Report(metric="killed", value=10, vague=True, extras={"note": "vague"}),
    ]
    ids = store.save_reports(article_id, reports, outlet="Example", link=article.url, published=T0)
    assert len(ids) == 2
    again = store.save_reports(article_id, reports[:1], outlet="Example", link=article.url, published=T0)
    assert len(again) == 1
    rows = list(store.db.query("SELECT * FROM reports WHERE article_id = ?", [article_id]))
    assert len(rows) == 1
    row = rows[0]
    assert (row["metric"], row["value"], row["place"], row["vague"]) == ("displaced", 12000, "Idlib", 0)
    assert (row["span_start"], row["span_end"], row["period_start"]) == (0, 11, "2024-02-15")
    assert row["published"] == "2024-03-01T12:00:00+00:00"
    stored = store.db["articles"].get(article_id)
    assert stored["content_hash"] and stored["text_source"] == "page"


def test_reports_need_an_article(store: Store) -> None:
    with pytest.raises(sqlite3.IntegrityError):
        store.save_reports(999, [Report(metric="killed", value=3)], outlet=None, link=None, published=None)


def test_transaction_rolls_back_everything(store: Store) -> None:
    with pytest.raises(RuntimeError), store.transaction():
        store.new_entries(SPEC.url, [entry("a")])
        store.mark_processed(SPEC.url, "a")
        raise RuntimeError("crash between writes")
    assert store.unprocessed_entries(SPEC.url) == []
    assert store.new_entries(SPEC.url, [entry("a")]) == [entry("a")]
