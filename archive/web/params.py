"""The bounds of the integers a URL can carry: ids and page numbers.

The catalog's id columns are ``Integer`` (archive/catalog/models.py): 64-bit on SQLite, but 32-bit
``integer`` on PostgreSQL, so the ids any catalog can hold stop at 2**31 - 1. A number past that
cannot name anything, and handing it to the database driver fails inside it (PostgreSQL: "integer
out of range", a 500). So every id parameter of every route is bounded by `MAX_ID`, every page
parameter by `MAX_PAGE`, and both answer 422 when out of range (tests/archive/web/test_web_bounds.py
checks that every route declares them, on SQLite and on PostgreSQL). Widening the id columns to
``BigInteger`` would be a migration; raise `MAX_ID` with it, not before.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query

# What the catalog's id columns hold on every backend: PostgreSQL's 32-bit ``integer`` (the
# columns are ``Integer`` in archive/catalog/models.py); SQLite's would go to 2**63 - 1.
MAX_ID = 2**31 - 1
MAX_PER_PAGE = 200
# The offset of the last page, (page - 1) * per_page, must still fit in the 64 bits SQL's OFFSET
# takes (PostgreSQL's is a bigint); no table holds more rows than MAX_ID anyway.
MAX_PAGE = (2**63 - 1) // MAX_PER_PAGE

Id = Annotated[int, Path(ge=1, le=MAX_ID, description="a catalog id")]
PageNo = Annotated[int, Query(ge=1, le=MAX_PAGE, description="1-based page number")]
PerPage = Annotated[int, Query(ge=1, le=MAX_PER_PAGE, description="items per page")]
OptionalId = Annotated[int | None, Query(ge=1, le=MAX_ID, description="a catalog id")]
# Deep pages are reached by cursor: the id of the row a page follows (after) or precedes (before).
After = Annotated[
    int | None, Query(ge=1, le=MAX_ID, description="the page after this row id (a list's next link)")
]
Before = Annotated[
    int | None, Query(ge=1, le=MAX_ID, description="the page before this row id (a list's previous link)")
]
