"""Memento out (RFC 7089): a TimeGate and a TimeMap for every archived URL.

- ``GET /timegate/{url}`` with ``Accept-Datetime`` (missing: the newest) answers 302 to the memento
  replay's rule picks for that moment among the mementos the TimeMap lists (`MementoIndex.closest`:
  a capture recovered from another archive is none of them), with ``Vary: accept-datetime`` and a
  ``Link`` naming the original, the TimeMap and the first, previous, chosen, next and last mementos
  (RFC 7089 §4.1.1, pattern 2.1: the TimeGate is its own resource, so no Memento-Datetime on it).
- ``GET /timemap/link/{url}`` lists every memento as ``application/link-format`` (§5.1), streamed a
  page of catalog rows at a time: a source re-crawled for years has tens of thousands;
  ``GET /timemap/json/{url}`` is the same list in the JSON of the Memento aggregator's Time Travel API.

Links are absolute under the UI's base URL (``ui_base_url``), never built from the ``Host`` header
(see `archive.web.hosts`).  HEAD is answered too: Memento clients probe with it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

from fastapi import APIRouter, Request
from starlette.responses import Response, StreamingResponse

from archive.links.linkformat import format_link, format_links, link_uri
from archive.links.memento import (
    LINK_FORMAT,
    TIMEGATE_PATH,
    TIMEMAP_JSON_PATH,
    TIMEMAP_PATH,
    iso_datetime,
    memento_url,
    parse_http_date,
    timegate_url,
    timemap_json_url,
    timemap_url,
)
from archive.web.context import Web, WebContext
from archive.web.errors import InvalidAcceptDatetime, NoMementos
from archive.web.memento import (
    Memento,
    memento_link,
    original_link,
    timegate_link,
    timegate_links,
    timemap_link,
)
from archive.web.replay.mementos import MementoIndex
from archive.web.replay.replayer import target_url
from archive.web.replay.router import split_path

router = APIRouter()
# The latest moment a lookup can take (it adds a second to what it is given).
LATEST = datetime(9999, 12, 31, 23, 59, 58, tzinfo=UTC)
# Which memento a TimeGate picks changes with the next crawl.
NO_STORE = "private, no-store"
# TimeMap entries per chunk sent (about 200 bytes each).
CHUNK_ENTRIES = 500


@router.api_route("/" + TIMEGATE_PATH + "{url:path}", methods=["GET", "HEAD"], include_in_schema=False)
def timegate(url: str, request: Request, web: Web) -> Response:
    """302 to the memento of ``url`` closest to the request's ``Accept-Datetime``."""
    target = target_url(split_path(request, "/" + TIMEGATE_PATH, url)[1])
    moment = accept_datetime(request.headers.get("accept-datetime"), web.clock)
    index = MementoIndex(web.catalog.engine)
    urls = index.spellings(target)
    chosen = index.closest(urls, moment) if urls else None
    first, last = (index.first(urls), index.last(urls)) if urls else (None, None)
    if urls is None or chosen is None or first is None or last is None:
        raise NoMementos(target)
    base = web.hosts.base_url
    original = target if target in urls else last.url  # found under another spelling: that one
    links = timegate_links(
        base,
        original,
        chosen,
        first=first,
        last=last,
        prev=index.before(urls, chosen),
        next_=index.after(urls, chosen),
    )
    headers = {
        "Location": link_uri(memento_url(base, chosen.timestamp, chosen.url)),
        "Vary": "accept-datetime",
        "Link": format_links(links),
        "Cache-Control": NO_STORE,
    }
    return Response(status_code=302, headers=headers)


@router.api_route("/" + TIMEMAP_PATH + "{url:path}", methods=["GET", "HEAD"], include_in_schema=False)
def timemap(url: str, request: Request, web: Web) -> Response:
    """Every memento of ``url``, oldest first, as an RFC 7089 link-format TimeMap."""
    found = _timemap_of(request, TIMEMAP_PATH, url, web)
    if request.method == "HEAD":
        return Response(media_type=LINK_FORMAT, headers={"Cache-Control": NO_STORE})
    lines = timemap_lines(web.hosts.base_url, *found)
    return StreamingResponse(lines, media_type=LINK_FORMAT, headers={"Cache-Control": NO_STORE})


