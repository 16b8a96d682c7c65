"""After a crawl: judge every source capture not judged yet, record changes, queue alerts.

Detection runs once the crawl is over, outside the reactor, when every capture of the crawl
(including the soft-404 probes) is in the catalog and its record can be read back from the WARC.
It works through the catalog's queue of unjudged captures, not through the crawl's own list, so
a capture left unjudged by a killed or failed run is judged by the next one, in order, against
the last capture that was judged: an edit never slips through a run that failed.  One capture
that cannot be judged (an unreadable record, a bug meeting a hostile page) is recorded with its
reason and retried, and never stops the others.

The queue is worked in batches of sources: one read brings everything a batch needs, one
transaction records its verdicts.  Most captures need no text at all (an unchanged payload, a
first capture without a sign of a soft 404); the pages whose text must be read and compared are
judged in a pool of worker processes, one per core, when there are enough of them to pay for
starting it.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from multiprocessing import get_context
from urllib.parse import urlsplit

from archive.catalog.repository import Catalog
from archive.catalog.views import ArticleRef, CaptureView, ChangeRecord, ChangeView, Judgement, JudgingContext
from archive.store.errors import NotYetStored
from scheduler.alerts.message import render_alert
from scheduler.detect import IgnoreRules, Observation, Verdict, detect
from scheduler.detect.model import DELETED, UNREACHABLE
from scheduler.detect.recovered import recovered_verdict
from scheduler.policy import RevisitPolicy

logger = logging.getLogger(__name__)

# Browser captures that never reached the page (no browser here, or ours failed): no news about
# it, so they neither count as failed fetches nor change anything.
NOT_FETCHED = frozenset(("no-browser", "browser-error"))
# States of a source with no live page, in which a recovered memento stands in for its text.
DEAD_STATES = (DELETED, UNREACHABLE)
# States in which an unchanged payload needs no text work at all.
_HEALTHY = ("live", "edited", "redirected")
# Passes that try to judge a capture before it is given up (retries are the next crawls' passes).
MAX_JUDGE_ATTEMPTS = 3
# Sources read, judged and recorded together.
BATCH_SOURCES = 200
# Fewer text comparisons than this in a batch are judged in this process: a worker pool takes
# about a second to start.
POOL_MIN_TASKS = 4

PayloadReader = Callable[[CaptureView], bytes | None]
TargetsFor = Callable[[Sequence[ArticleRef]], list[str]]


@dataclass(frozen=True)
class SourceTask:
    """One source's waiting captures, ready for `detect` (and for a worker process: plain data).

    ``steps`` are (observation, failures in a row with it, the host's probe) per capture, oldest
    first; ``baseline`` is what the first of them is compared with.
    """

    baseline: Observation | None
    state: str
    steps: tuple[tuple[Observation, int, Observation | None], ...]
    quotes: tuple[str, ...]
    rules: IgnoreRules
    failure_threshold: int
    # A memento recovered for the source (dead at ingest): its text stands in for a baseline
    # without content (a 404) while the source is dead, so a page that comes back is compared
    # with what the memento said.
    recovered: Observation | None = None

    @property
    def reads_text(self) -> bool:
        """Whether judging it compares texts: the costly kind, worth a worker process."""
        return any(
            current.body is not None and (self.baseline is not None or probe is not None)
            for current, _, probe in self.steps
        )


def judge_source(task: SourceTask) -> tuple[list[Verdict], str | None]:
    """The verdicts on a source's waiting captures, in order, and why the next one could not be
    judged (its verdicts stop there: each depends on the one before)."""
    state = task.state
    # The last capture of each mode: a browser capture and an HTTP one of a page differ in what
    # they hold (rendered text against the skeleton), so each is compared with its own kind.
    befores = {task.baseline.mode: task.baseline} if task.baseline is not None else {}
    verdicts: list[Verdict] = []
    for current, failures, probe in task.steps:
        before = befores.get(current.mode)
        if current.error_kind in NOT_FETCHED:
            verdicts.append(Verdict(None, state, "not captured: the browser did not run"))
            continue
        if current.status is not None and not _comparable(current):
            # The page answered, but the browser kept no rendered page (it timed out first):
            # nothing to compare, and no new baseline.
            verdicts.append(Verdict(None, state, "not compared: no rendered page was kept"))
            continue
        if current.recovered_from is not None:
            # A memento of a source dead at ingest: its text is the baseline from now on
            # (`scheduler.detect.recovered`); the live captures after it are compared with it.
            try:
                verdict = recovered_verdict(
                    current, previous_state=state, quotes=task.quotes, rules=task.rules
                )
            except Exception as error:  # one capture, whatever went wrong in detection
                return verdicts, _reason(error)
            verdicts.append(verdict)
            state = verdict.state
            if _baseline_worthy(current):
                befores[current.mode] = current
            continue
        if before is None and befores and current.status is not None:
            # The first capture made this way after others made the other way (the source
            # switched to or from the browser): the new baseline, and the state stays as judged.
            verdicts.append(Verdict(None, state, f"first {current.mode} capture: the new baseline"))
            befores[current.mode] = current
            continue
        if task.recovered is not None and state in DEAD_STATES and not _has_content(before):
            before = task.recovered
        try:
            verdict = detect(
                before,
                current,
                previous_state=state,
                consecutive_failures=failures,
                probe=probe,
                quotes=task.quotes,
                rules=task.rules,
                failure_threshold=task.failure_threshold,
            )
        except Exception as error:  # one capture, whatever went wrong in detection
            return verdicts, _reason(error)
        verdicts.append(verdict)
        state = verdict.state
        if _baseline_worthy(current):
            befores[current.mode] = current
    return verdicts, None


@dataclass
class _Prepared:
    """A source of the batch: its task (None if its baseline cannot be read), and why the first
    capture it leaves out cannot be read."""

    context: JudgingContext
    task: SourceTask | None
    error: str | None = None


class ChangeRecorder:
    """Turns source captures into verdicts, change rows and alerts, a batch of sources at a time."""

    def __init__(
        self,
        catalog: Catalog,
        *,
        read_payload: PayloadReader,
        alert_targets: TargetsFor,
        policy: RevisitPolicy,
        failure_threshold: int,
        clock: Callable[[], datetime],
        ui_base_url: str | None = None,
        workers: int | None = None,
        backfill: bool = False,
    ) -> None:
        """``backfill``: the captures are of the past (put back by a reindex of a lost catalog):
        a change is dated when its capture was made, and alerts no one, as it was news then."""
        self._catalog = catalog
        self._read_payload = read_payload
        self._alert_targets = alert_targets
        self._policy = policy
        self._failure_threshold = failure_threshold
        self._clock = clock
        self._ui_base_url = ui_base_url
        self._workers = workers if workers is not None else (os.cpu_count() or 1)
        self._backfill = backfill

    def process(self, probe_ids: Sequence[int] = ()) -> list[int]:
        """Judge every source capture that waits for it; return the ids of the changes recorded.

        ``probe_ids`` are this crawl's soft-404 probes (one per host).  Captures of one source are
        judged oldest first; when one cannot be judged, the later ones wait for its retry, unless
        it has been given up.
        """
        probes = self._probes_by_host(probe_ids)
        change_ids: list[int] = []
        after = 0
        with self._pool() as pool:
            while contexts := self._catalog.judging_contexts(after_source_id=after, limit=BATCH_SOURCES):
                after = contexts[-1].source_id
                prepared = [self._prepare(context, probes) for context in contexts]
                change_ids += self._record(prepared, self._verdicts(prepared, pool))
        return change_ids

    # -- preparing: what each source's captures are, read from the archive ---------------------

    def _prepare(self, context: JudgingContext, probes: dict[str, Observation]) -> _Prepared:
        first = context.captures[0]
        # With more than one capture waiting, the state each is judged in is only known as the
        # verdicts come: read every body (rare: a killed run, a retry).
        unchanged = (
            len(context.captures) == 1
            and first.mode == "http"
            and context.baseline is not None
            and context.baseline.payload_digest is not None
            and context.baseline.payload_digest == first.payload_digest
            and context.baseline.status == first.status
        )
        need_bodies = not unchanged or context.state not in _HEALTHY
        try:
            baseline = self._baseline(context, need_bodies)
        except NotYetStored:  # another worker's, not uploaded yet: judged by a later pass
            return _Prepared(context, None)
        except Exception as error:  # its record cannot be read now: the capture waits for a retry
            return _Prepared(context, None, _reason(error))
        steps = []
        unreadable = None
        failures = context.consecutive_failures
        for capture in context.captures:
            # A memento came from an archive: it says nothing of whether the live site answers.
            if capture.error_kind not in NOT_FETCHED and capture.recovered_from is None:
                failures = failures + 1 if _failed(capture) else 0
            probe = probes.get(urlsplit(capture.final_url or capture.url).netloc) if need_bodies else None
            try:
                steps.append((self._observe(capture, need_bodies), failures, probe))
            except NotYetStored:  # this one and the later ones wait for a later pass, no retry spent
                break
            except Exception as error:  # this one waits for a retry; the ones before it are judged
                unreadable = _reason(error)
                break
        task = SourceTask(
            baseline=baseline,
            state=context.state,
            steps=tuple(steps),
            quotes=context.quotes,
            rules=IgnoreRules(selectors=context.selectors, patterns=context.patterns),
            failure_threshold=self._failure_threshold,
            recovered=self._recovered(context) if need_bodies else None,
        )
        return _Prepared(context, task, unreadable)

    def _baseline(self, context: JudgingContext, need_bodies: bool) -> Observation | None:
        baseline = context.baseline
        if baseline is None:
            return None
        first = context.captures[0]
        try:
            return self._observe(baseline, need_bodies)
        except NotYetStored:
            raise
        except Exception:
            if not self._catalog.given_up_between(
                context.source_id, after_id=baseline.id, before_id=first.id
            ):
                raise  # an outage, most likely: this capture waits for its retry
            # The baseline's record has failed a capture through all its attempts already: it is
            # lost, and waiting for it would stop this source's detection for good. The capture
            # is compared with nothing and becomes the new baseline.
            logger.warning(
                "the record of capture %d of %s cannot be read; capture %d becomes the new baseline",
                baseline.id,
                first.url,
                first.id,
            )
            return None

    def _recovered(self, context: JudgingContext) -> Observation | None:
        """The source's recovered memento, read, when it is not the baseline already (None if it
        cannot be read now: the captures are judged as without one)."""
        memento = context.recovered
        if memento is None or (context.baseline is not None and context.baseline.id == memento.id):
            return None
        try:
            return self._observe(memento, True)
        except Exception as error:  # its text only sharpens the verdicts: they go on without it
            logger.warning("the memento recovered for %s cannot be read: %s", memento.url, _reason(error))
            return None

    # -- judging: pure, in this process or in worker processes -------------------------------

    @contextmanager
    def _pool(self) -> Iterator[_LazyPool]:
        pool = _LazyPool(self._workers)
        try:
            yield pool
        finally:
            pool.shutdown()

    def _verdicts(self, prepared: list[_Prepared], pool: _LazyPool) -> list[tuple[list[Verdict], str | None]]:
        tasks = [p.task for p in prepared if p.task is not None]
        costly = [t for t in tasks if t.reads_text]
        results: dict[int, tuple[list[Verdict], str | None]] = {}
        if len(costly) >= POOL_MIN_TASKS and self._workers > 1:
            try:
                for task, result in zip(costly, pool.get().map(judge_source, costly), strict=True):
                    results[id(task)] = result
            except BrokenProcessPool as error:  # a worker died (out of memory?): judge them here
                logger.warning("the detection worker pool broke (%s); judging in this process", error)
                pool.shutdown()
        out: list[tuple[list[Verdict], str | None]] = []
        for p in prepared:
            if p.task is None:
                out.append(([], p.error))
                continue
            verdicts, stopped_by = results.get(id(p.task)) or judge_source(p.task)
            out.append((verdicts, stopped_by if stopped_by is not None else p.error))
        return out

    # -- recording: one transaction per batch, each verdict all or nothing -------------------

    def _record(
        self, prepared: list[_Prepared], verdicts: list[tuple[list[Verdict], str | None]]
    ) -> list[int]:
        judgements: list[Judgement] = []
        failed: list[tuple[CaptureView, str]] = []
        for p, (source_verdicts, error) in zip(prepared, verdicts, strict=True):
            judgements += self._judgements(p, source_verdicts)
            if error is not None:
                failed.append((p.context.captures[len(source_verdicts)], error))
        by_capture = {c.id: c for p in prepared for c in p.context.captures}
        change_ids: list[int] = []
        for outcome in self._catalog.record_judgements(judgements, render_alert=self._render):
            if outcome.error is not None:
                failed.append((by_capture[outcome.capture_id], _reason(outcome.error)))
            elif outcome.change_id is not None:
                logger.info("change %d: %s", outcome.change_id, by_capture[outcome.capture_id].url)
                change_ids.append(outcome.change_id)
        for capture, reason in failed:
            self._could_not_judge(capture, reason)
        return change_ids

    def _judgements(self, prepared: _Prepared, verdicts: list[Verdict]) -> list[Judgement]:
        task, context = prepared.task, prepared.context
        if task is None:
            return []  # its baseline could not be read: no verdicts
        baseline = context.baseline if task.baseline is not None else None
        # What each capture was compared with: the last one made the same way (`judge_source`).
        previous = {baseline.mode: baseline} if baseline is not None else {}
        out = []
        state = context.state
        # The failure counts are the task's own: each verdict was reached with them.
        for capture, (observed, failures, _), verdict in zip(
            context.captures, task.steps, verdicts, strict=False
        ):
            before = previous.get(capture.mode)
            stood_in = task.recovered is not None and context.recovered is not None
            if stood_in and state in DEAD_STATES and capture.recovered_from is None and not _ok(before):
                before = context.recovered  # what `judge_source` compared it with
            out.append(self._judgement(context, capture, before, verdict, failures))
            state = verdict.state
            if _baseline_worthy(observed):
                previous[capture.mode] = capture
        return out

    def _judgement(
        self,
        context: JudgingContext,
        current: CaptureView,
        previous: CaptureView | None,
        verdict: Verdict,
        failures: int,
    ) -> Judgement:
        if verdict.kind is None:
            return Judgement(current.id, verdict.state, failures)
        now = current.captured_at if self._backfill else self._clock()
        change = ChangeRecord(
            source_id=context.source_id,
            kind=verdict.kind,
            detected_at=now,
            before_capture_id=previous.id if previous is not None else None,
            after_capture_id=current.id,
            summary=verdict.summary,
            added=verdict.added,
            removed=verdict.removed,
            removed_quotes=verdict.removed_quotes,
        )
        return Judgement(
            current.id,
            verdict.state,
            failures,
            change=change,
            next_due_at=self._policy.next_due(first_seen=context.created_at, now=now, changed=True),
            alert_targets=()
            if self._backfill
            else tuple(self._alert_targets(self._catalog.citing_articles(context.source_id))),
            alert=not self._backfill,
        )

    def _could_not_judge(self, capture: CaptureView, reason: str) -> None:
        """Record why a capture could not be judged (it is retried, and given up after the last try)."""
        # One line for the user: the reason says what went wrong.
        logger.warning("could not compare capture %d of %s: %s", capture.id, capture.url, reason)
        self._catalog.record_judge_failure(capture.id, reason, max_attempts=MAX_JUDGE_ATTEMPTS)

    def _render(self, change: ChangeView) -> tuple[str, str]:
        return render_alert(change, ui_base_url=self._ui_base_url)

    def _probes_by_host(self, probe_ids: Sequence[int]) -> dict[str, Observation]:
        probes: dict[str, Observation] = {}
        for probe_id in probe_ids:
            probe = self._catalog.get_capture(probe_id)
            if probe is not None:
                try:
                    probes[urlsplit(probe.url).netloc] = self._observe(probe, True)
                except Exception as error:  # soft-404 evidence only: detection goes on without it
                    logger.warning("the soft-404 probe %s cannot be read: %s", probe.url, error)
        return probes

    def _observe(self, capture: CaptureView, with_body: bool) -> Observation:
        digest, content_type = capture.payload_digest, capture.content_type
        if capture.mode == "browser" and capture.record_type == "response":
            # What the reader saw: the rendered DOM (`read_payload` reads it for such a capture).
            dom = self._catalog.evidence_for([capture.id]).get(capture.id, {}).get("dom")
            digest = f"sha256:{dom.digest}" if dom is not None and dom.digest else None
            content_type = dom.content_type if dom is not None else None
        return Observation(
            url=capture.url,
            status=capture.status,
            final_url=capture.final_url,
            redirects=tuple((r.url, r.status) for r in capture.redirects),
            payload_digest=digest,
            content_type=content_type,
            body=self._read_payload(capture) if with_body and capture.status is not None else None,
            error_kind=capture.error_kind,
            mode=capture.mode,
            recovered_from=capture.recovered_from,
            memento_datetime=capture.memento_datetime,
        )


class _LazyPool:
    """A process pool started on first use (most passes compare few texts, or none)."""

    def __init__(self, workers: int) -> None:
        self._workers = workers
        self._executor: Executor | None = None

    def get(self) -> Executor:
        if self._executor is None:
            # spawn, not fork: the crawl's process holds a reactor, database connections, threads.
            self._executor = ProcessPoolExecutor(max_workers=self._workers, mp_context=get_context("spawn"))
        return self._executor

    def shutdown(self) -> None:
        if self._executor is not None:
            self._executor.shutdown()
            self._executor = None


def _comparable(observed: Observation) -> bool:
    """False for a browser capture that kept no rendered page (nothing to compare it with)."""
    return not (observed.mode == "browser" and observed.status is not None and observed.body is None)


def _ok(capture: CaptureView | None) -> bool:
    return capture is not None and capture.status is not None and 200 <= capture.status < 300


def _has_content(observed: Observation | None) -> bool:
    """Whether a baseline holds a page's text (not a 404 page, a failure or a redirect's)."""
    return (
        observed is not None
        and observed.status is not None
        and 200 <= observed.status < 300
        and observed.body is not None
    )


def _baseline_worthy(observed: Observation) -> bool:
    """Whether a judged capture is what the next one is compared with: one with a response (a
    404 too: "still deleted"), unless it is a browser capture that kept no rendered page, or a
    memento the archive could not hand over."""
    if observed.status is None or not _comparable(observed):
        return False
    return observed.recovered_from is None or 200 <= observed.status < 300


def _failed(capture: CaptureView) -> bool:
    """Whether a capture counts as a failed fetch: an error, no response, 5xx, or 429 Too Many Requests."""
    status = capture.status
    return capture.error_kind is not None or status is None or status >= 500 or status == 429


def _reason(error: BaseException) -> str:
    """One line for the user: what went wrong."""
    return f"{type(error).__name__}: {error}".splitlines()[0]
