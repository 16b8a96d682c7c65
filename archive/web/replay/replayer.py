"""`Replayer`: from a timestamp and an archived URL to the reply the browser gets, never going online."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from archive.links.memento import timestamp14
from archive.store.errors import StoreError
from archive.text.decoding import decode_payload
from archive.text.mediatype import MediaType, extract_media_type
from archive.warc.errors import WarcError
from archive.warc.reader import ArchivedRecord, read_record
from archive.web.replay.errors import NotArchived, RecordUnavailable, ReplayError
from archive.web.replay.headers import (
    CAPTURE_CACHE_CONTROL,
    ERROR_CACHE_CONTROL,
    READABLE,
    SECURITY_HEADERS,
    VARY,
    cors_headers,
    header_value,
    memento_headers,
    passed_archived_headers,
    scripted_security_headers,
)
from archive.web.replay.lookup import CaptureLookup, CaptureRow, url_forms, url_variants
from archive.web.replay.pages import error_page
from archive.web.replay.rewrite import ReplaySpace, rewrite_css, rewrite_html
from archive.web.replay.timestamps import parse_timestamp

ReadRecord = Callable[[CaptureRow], "bytes | None"]

HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
CSS_TYPES = frozenset({"text/css"})
BODYLESS_STATUSES = frozenset({204, 205, 304})
_COLLAPSED_SCHEME = re.compile(r"\A(https?):/+", re.IGNORECASE)
_ANY_SCHEME = re.compile(r"\A[A-Za-z][A-Za-z0-9+.\-]*:")


@dataclass(frozen=True)
class Reply:
    """What to answer: status, headers (in order, names as sent) and body."""

    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes


class Replayer:
    """Serves archived captures: closest in time, payloads decoded, HTML and CSS rewritten."""

    def __init__(self, lookup: CaptureLookup, read: ReadRecord) -> None:
        self._lookup = lookup
        self._read = read

    def replay(
        self,
        *,
        prefix: str,
        timestamp: str,
        url: str,
        scripts: bool = False,
        connect_to: str | None = None,
        memento_base: str = "/",
    ) -> Reply:
        """The reply to ``{prefix}{timestamp}/{url}``; errors become small pages with their status.

        ``scripts`` serves it under the policy that lets its scripts run, an HTML page with the fetch
        shim first in its head (`archive.web.replay.shim`).  ``connect_to`` is set in the scripted
        space (a `connect_source`): there the page's scripts may connect to it, and every archived
        answer is readable by them (`READABLE`: the sandboxed page's origin is opaque).
        ``memento_base`` is where the Memento links (TimeGate, TimeMap, URI-M) point: the archive's
        public base URL, or the root path the replay router is mounted at.
        """
        security = scripted_security_headers(connect_to) if scripts else SECURITY_HEADERS
        try:
            target = target_url(url)
            row = self._closest(timestamp, target)
            space = ReplaySpace(timestamp, prefix)
            reply = self._serve(row, target, space, security, scripts=scripts, memento_base=memento_base)
        except ReplayError as exc:
            return error_reply(exc)
        if connect_to is None or any(name.lower() == READABLE[0].lower() for name, _ in reply.headers):
            return reply
        return Reply(reply.status, (*reply.headers, READABLE), reply.body)

    def capture_page(self, *, timestamp: str, url: str, page: Callable[[int], str]) -> Reply:
        """A redirect to ``page(capture_id)``, the UI page framing the capture `replay` would serve
        (for a top-level navigation to a replay URL); errors become small pages, as in `replay`."""
        try:
            row = self._closest(timestamp, target_url(url))
        except ReplayError as exc:
            return error_reply(exc)
        # Not cached: which capture is closest changes with the next crawl.
        no_store = ("Cache-Control", ERROR_CACHE_CONTROL)
        return Reply(303, (("Location", page(row.id)), *SECURITY_HEADERS, no_store, VARY), b"")

    def _closest(self, timestamp: str, target: str) -> CaptureRow:
        row = self._lookup.closest(target, parse_timestamp(timestamp))
        if row is None:
            raise NotArchived(target)
        return row

    def _serve(
        self,
        row: CaptureRow,
        target: str,
        requested: ReplaySpace,
        security: tuple[tuple[str, str], ...],
        *,
        scripts: bool,
        memento_base: str,
    ) -> Reply:
        # A page links with its own capture time; a stylesheet keeps the time it was asked for,
        # which is its page's, so the requisites of requisites stay with that page too.
        space = ReplaySpace(timestamp14(row.captured_at), requested.prefix)
        if row.final_url and not _same_page(row.final_url, target) and _same_page(row.url, target):
            # The fetch followed redirects: answer with the first hop, into replay space, so the
            # page is replayed under the URL its relative links and scripts expect.
            hop = row.redirect_status
            hop_status = hop if hop is not None and 300 <= hop < 400 else 302
            location = space.url(row.final_url, row.final_url)
            hop_headers = [("Location", location)]
            return _capture_reply(
                hop_status, hop_headers, b"", row, (row.url, target, memento_base), security
            )
        record = self._load(row)
        headers, status, payload = record.http_headers, record.http_status, record.payload
        if record.rec_type == "revisit" or row.record_type == "revisit":
            original = self._original(row, record)
            payload = original.payload
            if not headers:
                headers, status = original.http_headers, original.http_status
        page_url = record.target_uri or row.final_url or row.url
        status = status or row.status or 200
        media = _media_type(headers, row.content_type) or _sniff(payload)
        body, content_type = _rewritten(payload, media, page_url, space, requested, scripts=scripts)
        out = [("Content-Type", header_value(content_type) or "application/octet-stream")]
        archived_location = _first(headers, "Location")
        if 300 <= status < 400 and archived_location:
            replayed = space.url(archived_location, page_url)
            if replayed.startswith(requested.prefix):
                out.append(("Location", replayed))
        if not 200 <= status <= 599:
            # Statuses HTTP cannot carry (LinkedIn's 999, a final 1xx): show the page, name the status.
            out.append(("X-Archived-Status", str(status)))
            status = 200
        if status in BODYLESS_STATUSES:
            body = b""
        out += cors_headers(content_type) + passed_archived_headers(headers)
        return _capture_reply(status, out, body, row, (page_url, target, memento_base), security)

    def _original(self, revisit: CaptureRow, record: ArchivedRecord) -> ArchivedRecord:
        digest = revisit.payload_digest or record.warc_header("WARC-Payload-Digest")
        if not digest:
            raise RecordUnavailable(revisit.url, "a revisit record without a payload digest")
        original = self._lookup.original_of(revisit, digest, refers_to=record.warc_header("WARC-Refers-To"))
        if original is None:
            raise RecordUnavailable(revisit.url, f"no response record holds the revisited payload {digest}")
        return self._load(original)

    def _load(self, row: CaptureRow) -> ArchivedRecord:
        try:
            data = self._read(row)
        except (OSError, StoreError) as exc:
            raise RecordUnavailable(row.url, f"{row.warc_name} at {row.offset}: {exc}") from exc
        if data is None:
            raise RecordUnavailable(row.url, f"{row.warc_name} is neither in the spool nor in the store")
        try:
            return read_record(data)
        except WarcError as exc:
            raise RecordUnavailable(row.url, str(exc)) from exc


def target_url(raw: str) -> str:
    """The archived URL from the part of a replay path after the timestamp: ``http:/x`` (slashes
    merged by a proxy) repaired, and a URL without a scheme taken as ``http://``."""
    repaired = _COLLAPSED_SCHEME.sub(lambda m: m.group(1).lower() + "://", raw, count=1)
    if not _ANY_SCHEME.match(repaired):
        repaired = "http://" + repaired.lstrip("/")
    return repaired


def error_reply(error: ReplayError) -> Reply:
    """A small HTML page for ``error``, with the replay security headers."""
    headers = (
        ("Content-Type", "text/html; charset=utf-8"),
        *SECURITY_HEADERS,
        ("Cache-Control", ERROR_CACHE_CONTROL),
        VARY,
    )
    return Reply(error.status, headers, error_page(error).encode("utf-8"))


def _capture_reply(
    status: int,
    headers: list[tuple[str, str]],
    body: bytes,
    row: CaptureRow,
    memento: tuple[str, str, str],
    security: tuple[tuple[str, str], ...],
) -> Reply:
    """``memento``: (the original URL, the URL asked for, the base of Memento links)."""
    original_url, requested, base = memento
    out = [*headers, *security, ("Cache-Control", CAPTURE_CACHE_CONTROL), VARY]
    out += memento_headers(original_url, row.captured_at, base=base, requested=requested)
    return Reply(status, tuple(out), body)


def _media_type(headers: tuple[tuple[str, str], ...], catalogued: str | None) -> MediaType | None:
    """The media type the browser reads from the archived Content-Type headers (the catalog's
    copy for a record without headers), or None when it reads none."""
    archived = [value for name, value in headers if name.lower() == "content-type"]
    if not archived and catalogued:
        archived = [catalogued]
    return extract_media_type(archived)


def _rewritten(
    payload: bytes,
    media: MediaType,
    page_url: str,
    page: ReplaySpace,
    requisite: ReplaySpace,
    *,
    scripts: bool,
) -> tuple[bytes, str]:
    """The payload to serve, HTML and CSS rewritten (and re-encoded as UTF-8), and its Content-Type:
    always the serialisation of ``media``, so the browser reads the type replay rewrote for."""
    declared = media.essence if media.charset is None else f"{media.essence}; charset={media.charset}"
    if media.essence in HTML_TYPES:
        text = decode_payload(payload, declared, markup=True)
        html = rewrite_html(text, page_url, page, scripted=scripts)
        return html.encode("utf-8"), "text/html; charset=utf-8"
    if media.essence in CSS_TYPES:
        text = decode_payload(payload, declared)
        return rewrite_css(text, page_url, requisite).encode("utf-8"), "text/css; charset=utf-8"
    return payload, media.serialise()


def _sniff(payload: bytes) -> MediaType:
    """A media type for a payload archived without a valid one (nosniff forbids the browser guessing)."""
    head = payload[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith((b"<!doctype html", b"<html", b"<head", b"<body")):
        return MediaType("text", "html")
    return MediaType("application", "octet-stream")


def _same_page(a: str, b: str) -> bool:
    return a in url_forms(b) or a in url_variants(b)


def _first(headers: tuple[tuple[str, str], ...], name: str) -> str | None:
    lowered = name.lower()
    return next((value for key, value in headers if key.lower() == lowered), None)