@router.api_route("/" + TIMEMAP_JSON_PATH + "{url:path}", methods=["GET", "HEAD"], include_in_schema=False)
def timemap_as_json(url: str, request: Request, web: Web) -> Response:
    """The same TimeMap in the JSON of the Memento aggregator's API (Time Travel)."""
    found = _timemap_of(request, TIMEMAP_JSON_PATH, url, web)
    if request.method == "HEAD":
        return Response(media_type="application/json", headers={"Cache-Control": NO_STORE})
    document = timemap_json(web.hosts.base_url, *found)
    return StreamingResponse(document, media_type="application/json", headers={"Cache-Control": NO_STORE})


def _timemap_of(
    request: Request, path: str, url: str, web: WebContext
) -> tuple[str, Memento, Memento, Iterator[Memento]]:
    """(original URL, first memento, last memento, every memento) of the URL a TimeMap asks for."""
    target = target_url(split_path(request, "/" + path, url)[1])
    index = MementoIndex(web.catalog.engine)
    urls = index.spellings(target)
    first, last = (index.first(urls), index.last(urls)) if urls else (None, None)
    if urls is None or first is None or last is None:
        raise NoMementos(target)
    original = target if target in urls else last.url  # found under another spelling: that one
    return original, first, last, index.stream(urls, until=last.captured_at)


def timemap_lines(
    base: str, original: str, first: Memento, last: Memento, mementos: Iterator[Memento]
) -> Iterator[bytes]:
    """The TimeMap document, a line at a time: the original, its TimeGate, the TimeMap itself (with
    ``from`` and ``until``), then each memento, the first and last named so."""
    head = [
        original_link(original),
        timegate_link(base, original),
        timemap_link(base, original, rel="self", first=first, last=last),
    ]
    yield format_links(head, ",\n").encode("ascii")
    # Yielded a batch at a time: each chunk of a streamed answer costs a hop to a worker thread.
    batch: list[str] = []
    pending: Memento | None = None
    at_start = True
    for memento in mementos:
        if pending is not None:
            batch.append(_entry(base, pending, first=at_start, last=False))
            at_start = False
            if len(batch) >= CHUNK_ENTRIES:
                yield "".join(batch).encode("ascii")
                batch = []
        pending = memento
    if pending is not None:
        batch.append(_entry(base, pending, first=at_start, last=True))
    yield ("".join(batch) + "\n").encode("ascii")


def _entry(base: str, memento: Memento, *, first: bool, last: bool) -> str:
    rels = [name for name, on in (("first", first), ("last", last)) if on]
    return ",\n" + format_link(memento_link(base, memento, rels))


def timemap_json(
    base: str, original: str, first: Memento, last: Memento, mementos: Iterator[Memento]
) -> Iterator[bytes]:
    """The TimeMap as Time Travel's JSON (``original_uri``, ``timegate_uri``, ``timemap_uri``, and
    ``mementos`` with ``first``, ``last`` and the ``list``), a batch of entries at a time."""

    def entry(memento: Memento) -> dict[str, str]:
        return {
            "datetime": iso_datetime(memento.captured_at),
            "uri": link_uri(memento_url(base, memento.timestamp, memento.url)),
        }

    head = {
        "original_uri": original,
        "timegate_uri": link_uri(timegate_url(base, original)),
        "timemap_uri": {
            "link_format": link_uri(timemap_url(base, original)),
            "json_format": link_uri(timemap_json_url(base, original)),
        },
    }
    yield (json.dumps(head)[:-1] + ', "mementos": {"first": ').encode()
    yield (json.dumps(entry(first)) + ', "last": ' + json.dumps(entry(last)) + ', "list": [').encode()
    batch: list[str] = []
    for n, memento in enumerate(mementos):
        batch.append(("," if n else "") + json.dumps(entry(memento)))
        if len(batch) >= CHUNK_ENTRIES:
            yield "".join(batch).encode()
            batch = []
    yield ("".join(batch) + "]}}\n").encode()


def accept_datetime(value: str | None, clock: Callable[[], datetime]) -> datetime:
    """The moment an ``Accept-Datetime`` header asks for (RFC 1123, as HTTP dates are written);
    now (``clock()``) when there is none; `InvalidAcceptDatetime` (400) when it is not a date."""
    if value is None or not value.strip():
        return clock()
    moment = parse_http_date(value)
    if moment is None:
        raise InvalidAcceptDatetime(value)
    return min(moment, LATEST)
