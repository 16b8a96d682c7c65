"""`Transactions`: the engine, clock and short transactions that every part of `Catalog` shares."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.orm import Session, sessionmaker

from archive.catalog.errors import UnknownSource
from archive.catalog.mapping import aware, utc_now
from archive.catalog.models import Source

_WROTE = "citewatch_wrote"  # Connection.info key: this transaction ran a statement that writes


class Transactions:
    """Holds the engine and the injected clock; each public method opens one short transaction."""

    def __init__(self, engine: Engine, *, clock: Callable[[], datetime] = utc_now) -> None:
        self.engine = engine
        self._clock = clock
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    def close(self) -> None:
        """Release the engine's connections."""
        self.engine.dispose()

    @contextmanager
    def before_commit(self, callback: Callable[[], None]) -> Iterator[None]:
        """Run ``callback`` before every commit of this catalog that writes, while the block runs.

        For what the rows about to be committed point at: a crawl makes the WARC records it wrote
        durable here, so a committed capture never refers to a record a power cut could lose.
        A transaction that only read (every statement a SELECT) does not call it: the crawl looks
        up each response's previous capture in a transaction of its own.  If ``callback``
        raises, the transaction is rolled back.
        """

        def on_execute(connection: Any, _cursor: Any, statement: str, *_args: Any) -> None:
            if statement.lstrip()[:6].upper() != "SELECT":
                connection.info[_WROTE] = True

        def on_commit(connection: Any) -> None:
            if connection.info.pop(_WROTE, False):
                callback()

        def on_rollback(connection: Any) -> None:
            connection.info.pop(_WROTE, None)

        listeners = (("before_cursor_execute", on_execute), ("commit", on_commit), ("rollback", on_rollback))
        for name, listener in listeners:
            event.listen(self.engine, name, listener)
        try:
            yield
        finally:
            for name, listener in listeners:
                event.remove(self.engine, name, listener)

    @contextmanager
    def _tx(self) -> Iterator[Session]:
        with self._sessions.begin() as session:
            yield session

    def _now(self) -> datetime:
        return aware("clock time", self._clock())

    def _at(self, now: datetime | None) -> datetime:
        """``now`` as given by a caller (checked to be aware), else the clock's time."""
        return aware("now", now) if now is not None else self._now()

    @staticmethod
    def _source(session: Session, source_id: int) -> Source:
        source = session.get(Source, source_id)
        if source is None:
            raise UnknownSource(source_id)
        return source
