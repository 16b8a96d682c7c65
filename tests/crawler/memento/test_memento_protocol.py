"""Reading TimeGate answers (RFC 7089), with the headers real archives send."""

from __future__ import annotations

from datetime import UTC, datetime

from archive.links import parse_links
from archive.links.memento import http_date
from crawler.memento.protocol import negotiate, raw_memento_url, wayback_timestamp

TG = "http://127.0.0.1:8080/coll/http://gov.example/statement"
# pywb 2.9.1's Link header, verbatim (its datetime holds a comma).
PYWB_LINK = (
    '<http://gov.example/statement>; rel="original", '
    '<http://127.0.0.1:8080/coll/http://gov.example/statement>; rel="timegate", '
    '<http://127.0.0.1:8080/coll/timemap/link/http://gov.example/statement>; rel="timemap"; '
    'type="application/link-format", '
    "<http://127.0.0.1:8080/coll/20200301100000mp_/http://gov.example/statement>; "
    'rel="memento"; datetime="Sun, 01 Mar 2020 10:00:00 GMT"'
)
MARCH = datetime(2020, 3, 1, 10, tzinfo=UTC)


def test_pywb_link_headers_read_with_archive_links() -> None:
    links = parse_links(
        PYWB_LINK + ', <http://x.example/a>; rel="first memento"; datetime="Mon, 02 Mar 2020 10:00:00 GMT"'
    )
    assert [link.rels for link in links] == [
        ("original",),
        ("timegate",),
        ("timemap",),
        ("memento",),
        ("first", "memento"),
    ]
    assert links[3].param("datetime") == "Sun, 01 Mar 2020 10:00:00 GMT"
    assert links[2].param("type") == "application/link-format"


def test_a_redirecting_timegate_names_the_memento_in_location() -> None:
    found = negotiate(
        302, [("Location", "/coll/20200301100000/http://gov.example/statement"), ("Link", PYWB_LINK)], TG
    )
    assert found is not None
    assert found.uri_m == "http://127.0.0.1:8080/coll/20200301100000/http://gov.example/statement"
    assert found.link == PYWB_LINK


def test_a_200_timegate_names_it_in_content_location_or_only_in_its_link_header() -> None:
    located = negotiate(
        200,
        [("Content-Location", "http://127.0.0.1:8080/coll/20200301100000id_/http://gov.example/statement")],
        TG,
    )
    assert located is not None and located.uri_m.endswith("20200301100000id_/http://gov.example/statement")
    framed = negotiate(200, [("Link", PYWB_LINK)], TG)  # pywb's framed replay: a frame page, and the Link
    assert framed is not None
    assert framed.uri_m == "http://127.0.0.1:8080/coll/20200301100000mp_/http://gov.example/statement"
    assert framed.datetime == MARCH


def test_no_memento_is_none() -> None:
    assert negotiate(302, [("Link", "<broken; rel=memento")], TG) is None  # no Location, a bad Link
    assert negotiate(404, [("Link", PYWB_LINK)], TG) is None
    assert negotiate(200, [("Content-Type", "text/html")], TG) is None  # a page, but no memento named
    assert negotiate(302, [], TG) is None


def test_the_raw_form_of_a_wayback_memento() -> None:
    assert (
        raw_memento_url("https://web.archive.org/web/20200301100000/https://gov.example/a?b=1")
        == "https://web.archive.org/web/20200301100000id_/https://gov.example/a?b=1"
    )
    assert raw_memento_url("http://127.0.0.1:8080/coll/20200301100000mp_/http://gov.example/") == (
        "http://127.0.0.1:8080/coll/20200301100000id_/http://gov.example/"
    )
    assert raw_memento_url("https://archive.example/memento/abc123") is None  # not wayback-like
    assert wayback_timestamp("https://web.archive.org/web/20200301100000/https://gov.example/") == MARCH


def test_accept_datetime_is_an_http_date_in_gmt() -> None:
    assert http_date(datetime(2026, 11, 30, 8, 15, tzinfo=UTC)) == "Mon, 30 Nov 2026 08:15:00 GMT"
