"""`Transactions`: the engine, clock and short transactions that every part of `Catalog` shares."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from archive.catalog.errors import UnknownSource
from archive.catalog.mapping import aware, utc_now
from archive.catalog.models import Source


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
    def _tx(self) -> Iterator[Session]:
        with self._sessions.begin() as session:
            yield session

    def _now(self) -> datetime:
        return aware("clock time", self._clock())

    @staticmethod
    def _source(session: Session, source_id: int) -> Source:
        source = session.get(Source, source_id)
        if source is None:
            raise UnknownSource(source_id)
        return source
