"""The FastAPI router serving ``GET /replay/{timestamp}/{url}``, Wayback style, and its scripted
twin ``GET /replay/scripts/{timestamp}/{url}`` (see `archive.web.replay.navigation`)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from sqlalchemy import Engine

from archive.web.replay.headers import PREFLIGHT, connect_source
from archive.web.replay.lookup import CaptureLookup
from archive.web.replay.navigation import (
    REPLAY_SPACE,
    SCRIPTED_REPLAY_SPACE,
    Answer,
    answer_for,
    capture_page_path,
    replay_prefix,
)
from archive.web.replay.replayer import ReadRecord, Replayer, Reply

ROUTE = "/replay/{timestamp}/{url:path}"
SCRIPTED_ROUTE = "/replay/scripts/{timestamp}/{url:path}"


def build_replay_router(*, engine: Engine, read_record: ReadRecord, base_url: str | None = None) -> APIRouter:
    """A router replaying archived captures from the catalog at ``engine``.

    ``read_record(row)`` returns the raw gzip member of a capture's WARC record (one ranged read
    from the store or the spool), or None when the WARC is nowhere to be found.  Replay only reads
    the catalog and those records: it never makes an outbound request.  A top-level navigation to
    a replay URL is redirected to the UI's capture page (``captures/{id}`` beside ``replay/``).
    Replayed captures carry Memento headers (RFC 7089) linking to the TimeGate and TimeMap under
    ``base_url`` (the archive's public address), or under the router's root when it is None.
    HEAD is answered like GET, without the body: Memento clients probe with it.
    """
    replayer = Replayer(CaptureLookup(engine), read_record)
    router = APIRouter()

    # Registered first: "scripts" is never a timestamp, so the plain route cannot take these.
    @router.api_route(SCRIPTED_ROUTE, methods=["GET", "HEAD"], include_in_schema=False)
    def replay_with_scripts(timestamp: str, url: str, request: Request) -> Response:
        return _respond(answer(replayer, request, timestamp, url, scripts=True, base_url=base_url))

    @router.options(SCRIPTED_ROUTE, include_in_schema=False)
    def preflight() -> Response:
        return Response(status_code=204, headers=dict(PREFLIGHT))

    @router.api_route(ROUTE, methods=["GET", "HEAD"], include_in_schema=False)
    def replay(timestamp: str, url: str, request: Request) -> Response:
        return _respond(answer(replayer, request, timestamp, url, scripts=False, base_url=base_url))

    return router


def answer(
    replayer: Replayer,
    request: Request,
    timestamp: str,
    url: str,
    *,
    scripts: bool,
    base_url: str | None = None,
) -> Reply:
    """The reply to a replay request, by who loads it (`answer_for`) and the space it asks for."""
    root, target = split_replay_path(request, timestamp, url, scripts=scripts)
    decided = answer_for(request.headers.get("sec-fetch-dest"), scripts_asked=scripts)
    if decided is Answer.CAPTURE_PAGE:
        return replayer.capture_page(
            timestamp=timestamp, url=target, page=lambda capture_id: capture_page_path(root, capture_id)
        )
    prefix = replay_prefix(root, scripts=scripts)
    return replayer.replay(
        prefix=prefix,
        timestamp=timestamp,
        url=target,
        scripts=decided is Answer.WITH_SCRIPTS,
        connect_to=connect_source(request.url.scheme, request.headers.get("host"), prefix)
        if scripts
        else None,
        memento_base=base_url or root,
    )


def split_replay_path(
    request: Request, timestamp: str, url: str, *, scripts: bool = False
) -> tuple[str, str]:
    """(root the router is mounted at, archived URL) of a replay request."""
    return split_path(request, f"/{SCRIPTED_REPLAY_SPACE if scripts else REPLAY_SPACE}{timestamp}/", url)


def split_path(request: Request, marker: str, url: str) -> tuple[str, str]:
    """(root, archived URL) from the raw request path, the URL being what follows ``marker`` (e.g.
    ``/replay/20261125153000/``): the path parameter ``url`` has lost the ``?query`` and its
    percent-escapes, and the router may be mounted below a prefix."""
    raw = request.scope.get("raw_path")
    path = raw.decode("latin-1") if isinstance(raw, bytes) else request.url.path
    at = path.find(marker)
    if at < 0:
        root, target = "/", url
    else:
        root, target = path[:at] + "/", path[at + len(marker) :]
    query = request.scope.get("query_string", b"")
    if isinstance(query, bytes) and query:
        target += "?" + query.decode("latin-1")
    return root, target


def _respond(reply: Reply) -> Response:
    return Response(content=reply.body, status_code=reply.status, headers=dict(reply.headers))
