"""After a crawl: judge every source capture not judged yet, record changes, queue alerts.

Detection runs once the crawl is over, outside the reactor, when every capture of the crawl
(including the soft-404 probes) is in the catalog and its record can be read back from the WARC.
It works through the catalog's queue of unjudged captures, not through the crawl's own list, so
a capture left unjudged by a killed or failed run is judged by the next one, in order, against
the last capture that was judged: an edit never slips through a run that failed.  One capture
that cannot be judged (an unreadable record, a bug meeting a hostile page) is recorded with its
reason and retried, and never stops the others.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime
from urllib.parse import urlsplit

from archive.catalog.repository import Catalog
from archive.catalog.views import ArticleRef, CaptureView, ChangeRecord, ChangeView, Judgement
from scheduler.alerts.message import render_alert
from scheduler.detect import IgnoreRules, Observation, detect
from scheduler.policy import RevisitPolicy

logger = logging.getLogger(__name__)

# States in which an unchanged payload needs no text work at all.
_HEALTHY = ("live", "edited", "redirected")
# Passes that try to judge a capture before it is given up (retries are the next crawls' passes).
MAX_JUDGE_ATTEMPTS = 3

PayloadReader = Callable[[CaptureView], bytes | None]
TargetsFor = Callable[[Sequence[ArticleRef]], list[str]]


class ChangeRecorder:
    """Turns source captures into verdicts, change rows and alerts, one capture at a time."""

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

    def process(self, probe_ids: Sequence[int] = ()) -> list[int]:
        """Judge every source capture that waits for it; return the ids of the changes recorded.

        ``probe_ids`` are this crawl's soft-404 probes (one per host).  Captures of one source are
        judged oldest first; when one cannot be judged, the later ones wait for its retry, unless
        it has been given up.
        """
        probes = self._probes_by_host(probe_ids)
        change_ids: list[int] = []
        for source_id in self._catalog.unjudged_sources():
            for capture in self._catalog.unjudged_captures(source_id):
                try:
                    change_id = self._catalog.record_judgement(
                        self._judge(capture, probes), render_alert=self._render
                    )
                except Exception as error:  # one capture, whatever went wrong: recorded, retried
                    if not self._could_not_judge(capture, error):
                        break
                    continue
                if change_id is not None:
                    logger.info("change %d: %s", change_id, capture.url)
                    change_ids.append(change_id)
        return change_ids

    def _could_not_judge(self, capture: CaptureView, error: Exception) -> bool:
        """Record why a capture could not be judged; True if it is given up (the next ones go on)."""
        reason = f"{type(error).__name__}: {error}".splitlines()[0]
        # One line for the user; the traceback, for whoever debugs it, at debug level.
        logger.warning("could not compare capture %d of %s: %s", capture.id, capture.url, reason)
        logger.debug("why capture %d could not be compared", capture.id, exc_info=error)
        noted = self._catalog.record_judge_failure(capture.id, reason, max_attempts=MAX_JUDGE_ATTEMPTS)
        return noted.given_up

    def _judge(self, current: CaptureView, probes: dict[str, CaptureView]) -> Judgement:
        assert current.source_id is not None
        source_id = current.source_id
        state, failures = self._catalog.source_status(source_id)
        failures_now = failures + 1 if _failed(current) else 0
        previous = self._catalog.last_judged_capture(source_id, before_id=current.id)
        unchanged = (
            previous is not None
            and previous.payload_digest is not None
            and previous.payload_digest == current.payload_digest
            and previous.status == current.status
        )
        need_bodies = not unchanged or state not in _HEALTHY
        observed = self._observe(current, need_bodies)
        before = None
        if previous is not None:
            try:
                before = self._observe(previous, need_bodies)
            except Exception:
                if not self._catalog.given_up_between(source_id, after_id=previous.id, before_id=current.id):
                    raise  # an outage, most likely: this capture waits for its retry
                # The baseline's record has failed a capture through all its attempts already: it
                # is lost, and waiting for it would stop this source's detection for good. This
                # capture is compared with nothing and becomes the new baseline.
                logger.warning(
                    "the record of capture %d of %s cannot be read; capture %d becomes the new baseline",
                    previous.id,
                    current.url,
                    current.id,
                )
                previous = None
                observed = self._observe(current, True)
        probe = probes.get(urlsplit(current.final_url or current.url).netloc)
        selectors, patterns = self._catalog.get_ignore_rules(source_id)
        verdict = detect(
            before,
            observed,
            previous_state=state,
            consecutive_failures=failures_now,
            probe=self._observe(probe, True) if probe is not None and need_bodies else None,
            quotes=self._catalog.quotes_for_source(source_id),
            rules=IgnoreRules(selectors=selectors, patterns=patterns),
            failure_threshold=self._failure_threshold,
        )
        if verdict.kind is None:
            return Judgement(current.id, verdict.state, failures_now)
        now = self._clock()
        first_seen = self._catalog.source_created_at(source_id) or now
        change = ChangeRecord(
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
        return Judgement(
            current.id,
            verdict.state,
            failures_now,
            change=change,
            next_due_at=self._policy.next_due(first_seen=first_seen, now=now, changed=True),
            alert_targets=tuple(self._alert_targets(self._catalog.citing_articles(source_id))),
        )

    def _render(self, change: ChangeView) -> tuple[str, str]:
        return render_alert(change, ui_base_url=self._ui_base_url)

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


def _failed(capture: CaptureView) -> bool:
    """Whether a capture counts as a failed fetch: an error, no response, 5xx, or 429 Too Many Requests."""
    status = capture.status
    return capture.error_kind is not None or status is None or status >= 500 or status == 429
