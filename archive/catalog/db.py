"""Opening the catalog: engine set-up (SQLite pragmas) and Alembic migrations shipped in the package.

Alembic is imported only when the schema is not the one this code was written for: a catalog at
`SCHEMA_REVISION` (every open but the first after an upgrade) is recognised by reading its
``alembic_version`` row, which saves every command a quarter of a second of imports and the
migration scripts' loading.
"""

from __future__ import annotations

import fcntl
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import URL, Engine, create_engine, event, inspect, make_url, text
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError

from archive.catalog.errors import CatalogUnavailable, UnknownSchema
from archive.catalog.mapping import utc_now
from archive.catalog.repository import Catalog

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
# The head of migrations/versions: bump it with every new migration (a unit test compares the two).
SCHEMA_REVISION = "0008"
VERSION_TABLE = "alembic_version"
SQLITE_BUSY_TIMEOUT_MS = 30_000


def open_catalog(url: str, *, create_dirs: bool = True, clock: Callable[[], datetime] = utc_now) -> Catalog:
    """Open (creating or upgrading as needed) the catalog at a SQLAlchemy URL.

    Raises `CatalogUnavailable` with a one-line reason when the URL is malformed, its driver is
    missing, or the database cannot be reached or written; `UnknownSchema` when a newer citewatch
    migrated it past the migrations this one ships.
    """
    engine = make_engine(url, create_dirs=create_dirs)
    try:
        revisions = schema_revisions(engine)
        if revisions != [SCHEMA_REVISION]:
            _upgrade(engine, _safe(url), revisions)
    except SQLAlchemyError as exc:
        engine.dispose()
        raise CatalogUnavailable(_safe(url), _reason(exc)) from exc
    except UnknownSchema:
        engine.dispose()
        raise
    return Catalog(engine, clock=clock)


def schema_revisions(engine: Engine) -> list[str]:
    """The catalog's schema revision(s) as Alembic recorded them; none for a database never migrated."""
    with engine.connect() as connection:
        if not inspect(connection).has_table(VERSION_TABLE):
            return []
        return sorted(connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalars())


def _upgrade(engine: Engine, safe_url: str, revisions: list[str]) -> None:
    """Migrate a new or older catalog to the head; refuse one a newer citewatch migrated."""
    from alembic.script import ScriptDirectory

    known = {script.revision for script in ScriptDirectory.from_config(alembic_config()).walk_revisions()}
    if any(revision not in known for revision in revisions):
        raise UnknownSchema(safe_url, revisions, SCHEMA_REVISION)
    migrate(engine)


def make_engine(url: str, *, create_dirs: bool = True) -> Engine:
    """Create the engine; for SQLite, create the file's directory and turn on WAL, FKs, busy timeout."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise CatalogUnavailable(
            _safe(url), "not a SQLAlchemy URL (e.g. sqlite:///path/catalog.db or postgresql+psycopg://…)"
        ) from exc
    is_sqlite = parsed.get_backend_name() == "sqlite"
    if is_sqlite and create_dirs:
        path = _sqlite_path(parsed)
        if path is not None:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise CatalogUnavailable(_safe(url), f"cannot create {path.parent}: {exc.strerror}") from exc
    try:
        engine = create_engine(parsed, pool_pre_ping=not is_sqlite)
    except NoSuchModuleError as exc:
        raise CatalogUnavailable(_safe(url), f"unknown database kind {parsed.drivername!r}") from exc
    except ImportError as exc:
        raise CatalogUnavailable(
            _safe(url),
            f"database driver not installed ({exc.name or exc}); "
            "for PostgreSQL install psycopg and use postgresql+psycopg://",
        ) from exc
    if is_sqlite:
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


# Alembic keeps its running migration context in module globals, so two threads migrating at
# once (the daemon's jobs each open the catalog) trip over each other ("KeyError: 'config'").
_MIGRATING = threading.Lock()
# Processes too: a daemon and workers started together on a new PostgreSQL catalog all find no
# schema, and all but one failed creating it ("duplicate key … alembic_version").  One transaction-
# scoped advisory lock (any fixed number of our own) makes the others wait, then find it at head.
_PG_MIGRATION_LOCK = 0x63697465  # "cite"


def migrate(engine: Engine, revision: str = "head") -> None:
    """Run the catalog's Alembic migrations up to ``revision`` on ``engine``."""
    from alembic import command

    config = alembic_config()
    with _MIGRATING, _sqlite_migration_lock(engine), engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_MIGRATION_LOCK})
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


@contextmanager
def _sqlite_migration_lock(engine: Engine) -> Iterator[None]:
    """SQLite's counterpart of the advisory lock: a lock file beside the database, so processes
    started together on a new SQLite catalog (a daemon and a worker on one machine) migrate it once
    ("table source already exists" otherwise); the others then find it at head."""
    path = _sqlite_path(engine.url) if engine.dialect.name == "sqlite" else None
    if path is None:
        yield
        return
    with path.with_name(path.name + ".migrate-lock").open("a") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        yield


def alembic_config(url: str | None = None) -> Config:
    """An Alembic config pointing at the migrations inside this package; no alembic.ini needed."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if url is not None:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        # WAL lets the web UI read while a crawl writes.
        cursor.execute("PRAGMA journal_mode=WAL")
    finally:
        cursor.close()


def _sqlite_path(url: URL) -> Path | None:
    database = url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database).expanduser()


def _safe(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return repr(url)


def _reason(exc: SQLAlchemyError) -> str:
    orig = getattr(exc, "orig", None)
    text = str(orig if orig is not None else exc).strip()
    return " ".join(text.split()) or type(exc).__name__
