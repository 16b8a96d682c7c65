"""The composition root: builds the catalog, store, spool and writer from settings, and runs the jobs.

Everything the command line does goes through :class:`App`, so the CLI stays a thin layer of
argument parsing and output formatting.  The crawler (Scrapy), the object stores (boto3), change
detection and alerts (trafilatura, Apprise) are imported where they are first used: a command
that only lists the catalog starts in a fraction of the time.
"""

from __future__ import annotations

import itertools
import logging
import os
import socket
import sqlite3
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import create_engine, inspect, make_url
from sqlalchemy.engine import URL
from sqlalchemy.exc import SQLAlchemyError

from archive.catalog.db import open_catalog
from archive.catalog.errors import CatalogUnavailable
from archive.catalog.repository import Catalog
from archive.catalog.views import ArticleView, CaptureView
from citewatch import __version__
from citewatch.config import Settings
from citewatch.coordination import crawl_lock, finishing_despite_signals, stop_requested
from citewatch.errors import BadInput, ConfigError, NothingArchived
from crawler.config import MB, CrawlConfig
from crawler.model import ROLE_ARTICLE, ROLE_SOURCE, CaptureResult, CaptureTarget
from scheduler.policy import RevisitPolicy

if TYPE_CHECKING:
    from fastapi import FastAPI

    from archive.export.keys import PublicKey, SigningKey
    from archive.export.wacz import ExportReport
    from archive.fixity.problems import AuditReport
    from archive.index.reindex import ReindexReport
    from archive.report import ArticleReport
    from archive.store.base import Store, StoredObject
    from archive.store.spool import Spool, UploadReport
    from archive.warc.writer import WarcWriter
    from archive.web.evidence import RecordLocation
    from citewatch.browsing import BrowserPhase, BrowserTally
    from citewatch.ingest_queue import IngestQueue
    from citewatch.inputs import ArticleInput
    from citewatch.sink import CatalogSink, CrawlTally
    from crawler.memento import MementoRecovery
    from crawler.runner import CrawlStats
    from scheduler.alerts.deliver import DeliveryReport
    from scheduler.changes import ChangeRecorder

logger = logging.getLogger(__name__)

ProgressFn = Callable[[CaptureResult, "CrawlTally"], None]
STALE_SENDING = timedelta(minutes=10)
UNUPLOADED_PATIENCE = timedelta(hours=1)
# Under $CITEWATCH_HOME, beside the catalog: private to this archive, never uploaded or exported.
SIGNING_KEY_FILE = Path("keys") / "wacz-signing-key.pem"
# The capture log's note when `reindex` rebuilds a lost catalog (docs/verify.md).
REBUILT_NOTE = (
    "catalog rebuilt by citewatch reindex: the captures that follow were read back from the WARC "
    "files, not seen being captured; the chain of the lost catalog is not continued"
)


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class CrawlOutcome:
    """What one crawl did, for the user and for scripts."""

    tally: CrawlTally
    stats: CrawlStats | None
    upload: UploadReport | None
    article_ids: list[int] = field(default_factory=list)
    changes: list[int] = field(default_factory=list)
    delivery: DeliveryReport | None = None
    browser: BrowserTally | None = None


