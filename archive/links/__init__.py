"""Web links (RFC 8288): the ``Link`` header and ``application/link-format`` documents, written by
the Memento routes of the UI and read by the crawler's Memento client (`crawler.memento`); below
both, so reading a TimeGate's answer does not import the web UI."""

from archive.links.errors import MalformedLinks
from archive.links.linkformat import Link, format_link, format_links, link_uri, parse_links

__all__ = ["Link", "MalformedLinks", "format_link", "format_links", "link_uri", "parse_links"]
