"""Keyset pagination: walking a long ordered listing in bounded batches, each in its own transaction.

``OFFSET n`` makes the database produce and throw away n rows, so page 40,000 of a million costs
as much as reading them all; and one transaction held open while a slow reader (a pipe, a
terminal) drains a million rows pins SQLite's WAL.  A keyset batch starts right after the last
row of the previous one (``WHERE (a, b) > (last_a, last_b) ORDER BY a, b LIMIT n``), which an
index on the ordering columns answers directly, however deep.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Row, Select, and_, or_
from sqlalchemy.orm import InstrumentedAttribute, Session

T = TypeVar("T")
AnySelect = Select[*tuple[Any, ...]]
AnyRow = Row[*tuple[Any, ...]]
DEFAULT_BATCH = 1_000
FIRST_BATCH = 50


@dataclass(frozen=True)
class Key:
    """One ordering column of a keyset: the column, and whether the listing runs newest/largest first."""

    column: InstrumentedAttribute[Any]
    descending: bool = False


def after(keys: Sequence[Key], values: Sequence[Any]) -> ColumnElement[bool]:
    """The rows strictly after ``values`` in the order of ``keys`` (all in the same direction).

    Spelled ``a >= x AND (a > x OR b > y)`` rather than as a row value: both SQLite and PostgreSQL
    turn the first term into an index range, whatever their versions.
    """
    if len({k.descending for k in keys}) != 1:
        raise ValueError("keyset keys must all run in the same direction")
    first, value = keys[0], values[0]
    if len(keys) == 1:
        beyond: ColumnElement[bool] = first.column < value if first.descending else first.column > value
        return beyond
    rest = after(keys[1:], values[1:])
    if first.descending:
        return and_(first.column <= value, or_(first.column < value, rest))
    return and_(first.column >= value, or_(first.column > value, rest))


def order(keys: Sequence[Key]) -> list[ColumnElement[Any]]:
    """The ORDER BY of a keyset listing."""
    return [k.column.desc() if k.descending else k.column.asc() for k in keys]


def batches(
    session_scope: Callable[[], AbstractContextManager[Session]],
    query: AnySelect,
    keys: Sequence[Key],
    *,
    key_of: Callable[[AnyRow], Sequence[Any]],
    convert: Callable[[Session, list[AnyRow]], list[T]],
    batch: int = DEFAULT_BATCH,
    limit: int | None = None,
) -> Iterator[list[T]]:
    """Yield ``query``'s rows in ``keys`` order, ``batch`` at a time (the first few batches
    smaller), each batch read and converted
    by ``convert(session, rows)`` in a transaction of its own (``session_scope()``); at most
    ``limit`` rows in all.  ``key_of(row)`` gives a row's values of the keys."""
    last: Sequence[Any] | None = None
    left = limit
    # The first batches are small and grow to ``batch``: the first rows are out at once even when
    # converting a row is costly (a change cited by thousands of articles).
    step = min(batch, FIRST_BATCH)
    while left is None or left > 0:
        size = step if left is None else min(step, left)
        step = min(batch, step * 4)
        page = query if last is None else query.where(after(keys, last))
        with session_scope() as session:
            rows = list(session.execute(page.order_by(*order(keys)).limit(size)))
            if not rows:
                return
            out = convert(session, rows)
            last = key_of(rows[-1])
        yield out
        if left is not None:
            left -= len(rows)
        if len(rows) < size:
            return