class App:
    """One citewatch instance: settings, catalog, store and spool, wired together.

    ``read_only`` is for the commands that only look (``sources``, ``captures``, ``changes``,
    ``alerts``, ``export``): nothing is created, migrated into being or recovered, and when there
    is no catalog yet `NothingArchived` says so instead.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        clock: Callable[[], datetime] = utc_now,
        read_only: bool = False,
        worker_id: str | None = None,
    ) -> None:
        self.settings = settings
        self.clock = clock
        # A worker (scale-out) writes WARCs under its own name into its own spool, and recovers
        # only that spool when it restarts: workers on one disk never touch each other's files.
        self.worker_id = worker_id
        self.spool_dir = settings.spool_dir / worker_id if worker_id else settings.spool_dir
        self.warc_prefix = f"{settings.warc_prefix}-{worker_id}" if worker_id else settings.warc_prefix
        self._lock_name = f"worker-{worker_id}" if worker_id else "crawl"
        if read_only:
            self.catalog: Catalog = open_catalog(
                existing_catalog_url(settings), create_dirs=False, clock=clock
            )
        else:
            settings.home_dir.mkdir(parents=True, exist_ok=True)
            self.catalog = open_catalog(settings.db_url, clock=clock)
        self._read_only = read_only
        self.policy = RevisitPolicy(
            fresh_for=timedelta(hours=settings.revisit_fresh_hours),
            fresh_interval=timedelta(hours=settings.revisit_fresh_interval_hours),
            recent_for=timedelta(hours=settings.revisit_recent_hours),
            recent_interval=timedelta(hours=settings.revisit_recent_interval_hours),
            old_interval=timedelta(hours=settings.revisit_old_interval_hours),
        )
        # A crashed run may have left WARCs open, a torn record at their end and captures the
        # catalog was not told of yet (it is written in batches): make them whole and put those
        # captures back, before anything else.
        self.reindexed: list[ReindexReport] = []
        # The changes `reindex` found among the captures it put back (recorded as of the past).
        self.reindex_changes: list[int] = []
        self.recovered = [] if read_only else self.spool.recover(on_repaired=self._reindex_repaired)

    def _reindex_repaired(self, path: Path, name: str) -> None:
        """Put back the captures of a WARC a killed crawl left open (spool recovery calls this)."""
        from warcio.exceptions import ArchiveLoadFailed

        from archive.catalog.errors import CatalogError, CatalogUnavailable
        from archive.index.reindex import reindex_warc

        try:
            with path.open("rb") as stream:
                report = reindex_warc(self.catalog, name, stream, next_due=self.next_due)
        except CatalogUnavailable:
            raise  # the file stays .open, and the next start, with a catalog, puts it back
        except (CatalogError, ArchiveLoadFailed, ValueError, EOFError) as exc:
            # Something in the file itself: trying again would fail the same way.  It is closed
            # and uploaded all the same (nothing in it is lost), and `citewatch reindex` puts its
            # captures back once the cause is fixed.
            logger.warning(
                "%s: could not put its captures back into the catalog (%s); run "
                "`citewatch reindex` once that is fixed",
                name,
                exc,
            )
            return
        if report.added:
            logger.info("%s: put back %d capture(s) a stopped crawl had not recorded", name, report.added)
        self.reindexed.append(report)

    def next_due(self, first_seen: datetime, now: datetime) -> datetime:
        """When a source first cited at ``first_seen`` and captured ``now`` is next due."""
        return self.policy.next_due(first_seen=first_seen, now=now)

    @cached_property
    def store(self) -> Store:
        from archive.store import open_store

        return open_store(
            self.settings.store_url, multipart_threshold=int(self.settings.s3_multipart_threshold_mb * MB)
        )

    @cached_property
    def ingests(self) -> IngestQueue:
        """The web UI's queue of background ingests (its module brings in the web layer)."""
        from citewatch.ingest_queue import IngestQueue

        return IngestQueue(
            command=lambda url: [sys.executable, "-m", "citewatch", "ingest", url],
            logs=self.settings.home_dir / "logs",
            concurrency=self.settings.ui_ingest_concurrency,
            capacity=self.settings.ui_ingest_queue,
            clock=self.clock,
        )

    @cached_property
    def spool(self) -> Spool:
        from archive.store.spool import Spool

        return Spool(self.spool_dir, self.store, on_stored=self._stored, create=not self._read_only)

    def _stored(self, obj: StoredObject) -> None:
        name = Path(obj.key).name
        if name.endswith(".warc.gz"):
            self.catalog.mark_warc_stored(name, key=obj.key, size=obj.size, sha256=obj.sha256)

    def crawl_config(self) -> CrawlConfig:
        s = self.settings
        return CrawlConfig(
            user_agent=s.user_agent,
            obey_robots=s.obey_robots,
            allow_private=s.allow_private,
            concurrent_requests=s.concurrent_requests,
            concurrent_per_domain=s.concurrent_per_domain,
            autothrottle=s.autothrottle,
            autothrottle_target_concurrency=s.autothrottle_target_concurrency,
            download_delay=s.download_delay,
            download_timeout=s.download_timeout,
            max_body_bytes=int(s.max_body_mb * MB),
            max_redirects=s.max_redirects,
            requisites=s.requisites,
            max_requisites=s.max_requisites,
            max_requisite_bytes=int(s.max_requisite_mb * MB),
            retry_times=s.retry_times,
            redis_url=s.redis_url,
        )

    def ingest_files(self, inputs: Sequence[ArticleInput], *, all_links: bool) -> list[ArticleView]:
        """Extract and catalog the file articles (URL articles are handled by the crawl).

        Every file is read and extracted before the first one is cataloged, so one unreadable
        file leaves the catalog exactly as it was.
        """
        from citewatch.sink import citation_records
        from crawler.ingest import extract, kind_for
        from crawler.ingest.errors import IngestError

        extracted = []
        for item in inputs:
            if item.path is None:
                continue
            try:
                data = item.path.read_bytes()
            except OSError as exc:
                raise BadInput(
                    f"{item.path}: cannot read it ({exc.strerror}); check its permissions"
                ) from exc
            kind = kind_for(item.path.name)
            try:
                extracted.append((item, kind, extract(data, kind=kind, all_links=all_links)))
            except IngestError as exc:
                raise BadInput(f"{item.path}: {exc}") from exc
        return [
            self.catalog.add_article(
                origin=item.origin, title=article.title, kind=kind, citations=citation_records(article)
            )
            for item, kind, article in extracted
        ]

    def crawl(
        self,
        targets: Iterable[CaptureTarget],
        *,
        all_links: bool = False,
        progress: ProgressFn | None = None,
    ) -> CrawlOutcome:
        """Capture the targets in this process, judge the changes, move finished WARCs to the store.

        ``targets`` is read lazily, as the crawl has room for them (see `due_targets`).  Only one
        crawl can run per process (Twisted's reactor does not restart).
        """
        from citewatch.browsing import BrowserPhase

        sink = self._sink(all_links=all_links, progress=progress)
        browser = BrowserPhase(self, on_capture=sink.on_browser_capture)
        # Sources that need a browser are taken out here and captured beside the HTTP crawl.
        pending = _nonempty(browser.route(iter(targets)))
        return self._crawl_then_judge(
            sink, None if pending is None else lambda: self._run(pending, sink), browser=browser
        )

    def work_round(
        self,
        *,
        progress: ProgressFn | None = None,
        stopping: Callable[[], bool] = lambda: False,
        wait_for_work: bool = True,
    ) -> CrawlOutcome:
        """One round of a worker (scale-out): capture what the shared queue hands this worker
        until it has been idle a while or the round is long enough, then judge the changes,
        upload the WARCs and send the alerts, exactly as after a local crawl."""
        redis_url = self.settings.redis_url
        if self.worker_id is None or redis_url is None:
            raise ConfigError("a worker needs CITEWATCH_REDIS_URL (and a worker id)")
        from citewatch.browsing import BrowserPhase
        from crawler.settings import worker_settings
        from crawler.spiders.worker import WorkerSpider

        s = self.settings
        sink = self._sink(all_links=False, progress=progress, collect_sources=True)
        browser = BrowserPhase(self, on_capture=sink.on_browser_capture)
        spider = {
            "spider_cls": WorkerSpider,
            "spider_args": {
                "leases": self.catalog,
                "owner": self.worker_id,
                "lease_for": timedelta(seconds=s.lease_seconds),
                "idle_seconds": s.worker_idle_seconds,
                "round_seconds": s.worker_round_seconds,
                "stopping": stopping,
                "wait_for_work": wait_for_work,
                "divert": browser.divert,
                "browser_full": browser.full,
            },
            "extra_settings": worker_settings(redis_url),
        }
        return self._crawl_then_judge(sink, lambda: self._run(iter(()), sink, spider=spider), browser=browser)

    def settle(self) -> CrawlOutcome:
        """What a crawl does after its captures, with no crawl: judge what waits, upload what is
        spooled, send the alerts.  A worker restarted after a crash does it at once, so the
        captures its recovery put back are judged and uploaded before it waits for work."""
        return self._crawl_then_judge(self._sink(all_links=False, progress=None), None)

    def _sink(
        self, *, all_links: bool, progress: ProgressFn | None, collect_sources: bool = False
    ) -> CatalogSink:
        from citewatch.sink import CatalogSink

        return CatalogSink(
            self.catalog,
            policy=self.policy,
            clock=self.clock,
            all_links=all_links,
            on_progress=progress,
            collect_sources=collect_sources,
        )

    def _crawl_then_judge(
        self, sink: CatalogSink, run: Callable[[], CrawlStats] | None, *, browser: BrowserPhase | None = None
    ) -> CrawlOutcome:
        stats: CrawlStats | None = None
        changes: list[int] = []
        started = self.clock()
        # Captures a killed or failed earlier run left unjudged are judged now, even with nothing
        # to crawl; under the crawl lock, so no other crawl's detection judges them at once.
        if run is not None or (browser is not None and browser.busy) or self.catalog.has_unjudged():
            with crawl_lock(self.settings.home_dir, self._lock_name):
                interrupted = True  # until the crawl says it ran to its end
                try:
                    if run is not None:
                        stats = run()
                    interrupted = (
                        stats is not None and stats.finish_reason == "shutdown"
                    ) or stop_requested.is_set()
                    if browser is not None and run is not None and not interrupted:
                        with finishing_despite_signals():
                            # The auto sources the crawl captured over HTTP: do they need a browser?
                            browser.check_new(started, only=sink.http_sources)
                finally:
                    if browser is not None:
                        # A stop (SIGTERM, Ctrl-C) ends the browser's work after its page in hand.
                        with finishing_despite_signals():
                            browser.finish(interrupted=interrupted or stop_requested.is_set())
                with finishing_despite_signals():
                    changes = self.change_recorder().process(sink.tally.probes)
        with finishing_despite_signals():
            upload = self.spool.upload_pending()
            delivery = self.deliver_alerts() if changes else None
        return CrawlOutcome(
            tally=sink.tally,
            stats=stats,
            upload=upload,
            article_ids=sink.tally.article_ids,
            changes=changes,
            delivery=delivery,
            browser=browser.tally if browser is not None else None,
        )

    def _run(
        self,
        targets: Iterator[CaptureTarget],
        sink: CatalogSink,
        *,
        spider: dict[str, Any] | None = None,
    ) -> CrawlStats:
        """Crawl into this process's spool; ``spider``: a worker's `run_crawl` arguments (its
        queue-fed spider class, the spider's arguments, its Redis settings)."""
        from crawler.runner import run_crawl

        writer = self.warc_writer()
        spider = dict(spider or {})
        spider["spider_args"] = {**spider.get("spider_args", {}), "recovery": self.memento_recovery()}
        # Around the last batch's commit too (the flush below).
        with self.catalog.before_commit(writer.sync):
            try:
                return run_crawl(
                    sink.prefetching(targets),
                    config=self.crawl_config(),
                    warc_writer=writer,
                    sink=sink,
                    clock=self.clock,
                    **spider,
                )
            finally:
                complete = False
                try:
                    sink.flush()
                    complete = not sink.tally.unrecorded
                finally:
                    if complete:
                        writer.close()
                    else:
                        writer.abandon()  # the next start reads their records back into the catalog

    def memento_recovery(self) -> MementoRecovery | None:
        """Memento in (`crawler.memento`): the configured archives a source dead at its first
        capture is recovered from, asked for the memento closest to when it was first cited
        (ingest does not read an article's publication date); None when none are configured."""
        if not self.settings.memento_archives:
            return None
        from crawler.memento import MementoArchive, MementoRecovery
        from scheduler.detect.classify import first_capture_soft_404

        return MementoRecovery(
            [MementoArchive(a.name, a.timegate) for a in self.settings.memento_archives],
            soft_not_found=first_capture_soft_404,
            wanted_at=self.catalog.source_created_at,
        )

    def warc_writer(self, *, suffix: str | None = None) -> WarcWriter:
        """A writer of this process's WARCs into its spool (``suffix``: a name part of its own,
        for a second writer beside the crawl's, e.g. the browser's)."""
        from archive.warc.writer import WarcWriter

        return WarcWriter(
            self.spool_dir,
            prefix=self.warc_prefix if suffix is None else f"{self.warc_prefix}-{suffix}",
            max_file_size=int(self.settings.warc_max_mb * MB),
            software=f"citewatch/{__version__}",
            warcinfo_fields={
                "operator": self.settings.contact_url,
                "hostname": socket.gethostname(),
                "http-header-user-agent": self.settings.user_agent,
                "robots": "obey" if self.settings.obey_robots else "ignore",
            },
            clock=self.clock,
            # Flushed per record (a killed crawl keeps it), fsynced once before each catalog
            # commit: a committed capture never points at a record a power cut could take back.
            sync_each_record=False,
            # Its files are declared complete together, once their captures are all in the
            # catalog; until then they stay .open, for recovery to take if this process dies.
            hold_until_close=True,
        )

    def change_recorder(self, *, backfill: bool = False) -> ChangeRecorder:
        from scheduler.alerts.targets import targets_for
        from scheduler.changes import ChangeRecorder

        return ChangeRecorder(
            self.catalog,
            read_payload=self.read_payload,
            alert_targets=lambda articles: targets_for(
                articles, global_urls=self.settings.alert_urls, tag_urls=self.settings.alert_tag_urls
            ),
            policy=self.policy,
            failure_threshold=self.settings.failure_threshold,
            clock=self.clock,
            ui_base_url=self.settings.ui_base_url,
            backfill=backfill,
        )

    def deliver_alerts(self) -> DeliveryReport:
        """Send the alert deliveries that are due (retries included)."""
        from scheduler.alerts.deliver import AppriseNotifier, deliver_due

        # A process killed between sending and recording leaves a delivery in 'sending'.
        self.catalog.requeue_stale_sending(self.clock() - STALE_SENDING)
        return deliver_due(self.catalog, AppriseNotifier(), now=self.clock())

    def read_range(self, warc_name: str, offset: int, length: int) -> bytes:
        """Bytes of a WARC, by one ranged read: from the spool if not yet uploaded, else the store."""
        from archive.store.errors import NotYetStored
        from archive.store.spool import warc_key

        spooled = self.spool.locate(warc_name)
        if spooled is not None:
            with spooled.open("rb") as f:
                f.seek(offset)
                return f.read(length)
        if self.settings.redis_url:
            # Scale-out: a WARC another worker is still writing is read once it is uploaded (an
            # hour on, it is taken for lost: its captures' judging then fails and is given up).
            known = self.catalog.warc(warc_name)
            if (
                known is not None
                and known.state != "stored"
                and self.clock() - known.created_at < UNUPLOADED_PATIENCE
            ):
                raise NotYetStored(warc_name)
        return self.store.get_range(warc_key(warc_name), offset, length)

    def read_record_bytes(self, capture: RecordLocation) -> bytes | None:
        """The raw gzip member of a capture's record, or of a browser capture's evidence record
        (None for a capture without one)."""
        if capture.warc_name is None or capture.offset is None or capture.length is None:
            return None
        return self.read_range(capture.warc_name, capture.offset, capture.length)

    def read_payload(self, capture: CaptureView, *, rendered: bool = True) -> bytes | None:
        """The decoded HTTP payload of a capture; for a revisit, that of the response it repeats;
        for a browser capture the DOM the browser rendered (``rendered`` False: its document's
        HTTP payload)."""
        from archive.warc.reader import read_record

        if rendered and capture.mode == "browser" and capture.record_type == "response":
            dom = self.catalog.evidence_for([capture.id]).get(capture.id, {}).get("dom")
            if dom is None:
                return None
            return read_record(self.read_range(dom.warc_name, dom.offset, dom.length)).payload

        if capture.record_type == "revisit":
            # By digest across URLs, as replay finds it: a redirect's revisit repeats the payload
            # of its target's capture. (Not by the record's WARC-Refers-To: that would read the
            # revisit record too, a second ranged read for every unchanged page judged.)
            original = self.catalog.original_of(capture)
            if original is None:
                return None
            capture = original
        if capture.record_type != "response":
            return None
        data = self.read_record_bytes(capture)
        # Never decoded past the body limit the crawler fetched it under: an archived body can be a
        # decompression bomb the crawler only half undid (PayloadTooLargeError, a WarcError, then
        # marks the capture as one that could not be compared).
        return read_record(data).decoded_payload(int(self.settings.max_body_mb * MB)) if data else None

    def tag_articles(self, article_ids: Sequence[int], tags: Sequence[str]) -> None:
        """Add tags to articles (alerts about their sources also go to the tags' Apprise URLs)."""
        for article_id in article_ids:
            view = self.catalog.get_article(article_id)
            if view is not None:
                self.catalog.set_article_tags(article_id, [*view.tags, *tags])

    @staticmethod
    def source_targets(articles: Sequence[ArticleView]) -> Iterator[CaptureTarget]:
        """The sources the articles cite, each once."""
        seen: set[int] = set()
        for view in articles:
            for c in view.citations:
                if c.source_id not in seen:
                    seen.add(c.source_id)
                    yield CaptureTarget(url=c.url, role=ROLE_SOURCE, source_id=c.source_id)

    def due_targets(self, *, due_only: bool, urls: Sequence[str] | None = None) -> Iterator[CaptureTarget]:
        """The sources to crawl, read from the catalog page by page as the crawl takes them.

        The URLs are checked at once (`BadInput` for one that is not watched); the catalog is read
        lazily.
        """
        from crawler.ingest.canonical import canonical_url

        canonical: list[str] | None = None
        if urls:
            canonical = []
            for u in urls:
                c = canonical_url(u)
                if c is None:
                    raise BadInput(f"{u!r} is not an http(s) URL; see `citewatch sources` for watched URLs")
                canonical.append(c)
            known = {s.url for s in self.catalog.sources_for_urls(canonical)}
            missing = [u for u in canonical if u not in known]
            if missing:
                raise BadInput(f"{missing[0]} is not a watched source; ingest an article citing it first")
        refs = self.catalog.iter_sources_to_crawl(due_only=due_only, urls=canonical, now=self.clock())
        return (CaptureTarget(url=r.url, role=ROLE_SOURCE, source_id=r.id) for r in refs)

    @staticmethod
    def article_targets(inputs: Sequence[ArticleInput]) -> Iterator[CaptureTarget]:
        """The articles given by URL: their pages are captured, and their sources with them."""
        return (CaptureTarget(url=i.origin, role=ROLE_ARTICLE) for i in inputs if i.is_url)

    def web_app(self, *, bind_host: str = "127.0.0.1", port: int = 8080) -> FastAPI:
        """The browsing UI with its sandboxed replay, over this catalog and store, as served on
        ``bind_host``:``port`` (its address unless ``ui_base_url`` says otherwise)."""
        from archive.web.app import create_app
        from archive.web.errors import WebConfigError
        from archive.web.hosts import WILDCARD_BINDS, url_for_bind
        from archive.web.replay import build_replay_router
        from archive.web.routes.keys import build_keys_router
        from crawler.ingest.canonical import canonical_url

        s = self.settings
        names = [*s.allowed_hosts, *([] if bind_host.strip() in WILDCARD_BINDS else [bind_host])]
        base_url = s.ui_base_url or url_for_bind(bind_host, port)
        try:
            web = create_app(
                catalog=self.catalog,
                read_record=self.read_record_bytes,
                admin_token=s.admin_token,
                submit_ingest=self.submit_ingest,
                ingest_jobs=self.ingests.jobs,
                cluster_status=self.status_document,
                base_url=base_url,
                allowed_hosts=names,
                read_payload=self.read_payload,
                signing_key=self.signing_key,
                canonical=canonical_url,
            )
        except WebConfigError as exc:
            raise ConfigError(str(exc)) from exc
        web.include_router(build_keys_router(self.public_signing_key))
        web.include_router(
            build_replay_router(
                engine=self.catalog.engine,
                read_record=lambda row: (
                    self.read_range(row.warc_name, row.offset, row.length)
                    if row.warc_name is not None and row.offset is not None and row.length is not None
                    else None
                ),
                base_url=base_url,
            )
        )
        return web

    def status_document(self) -> dict[str, Any]:
        """The deployment's status as ``citewatch status --json`` prints it, for the web UI's status
        page (`archive.web.errors.StatusUnavailable` when its Redis cannot be reached)."""
        from archive.web.errors import StatusUnavailable
        from citewatch.errors import ClusterUnavailable
        from citewatch.render import status_json
        from citewatch.status import gather_status

        try:
            return status_json(gather_status(self.settings, self.catalog, self.clock()))
        except ClusterUnavailable as exc:
            raise StatusUnavailable(str(exc)) from exc

    def submit_ingest(self, url: str) -> None:
        """Ingest an article URL in the background (asked for from the web UI): a few at once,
        the others queued (`citewatch.ingest_queue`); what each said stays in its log."""
        from citewatch.inputs import parse_article_inputs

        parse_article_inputs([url])  # the same validation as the command line
        self.ingests.submit(url)

    def reindex(self, progress: Callable[[str, ReindexReport], None] | None = None) -> ReindexReport:
        """Put back into the catalog every capture of every WARC file, in the spool and in the
        store, that it lacks (a lost or partial catalog); idempotent.  Under the crawl lock, so
        no crawl records the same captures meanwhile.  ``progress`` hears of each file."""
        import io

        from archive.index.reindex import ReindexReport, reindex_warc
        from archive.store.spool import WARC_PREFIX, warc_key
        from archive.store.stream import RANGE_BYTES, ObjectStream
        from archive.warc.writer import WARC_SUFFIX

        total = ReindexReport()
        with crawl_lock(self.settings.home_dir, self._lock_name):
            spooled = {p.name: p for p in self.spool.pending()}
            stored = {
                key[len(WARC_PREFIX) :]
                for key in self.store.list_keys(WARC_PREFIX)
                if key.endswith(WARC_SUFFIX) and "/" not in key[len(WARC_PREFIX) :]
            }
            if (spooled or stored) and not self.catalog.capture_count():
                # A lost catalog rebuilt: its capture log is a new chain (the old one went with
                # the old catalog), and says that what follows was read back from the WARCs.
                self.catalog.note_in_log(REBUILT_NOTE)
            for name in sorted(spooled.keys() | stored):
                if name in spooled:  # not uploaded yet: the spool copy is the only one
                    with spooled[name].open("rb") as stream:
                        report = reindex_warc(self.catalog, name, stream, next_due=self.next_due)
                else:
                    key = warc_key(name)
                    size = self.store.head(key)
                    if size is None:  # deleted since it was listed
                        continue
                    raw = ObjectStream(self.store, key, size)
                    with io.BufferedReader(raw, RANGE_BYTES) as stream:
                        report = reindex_warc(self.catalog, name, stream, next_due=self.next_due)
                        while stream.read(RANGE_BYTES):  # the digest covers the whole object
                            pass
                    known = self.catalog.warc(name)
                    if known is None or known.state != "stored":
                        self.catalog.mark_warc_stored(name, key=key, size=size, sha256=raw.sha256())
                total += report
                if progress is not None:
                    progress(name, report)
            if total.added:
                # What was put back is the past: its changes are recorded as of their captures,
                # and alert no one (the next crawl compares with the newest and alerts as usual).
                self.reindex_changes = self.change_recorder(backfill=True).process()
        return total

    def verify(
        self,
        *,
        article_id: int | None = None,
        log: bool = False,
        progress: Callable[[str], None] | None = None,
    ) -> AuditReport:
        """Audit the archive (`archive.fixity`): everything, the capture log only (``log``), or one
        article's records (and the log too with ``log``)."""
        from archive.fixity.audit import Auditor
        from archive.fixity.chain import check_log
        from archive.fixity.problems import AuditReport

        report = AuditReport()
        root = self.settings.spool_dir
        spools = [
            self.spool_dir,
            root,
            *(sorted(p for p in root.iterdir() if p.is_dir()) if root.is_dir() else []),
        ]
        auditor = Auditor(self.catalog, self.store, list(dict.fromkeys(spools)), progress=progress)
        if article_id is not None:
            if self.catalog.get_article(article_id) is None:
                raise unknown_article(article_id)
            auditor.audit_claims(self.catalog.claims_for_article(article_id), report)
        elif not log:
            auditor.audit_all(report)
        if log or article_id is None:
            check_log(self.catalog, report, progress)
        return report

    def export_wacz(self, article_id: int, path: Path, *, signed: bool = True) -> ExportReport:
        """Package an article with every capture of its sources as a WACZ file, signed with the
        archive's key (made on first use) unless ``signed`` is False."""
        from archive.export.wacz import export_wacz

        if self.catalog.get_article(article_id) is None:
            raise unknown_article(article_id)
        return export_wacz(
            self.catalog,
            article_id=article_id,
            read_range=self.read_range,
            out_path=path,
            signing_key=self.signing_key() if signed else None,
        )

    @property
    def signing_key_path(self) -> Path:
        """The archive's WACZ signing key: in the data directory, never in the store or an export."""
        return self.settings.home_dir / SIGNING_KEY_FILE

    def signing_key(self) -> SigningKey:
        """The archive's WACZ signing key, made on first use (`archive.export.keys`)."""
        from archive.export.keys import load_or_create_key

        return load_or_create_key(self.signing_key_path)

    def public_signing_key(self) -> PublicKey | None:
        """The public part of the signing key, None while no export has made one."""
        from archive.export.keys import load_key

        key = load_key(self.signing_key_path)
        return key.public if key is not None else None

    def report(self, article_id: int) -> ArticleReport:
        """The link-health report of an article (`archive.report`): one capture read per source."""
        from archive.report import build_report

        report = build_report(
            self.catalog.engine, article_id, read_payload=self.read_payload, now=self.clock()
        )
        if report is None:
            raise unknown_article(article_id)
        return report

    def send_report_digests(self) -> str:
        """Send each tag's link-health digest (to its ``alert_tag_urls``) if a digest period has
        just ended (`scheduler.alerts.digest`); says what it did."""
        from scheduler.alerts.deliver import AppriseNotifier
        from scheduler.alerts.digest import send_digests, tag_digests

        s = self.settings
        now = self.clock()
        due = report_digest_due(s, now)
        if due is None:
            return "no digest due"
        digests = tag_digests(
            self.catalog.engine,
            list(s.alert_tag_urls),
            start=due[0],
            end=due[1],
            read_payload=self.read_payload,
            now=now,
            ui_base_url=s.ui_base_url,
        )
        sent, failed = send_digests(digests, s.alert_tag_urls, AppriseNotifier())
        return f"{len(digests)} tag digest(s): sent {sent}, failed {failed}"

    def export_report_wacz(self, report: ArticleReport, path: Path) -> ExportReport:
        """Package exactly the captures an article's report (`report`, already built: building it
        reads a capture of every source) points to as a WACZ file, signed with the archive's key
        like every export."""
        from archive.export.wacz import export_wacz

        return export_wacz(
            self.catalog,
            article_id=report.article_id,
            read_range=self.read_range,
            out_path=path,
            capture_ids=report.capture_ids(),
            signing_key=self.signing_key(),
        )


