"""After a crawl: compare each new source capture with the previous one, record changes, queue alerts.

Detection runs once the crawl is over, outside the reactor, when every capture of the crawl
(including the soft-404 probes) is in the catalog and its record can be read back from the WARC.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from archive.catalog.repository import Catalog
from archive.catalog.views import ArticleRef, CaptureView, ChangeRecord
from scheduler.alerts.message import render_alert
from scheduler.detect import IgnoreRules, Observation, Verdict, detect
from scheduler.policy import RevisitPolicy

logger = logging.getLogger(__name__)

# States in which an unchanged payload needs no text work at all.
_HEALTHY = ("live", "edited", "redirected")


@dataclass(frozen=True)
class SourceBefore:
    """A source's state just before this crawl's capture was recorded."""

    state: str
    consecutive_failures: int


PayloadReader = Callable[[CaptureView], bytes | None]
TargetsFor = Callable[[Sequence[ArticleRef]], list[str]]


class ChangeRecorder:
    """Turns this crawl's source captures into verdicts, change rows and alerts."""

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
    ) -> None:
        self._catalog = catalog
        self._read_payload = read_payload
        self._alert_targets = alert_targets
        self._policy = policy
        self._failure_threshold = failure_threshold
        self._clock = clock
        self._ui_base_url = ui_base_url

    def process(self, captures: Sequence[tuple[int, SourceBefore]], probe_ids: Sequence[int]) -> list[int]:
        """Judge each (capture id, state before) pair; return the ids of the changes recorded."""
        probes = self._probes_by_host(probe_ids)
        change_ids: list[int] = []
        for capture_id, before in captures:
            current = self._catalog.get_capture(capture_id)
            if current is None or current.source_id is None:
                continue
            change_id = self._judge(current, before, probes)
            if change_id is not None:
                change_ids.append(change_id)
        return change_ids

    def _judge(
        self, current: CaptureView, before: SourceBefore, probes: dict[str, CaptureView]
    ) -> int | None:
        assert current.source_id is not None
        source_id = current.source_id
        previous = self._previous_with_response(current)
        unchanged = (
            previous is not None
            and previous.payload_digest is not None
            and previous.payload_digest == current.payload_digest
            and previous.status == current.status
        )
        need_bodies = not unchanged or before.state not in _HEALTHY
        probe = probes.get(urlsplit(current.final_url or current.url).netloc)
        selectors, patterns = self._catalog.get_ignore_rules(source_id)
        verdict = detect(
            self._observe(previous, need_bodies) if previous is not None else None,
            self._observe(current, need_bodies),
            previous_state=before.state,
            consecutive_failures=_failures_now(before, current),
            probe=self._observe(probe, True) if probe is not None and need_bodies else None,
            quotes=self._catalog.quotes_for_source(source_id),
            rules=IgnoreRules(selectors=selectors, patterns=patterns),
            failure_threshold=self._failure_threshold,
        )
        self._catalog.set_source_state(source_id, verdict.state)
        if verdict.kind is None:
            return None
        now = self._clock()
        first_seen = self._catalog.source_created_at(source_id) or now
        self._catalog.schedule(source_id, self._policy.next_due(first_seen=first_seen, now=now, changed=True))
        return self._record(source_id, previous, current, verdict, now)

    def _record(
        self,
        source_id: int,
        previous: CaptureView | None,
        current: CaptureView,
        verdict: Verdict,
        now: datetime,
    ) -> int:
        assert verdict.kind is not None
        change_id = self._catalog.record_change(
            ChangeRecord(
                source_id=source_id,
                kind=verdict.kind,
                detected_at=now,
                before_capture_id=previous.id if previous is not None else None,
                after_capture_id=current.id,
                summary=verdict.summary,
                added=verdict.added,
                removed=verdict.removed,
                removed_quotes=verdict.removed_quotes,
            )
        )
        logger.info("change %d: %s %s", change_id, verdict.kind, current.url)
        change = self._catalog.get_change(change_id)
        if change is not None:
            title, text = render_alert(change, ui_base_url=self._ui_base_url)
            targets = self._alert_targets(self._catalog.citing_articles(source_id))
            self._catalog.create_alert(change_id, title=title, text=text, targets=targets)
        return change_id

    def _previous_with_response(self, current: CaptureView) -> CaptureView | None:
        """The newest earlier capture that got an HTTP response: a failed fetch has nothing to
        compare with, so an edit made while a server was flaky is still caught afterwards."""
        earlier = self._catalog.latest_source_capture(current.source_id or 0, before_id=current.id)
        while earlier is not None and earlier.status is None:
            earlier = self._catalog.latest_source_capture(current.source_id or 0, before_id=earlier.id)
        return earlier

    def _probes_by_host(self, probe_ids: Sequence[int]) -> dict[str, CaptureView]:
        probes: dict[str, CaptureView] = {}
        for probe_id in probe_ids:
            probe = self._catalog.get_capture(probe_id)
            if probe is not None:
                probes[urlsplit(probe.url).netloc] = probe
        return probes

    def _observe(self, capture: CaptureView, with_body: bool) -> Observation:
        return Observation(
            url=capture.url,
            status=capture.status,
            final_url=capture.final_url,
            redirects=tuple((r.url, r.status) for r in capture.redirects),
            payload_digest=capture.payload_digest,
            content_type=capture.content_type,
            body=self._read_payload(capture) if with_body and capture.status is not None else None,
            error_kind=capture.error_kind,
        )


def _failures_now(before: SourceBefore, current: CaptureView) -> int:
    """Failures in a row including this capture (no response, 5xx, or 429 Too Many Requests)."""
    failed = current.status is None or current.status >= 500 or current.status == 429
    return before.consecutive_failures + 1 if failed else 0
