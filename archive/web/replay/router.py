"""The FastAPI router serving ``GET /replay/{timestamp}/{url}``, Wayback style."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from sqlalchemy import Engine

from archive.web.replay.lookup import CaptureLookup
from archive.web.replay.replayer import ReadRecord, Replayer

ROUTE = "/replay/{timestamp}/{url:path}"


def build_replay_router(*, engine: Engine, read_record: ReadRecord) -> APIRouter:
    """A router replaying archived captures from the catalog at ``engine``.

    ``read_record(row)`` returns the raw gzip member of a capture's WARC record (one ranged read
    from the store or the spool), or None when the WARC is nowhere to be found.  Replay only reads
    the catalog and those records: it never makes an outbound request.
    """
    replayer = Replayer(CaptureLookup(engine), read_record)
    router = APIRouter()

    @router.get(ROUTE, include_in_schema=False)
    def replay(timestamp: str, url: str, request: Request) -> Response:
        prefix, target = split_replay_path(request, timestamp, url)
        reply = replayer.replay(prefix=prefix, timestamp=timestamp, url=target)
        return Response(content=reply.body, status_code=reply.status, headers=dict(reply.headers))

    return router


def split_replay_path(request: Request, timestamp: str, url: str) -> tuple[str, str]:
    """(replay prefix, archived URL) from the raw request: the path parameter has lost the
    ``?query`` and its percent-escapes, and the router may be mounted below a prefix."""
    raw = request.scope.get("raw_path")
    path = raw.decode("latin-1") if isinstance(raw, bytes) else request.url.path
    marker = f"/replay/{timestamp}/"
    at = path.find(marker)
    if at < 0:
        prefix, target = "/replay/", url
    else:
        prefix, target = path[:at] + "/replay/", path[at + len(marker) :]
    query = request.scope.get("query_string", b"")
    if isinstance(query, bytes) and query:
        target += "?" + query.decode("latin-1")
    return prefix, target
