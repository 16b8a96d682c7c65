"""Opening the catalog: migrations, SQLite pragmas, and failures a user can act on."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, text

from archive.catalog import CatalogUnavailable, CitationRecord, open_catalog
from archive.catalog.db import alembic_config, make_engine, migrate
from archive.catalog.models import Base

TABLES = {
    "article",
    "source",
    "citation",
    "capture",
    "warc_file",
    "change",
    "alert",
    "delivery",
    "alembic_version",
}


def test_migrations_create_schema_from_empty(db_url: str) -> None:
    catalog = open_catalog(db_url)
    try:
        insp = inspect(catalog.engine)
        assert set(insp.get_table_names()) >= TABLES
        index_names = {ix["name"] for ix in insp.get_indexes("source")}
        assert {"ix_source_next_due_at", "ix_source_url"} <= index_names
        assert "ix_capture_source_id_role_captured_at" in {ix["name"] for ix in insp.get_indexes("capture")}
        assert "ix_citation_source_id_article_id" in {ix["name"] for ix in insp.get_indexes("citation")}
        with catalog.engine.connect() as conn:
            assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == "0004"
    finally:
        catalog.close()


def test_one_head_and_it_matches_the_models(db_url: str) -> None:
    assert ScriptDirectory.from_config(alembic_config()).get_heads() == ["0004"]
    catalog = open_catalog(db_url)
    try:
        with catalog.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            assert compare_metadata(context, Base.metadata) == []
    finally:
        catalog.close()


def test_reopening_keeps_data_and_downgrade_upgrade_round_trips(db_url: str) -> None:
    first = open_catalog(db_url)
    first.add_article(
        origin="a.md", title="A", kind="markdown", citations=[CitationRecord("https://x/", "x", "")]
    )
    first.close()
    again = open_catalog(db_url)
    try:
        assert [a.origin for a in again.list_articles()] == ["a.md"]
        config = alembic_config()
        with again.engine.begin() as conn:
            config.attributes["connection"] = conn
            command.downgrade(config, "base")
        assert inspect(again.engine).get_table_names() == ["alembic_version"]
        migrate(again.engine)
        assert set(inspect(again.engine).get_table_names()) >= TABLES
    finally:
        again.close()


def test_sqlite_gets_wal_foreign_keys_busy_timeout_and_its_directory(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "er" / "catalog.db"
    catalog = open_catalog(f"sqlite:///{path}")
    try:
        assert path.exists()
        with catalog.engine.connect() as conn:
            assert conn.execute(text("PRAGMA journal_mode")).scalar_one() == "wal"
            assert conn.execute(text("PRAGMA foreign_keys")).scalar_one() == 1
            assert conn.execute(text("PRAGMA busy_timeout")).scalar_one() == 30000
    finally:
        catalog.close()


def test_sqlite_without_create_dirs_fails_cleanly(tmp_path: Path) -> None:
    with pytest.raises(CatalogUnavailable, match="cannot open the catalog"):
        open_catalog(f"sqlite:///{tmp_path / 'missing' / 'catalog.db'}", create_dirs=False)


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("not a url", "not a SQLAlchemy URL"),
        ("nosuchdb://host/db", "unknown database kind"),
        ("postgresql+nosuchdriver://u@127.0.0.1/db", "unknown database kind"),
        ("postgresql+psycopg://u:s3cret@127.0.0.1:1/db?connect_timeout=3", "Connection refused|connect"),
    ],
)
def test_bad_or_unreachable_url_is_catalog_unavailable(url: str, reason: str) -> None:
    with pytest.raises(CatalogUnavailable, match=reason) as info:
        open_catalog(url)
    message = str(info.value)
    assert "\n" not in message
    assert "s3cret" not in message
    assert "CITEWATCH_DB" in message


def test_unwritable_sqlite_directory_is_catalog_unavailable(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(CatalogUnavailable, match="cannot create"):
        make_engine(f"sqlite:///{blocker / 'sub' / 'catalog.db'}")


def test_alembic_config_with_url_runs_env_without_a_connection(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    command.upgrade(alembic_config(url), "head")
    engine = create_engine(url)
    try:
        assert set(inspect(engine).get_table_names()) >= TABLES
    finally:
        engine.dispose()


def test_threads_can_open_the_catalog_at_once(tmp_path: Path) -> None:
    """The daemon's jobs each open the catalog in their own thread; migrations must not collide."""
    import threading

    errors: list[BaseException] = []

    def open_it() -> None:
        try:
            open_catalog(f"sqlite:///{tmp_path / 'c.db'}").close()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=open_it) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
