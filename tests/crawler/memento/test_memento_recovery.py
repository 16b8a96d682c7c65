"""The capture spider asks Memento archives only for sources dead at their first capture."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

import scrapy
from scrapy.http import HtmlResponse, Request

from archive.warc.exchange import WrittenRecord
from crawler.config import CrawlConfig
from crawler.memento import MementoArchive, MementoRecovery
from crawler.memento.recovery import MEMENTO_KEY, TIMEGATE_KEY
from crawler.middlewares.warcrecorder import UNRECORDED_KEY
from crawler.model import CaptureRef, CaptureResult, CaptureTarget, Recovered
from crawler.spiders.capture import TARGET_KEY, CaptureSpider

URL = "http://gov.example/statement"
CITED = datetime(2026, 11, 2, 9, tzinfo=UTC)
ARCHIVES = (
    MementoArchive("empty", "http://127.0.0.1:9/empty/"),
    MementoArchive("ia", "http://127.0.0.1:9/web/"),
)


class Sink:
    def __init__(self, earlier: bool) -> None:
        self.earlier = earlier

    def has_earlier_capture(self, source_id: int, capture: CaptureRef) -> bool:
        return self.earlier


def spider(*, earlier: bool = False, archives: tuple[MementoArchive, ...] = ARCHIVES) -> CaptureSpider:
    recovery = MementoRecovery(
        archives,
        soft_not_found=lambda body, ctype, url: b"not found" in body,
        wanted_at=lambda source_id: CITED,
    )
    made = CaptureSpider(
        targets=[],
        warc_writer=None,
        sink=Sink(earlier),  # type: ignore[arg-type]
        config=CrawlConfig(),
        recovery=recovery if archives else None,
    )
    made.crawler = SimpleNamespace(stats=None)  # type: ignore[assignment]  # no crawl: no stats
    return made


def result(status: int | None, *, error_kind: str | None = None) -> CaptureResult:
    return CaptureResult(
        target=CaptureTarget(url=URL, source_id=7, lease="token"),
        captured_at=CITED,
        final_url=URL,
        status=status,
        content_type="text/html",
        record=WrittenRecord("w.warc.gz", 0, 1, "response" if status else "metadata", "<urn:uuid:1>", None),
        error_kind=error_kind,
    )


def asked(s: CaptureSpider, r: CaptureResult, body: bytes = b"") -> list[scrapy.Request]:
    return list(s._recover(r, CaptureRef(), body))


def test_a_first_capture_that_is_gone_asks_the_first_timegate() -> None:
    [request] = asked(spider(), result(404))
    assert request.url == f"http://127.0.0.1:9/empty/{URL}"
    assert request.headers.get("Accept-Datetime") == b"Mon, 02 Nov 2026 09:00:00 GMT"
    assert request.meta[UNRECORDED_KEY] and request.meta["dont_redirect"]
    assert request.meta[TIMEGATE_KEY].target.lease is None  # the source's lease ended with its capture


def test_dead_means_404_410_no_dns_or_a_soft_404() -> None:
    assert len(asked(spider(), result(410))) == 1
    assert len(asked(spider(), result(None, error_kind="dns"))) == 1
    assert len(asked(spider(), result(200), b"<h1>Page not found</h1>")) == 1
    assert asked(spider(), result(200), b"<h1>Statement</h1>") == []
    assert asked(spider(), result(None, error_kind="refused")) == []
    assert asked(spider(), result(503)) == []


def test_no_archives_or_an_earlier_capture_asks_nothing() -> None:
    assert asked(spider(archives=()), result(404)) == []
    assert asked(spider(earlier=True), result(404)) == []  # a deletion, reported as such


def _answer(request: Request, status: int, headers: dict[str, str]) -> HtmlResponse:
    return HtmlResponse(url=request.url, status=status, headers=headers, body=b"", request=request)


def test_a_timegate_without_a_memento_passes_the_question_on_and_a_redirect_is_fetched_raw() -> None:
    s = spider()
    [first] = asked(s, result(404))
    [second] = list(s._on_timegate(_answer(first, 404, {})))
    assert second.url == f"http://127.0.0.1:9/web/{URL}"
    [memento] = list(
        s._on_timegate(_answer(second, 302, {"Location": f"http://127.0.0.1:9/web/20200301100000/{URL}"}))
    )
    assert memento.url == f"http://127.0.0.1:9/web/20200301100000id_/{URL}"
    recovered: Recovered = memento.meta[MEMENTO_KEY]
    assert (recovered.archive, recovered.raw, recovered.uri_m) == (
        "ia",
        True,
        f"http://127.0.0.1:9/web/20200301100000/{URL}",
    )
    assert recovered.memento_datetime == datetime(2020, 3, 1, 10, tzinfo=UTC)
    target: CaptureTarget = memento.meta[TARGET_KEY]
    assert (target.url, target.source_id) == (URL, 7)
    assert not memento.meta.get(UNRECORDED_KEY)  # the memento goes into the WARC like any capture
