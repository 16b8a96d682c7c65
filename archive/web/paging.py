"""Paging the browsing UI's lists at any depth: numbered pages near the top, cursors below.

``OFFSET n`` costs n rows read and thrown away, so page 40,000 of a million sources took seconds.
The first `OFFSET_WINDOW` rows are reachable by number (``?page=N``, as links have always been);
past them, and for every "next"/"previous" link that would go past them, a page is read after or
before a cursor (``?after=ID`` / ``?before=ID``, the id of the row next to it), which an index on
the list's order answers directly however deep it is (`archive.catalog.keyset`).  Counting every
row of a long list costs the same as reading it, so totals are counted up to `COUNT_CAP`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Row, Select, func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from archive.catalog.keyset import Key, after, order
from archive.web.errors import PageTooDeep
from archive.web.rows import Page

T = TypeVar("T")
AnySelect = Select[*tuple[Any, ...]]
AnyRow = Row[*tuple[Any, ...]]
# Rows reachable by page number (Elasticsearch's max_result_window has the same reason and size).
OFFSET_WINDOW = 10_000
# Rows counted at most for a list's total; a longer list is "more than" this.
COUNT_CAP = 10_000


@dataclass(frozen=True)
class PageRequest:
    """Which page a request asks for: a number, or a cursor (``after`` / ``before`` a row id)."""

    page: int = 1
    per_page: int = 25
    after: int | None = None
    before: int | None = None


def count_capped(session: Session, query: AnySelect) -> tuple[int, bool]:
    """How many rows ``query`` has, counting no further than `COUNT_CAP`: (count, exact)."""
    bounded = query.order_by(None).limit(COUNT_CAP + 1).subquery()
    n = int(session.scalar(select(func.count()).select_from(bounded)) or 0)
    return min(n, COUNT_CAP), n <= COUNT_CAP


def read_page(
    session: Session,
    query: AnySelect,
    keys: Sequence[Key],
    ident: InstrumentedAttribute[int],
    request: PageRequest,
    convert: Callable[[Sequence[AnyRow]], Sequence[T]],
    *,
    total: tuple[int, bool] | None = None,
) -> Page[T]:
    """One page of ``query`` in ``keys`` order (the last key is the row id ``ident``).

    ``convert`` turns the page's rows into items; ``total`` is the list's (count, exact) when the
    caller knows it already, else it is counted (`count_capped`).
    """
    size = request.per_page
    count, exact = total if total is not None else count_capped(session, query)
    cursor = request.after if request.after is not None else request.before
    values = _key_values(session, keys, ident, cursor) if cursor is not None else None
    if values is not None and request.after is not None:
        rows = list(session.execute(query.where(after(keys, values)).order_by(*order(keys)).limit(size + 1)))
        more = len(rows) > size
        rows = rows[:size]
        return Page(tuple(convert(rows)), None, size, count, exact,
                    next_after=_ident(rows[-1], ident) if more else None,
                    prev_before=_ident(rows[0], ident) if rows else None)  # fmt: skip
    if values is not None:
        backwards = [Key(k.column, not k.descending) for k in keys]
        found = session.execute(
            query.where(after(backwards, values)).order_by(*order(backwards)).limit(size + 1)
        )
        rows = list(found)
        more = len(rows) > size
        rows = rows[:size][::-1]
        return Page(tuple(convert(rows)), None if more else 1, size, count, exact,
                    next_after=_ident(rows[-1], ident) if rows else None,
                    prev_before=_ident(rows[0], ident) if more else None)  # fmt: skip
    page = max(request.page, 1)
    offset = (page - 1) * size
    if offset >= OFFSET_WINDOW:
        raise PageTooDeep(page, OFFSET_WINDOW)
    rows = list(session.execute(query.order_by(*order(keys)).offset(offset).limit(size + 1)))
    more = len(rows) > size
    rows = rows[:size]
    next_page = next_after = None
    if more and page * size < OFFSET_WINDOW:
        next_page = page + 1
    elif more:
        next_after = _ident(rows[-1], ident)
    return Page(tuple(convert(rows)), page, size, count, exact, next_page=next_page, next_after=next_after,
                prev_page=page - 1 if page > 1 else None)  # fmt: skip


def _key_values(
    session: Session, keys: Sequence[Key], ident: InstrumentedAttribute[int], cursor: int
) -> Sequence[Any] | None:
    """The ordering values of the row ``cursor`` names, or None when there is no such row."""
    found = session.execute(select(*(k.column for k in keys)).where(ident == cursor)).first()
    return None if found is None else tuple(found)


def _ident(row: AnyRow, ident: InstrumentedAttribute[int]) -> int:
    """The id of a page row: the first element's ``id`` (an entity) or the element itself."""
    first: Any = row[0]
    value: int = getattr(first, str(ident.key), first)
    return value