def _nonempty(targets: Iterable[CaptureTarget]) -> Iterator[CaptureTarget] | None:
    """The targets as an iterator, or None when there are none (only the first one is read)."""
    it = iter(targets)
    first = next(it, None)
    return None if first is None else itertools.chain([first], it)


def report_digest_due(settings: Settings, now: datetime) -> tuple[datetime, datetime] | None:
    """The digest period (start, end) a run at ``now`` sends the tags' link-health digests of, or
    None: no tag has alert URLs, or no period has just ended (`scheduler.alerts.digest.due_period`)."""
    from scheduler.alerts.digest import due_period

    if not settings.alert_tag_urls:
        return None
    return due_period(
        now,
        period=timedelta(seconds=settings.report_digest_seconds),
        window=timedelta(seconds=settings.alert_seconds),
    )


def unknown_article(article_id: int) -> BadInput:
    return BadInput(f"there is no article {article_id}; `citewatch ingest --json` shows article ids")


def has_catalog(settings: Settings) -> bool:
    """Whether the settings point at a catalog that exists (checked without creating anything)."""
    try:
        existing_catalog_url(settings)
    except NothingArchived:
        return False
    return True


def existing_catalog_url(settings: Settings) -> str:
    """The catalog URL to read from; `NothingArchived` when there is no catalog there yet.

    Looking must not create: neither the data directory, nor an SQLite file (connecting would),
    nor the tables (migrating would).  A SQLite catalog in a directory this process cannot write
    (read-only media, another user's archive) is opened read-only: WAL mode needs a ``-shm`` file
    beside the database, so when none exists (no process has it open) it is opened as immutable.
    """
    url = make_url(settings.db_url)
    path = _sqlite_file(url)
    if url.get_backend_name() == "sqlite":
        if path is None:
            return settings.db_url  # in memory or already a file: URI; nothing on disk to create
        if not _sqlite_holds_catalog(path):
            raise NothingArchived(settings.home_dir, path)
        if os.access(path.parent, os.W_OK):
            return settings.db_url
        shm = path.with_name(path.name + "-shm")
        flags = {"uri": "true", "mode": "ro", **({} if shm.exists() else {"immutable": "1"})}
        return url.set(database=path.resolve().as_uri(), query={**url.query, **flags}).render_as_string(
            hide_password=False
        )
    engine = create_engine(url)
    try:
        exists = inspect(engine).has_table("alembic_version")
    except SQLAlchemyError as exc:
        raise CatalogUnavailable(url.render_as_string(hide_password=True), str(exc).splitlines()[0]) from exc
    finally:
        engine.dispose()
    if not exists:
        raise NothingArchived(settings.home_dir, None)
    return settings.db_url


def _sqlite_file(url: URL) -> Path | None:
    database = url.database
    if url.get_backend_name() != "sqlite" or not database or database == ":memory:":
        return None
    if database.startswith("file:"):
        return None
    return Path(database).expanduser()


def _sqlite_holds_catalog(path: Path) -> bool:
    """True if ``path`` is an SQLite file with the catalog's tables (or a live writer's WAL beside it)."""
    if not path.is_file():
        return False
    if path.with_name(path.name + "-wal").exists():
        return True  # a crawl is creating it right now: its tables may still be in the WAL only
    try:
        # Immutable: this look creates no -shm/-wal file and takes no lock.
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro&immutable=1", uri=True)
    except sqlite3.Error:
        return True  # not readable as SQLite: opening it says why, in one line
    try:
        row = conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'"
        ).fetchone()
    except sqlite3.Error:
        return True
    finally:
        conn.close()
    return row is not None
