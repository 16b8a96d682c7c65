"""Memento (RFC 7089) headers and links: the ``Link`` sets of a memento and of a TimeGate's
redirect, and its ``Memento-Datetime``.

The URLs themselves (URI-M = ``/replay/{14-digit timestamp}/{url}``, URI-G = ``/timegate/{url}``,
URI-T = ``/timemap/link/{url}``) are built by `archive.links.memento`, below the web UI, so robust
links and citations use the same builders without loading it.  Pure (no catalog), so replay's
headers and the Memento routes (`archive.web.routes.memento`) both build on it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property

from archive.links.linkformat import Link
from archive.links.memento import LINK_FORMAT, http_date, memento_url, timegate_url, timemap_url, timestamp14


@dataclass(frozen=True)
class Memento:
    """One memento of an original URL: the URL it was captured under and when."""

    url: str
    captured_at: datetime

    @cached_property
    def timestamp(self) -> str:
        """The 14-digit timestamp of its URI-M."""
        return timestamp14(self.captured_at)


def original_link(url: str) -> Link:
    return Link(url, (("rel", "original"),))


def timegate_link(base: str, url: str) -> Link:
    return Link(timegate_url(base, url), (("rel", "timegate"),))


def timemap_link(
    base: str, url: str, *, rel: str = "timemap", first: Memento | None = None, last: Memento | None = None
) -> Link:
    """The TimeMap's link: ``rel="timemap"`` from elsewhere, ``rel="self"`` in the TimeMap itself,
    where ``first`` and ``last`` give its ``from`` and ``until``."""
    params = [("rel", rel), ("type", LINK_FORMAT)]
    if first is not None and last is not None:
        params += [
            ("from", http_date(first.captured_at)),
            ("until", http_date(last.captured_at)),
        ]
    return Link(timemap_url(base, url), tuple(params))


def memento_link(base: str, memento: Memento, rels: Sequence[str] = ()) -> Link:
    """``<URI-M>; rel="[first|last|prev|next ...] memento"; datetime="..."``."""
    rel = " ".join([*rels, "memento"])
    return Link(
        memento_url(base, memento.timestamp, memento.url),
        (("rel", rel), ("datetime", http_date(memento.captured_at))),
    )


def memento_response_links(base: str, original: str, memento: Memento) -> list[Link]:
    """The ``Link`` header of a memento (RFC 7089 §2.2.1): its original, TimeGate and TimeMap, and
    its own exact URI-M, which a replay URL asked for at another second resolves to."""
    return [
        original_link(original),
        timegate_link(base, original),
        timemap_link(base, original),
        memento_link(base, memento),
    ]


def timegate_links(
    base: str,
    original: str,
    chosen: Memento,
    *,
    first: Memento,
    last: Memento,
    prev: Memento | None,
    next_: Memento | None,
) -> list[Link]:
    """The ``Link`` header of a TimeGate's redirect: the original, the TimeMap and the mementos around
    the one chosen, a URI-M named once with all its relation types (``rel="first memento"``)."""
    rels: dict[str, tuple[Memento, list[str]]] = {}
    for name, memento in (("first", first), ("prev", prev), ("", chosen), ("next", next_), ("last", last)):
        if memento is None:
            continue
        key = memento_url(base, memento.timestamp, memento.url)
        entry = rels.setdefault(key, (memento, []))
        if name:
            entry[1].append(name)
    ordered = sorted(rels.values(), key=lambda entry: entry[0].captured_at)
    return [
        original_link(original),
        timemap_link(base, original),
        *(memento_link(base, memento, names) for memento, names in ordered),
    ]
