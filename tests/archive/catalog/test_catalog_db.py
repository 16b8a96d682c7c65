"""Opening the catalog: migrations, SQLite pragmas, and failures a user can act on."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, text

from archive.catalog import CatalogUnavailable, CitationRecord, UnknownSchema, open_catalog
from archive.catalog.db import SCHEMA_REVISION, alembic_config, make_engine, migrate, schema_revisions
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
            assert (
                conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == SCHEMA_REVISION
            )
    finally:
        catalog.close()


def test_one_head_and_it_matches_the_models(db_url: str) -> None:
    # open_catalog skips Alembic for a catalog at SCHEMA_REVISION: it must be the scripts' head.
    assert ScriptDirectory.from_config(alembic_config()).get_heads() == [SCHEMA_REVISION]
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


def test_an_older_catalog_is_upgraded_on_open(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        migrate(engine, "0002")
        assert schema_revisions(engine) == ["0002"]
    finally:
        engine.dispose()
    catalog = open_catalog(db_url)
    try:
        assert schema_revisions(catalog.engine) == [SCHEMA_REVISION]
        assert "judged_at" in {c["name"] for c in inspect(catalog.engine).get_columns("capture")}  # 0003
    finally:
        catalog.close()


def test_a_catalog_at_the_head_is_opened_without_importing_alembic(tmp_path: Path) -> None:
    """Every command opens the catalog: Alembic (a quarter of a second of imports, and the
    migration scripts) is for the rare open that has something to migrate."""
    url = f"sqlite:///{tmp_path / 'catalog.db'}"
    open_catalog(url).close()
    script = (
        "import sys; from archive.catalog import open_catalog; "
        f"c = open_catalog({url!r}); c.list_sources(); c.close(); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'alembic'))"
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == "[]", proc.stdout


def test_a_catalog_from_a_newer_citewatch_is_refused_in_one_line(db_url: str) -> None:
    open_catalog(db_url).close()
    engine = make_engine(db_url)
    try:
        with engine.begin() as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    finally:
        engine.dispose()
    with pytest.raises(UnknownSchema, match="schema revision 9999") as info:
        open_catalog(db_url)
    assert "\n" not in str(info.value) and "upgrade citewatch" in str(info.value)
    engine = make_engine(db_url)
    try:
        assert schema_revisions(engine) == ["9999"]  # left as it was
        assert set(inspect(engine).get_table_names()) >= TABLES
    finally:
        engine.dispose()


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


def test_before_commit_runs_before_each_commit_of_the_block_only(db_url: str) -> None:
    catalog = open_catalog(db_url)
    try:
        seen: list[int] = []  # articles already committed when the callback ran

        def count_committed() -> None:
            with catalog.engine.connect() as other:  # another connection sees committed rows only
                seen.append(other.execute(text("SELECT count(*) FROM article")).scalar_one())

        with catalog.before_commit(count_committed):
            catalog.add_article(origin="a.md", title="A", kind="markdown", citations=[])
            assert len(catalog.list_articles()) == 1  # a transaction that only reads: no call
            catalog.add_article(origin="b.md", title="B", kind="markdown", citations=[])
        catalog.add_article(origin="c.md", title="C", kind="markdown", citations=[])

        assert seen == [0, 1]  # each time before its own row was committed, and not after the block
    finally:
        catalog.close()


def test_a_failing_before_commit_callback_rolls_the_transaction_back(db_url: str) -> None:
    catalog = open_catalog(db_url)
    try:

        def fail() -> None:
            raise OSError("disk full")

        with catalog.before_commit(fail), pytest.raises(OSError):
            catalog.add_article(origin="a.md", title="A", kind="markdown", citations=[])

        assert catalog.list_articles() == []
    finally:
        catalog.close()
