"""The bounds of the integers a URL can carry: ids and page numbers.

The catalog's ids are 64-bit integers (SQLite INTEGER, PostgreSQL BIGINT): a number past that
range cannot name anything, and handing it to the database driver fails inside it (a 500). So
every id and page parameter of every route is declared with these types, and answers 422 when out
of range (tests/archive/web/test_web_bounds.py checks every route declares them).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query

MAX_ID = 2**63 - 1
MAX_PER_PAGE = 200
# The offset of the last page, (page - 1) * per_page, must still fit in 64 bits.
MAX_PAGE = MAX_ID // MAX_PER_PAGE

Id = Annotated[int, Path(ge=1, le=MAX_ID, description="a catalog id")]
PageNo = Annotated[int, Query(ge=1, le=MAX_PAGE, description="1-based page number")]
PerPage = Annotated[int, Query(ge=1, le=MAX_PER_PAGE, description="items per page")]
OptionalId = Annotated[int | None, Query(ge=1, le=MAX_ID, description="a catalog id")]
